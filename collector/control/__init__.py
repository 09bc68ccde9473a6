"""Dongle control: detect, configure and keep a USB stick healthy, as sans-IO state machines.

As in h11, the machine never touches the port or the clock. The serial edge feeds it the framer's
events and the time (`on_events`, `tick`) and carries out what it returns: bytes to write, a baud
rate to switch to, or a request to reopen the port. Every change of state is recorded as a
`ControlEvent` with its reason, because a crew (and the status command) must be able to tell why a
stick was reset.

States and transitions (the table `TRANSITIONS` is the whole of it):

    probing ──reply──▶ configuring ──all steps answered──▶ listening
       │ timeout on every kind: failed       │ timeout: retry, then failed
    listening ──silence / protocol errors──▶ resetting ──▶ configuring
    any ──port lost──▶ reopening ──port back──▶ configuring

Health is judged on telegrams, not on bytes: a stick that keeps the port open but stops delivering
frames (the iM871A failure mode) is reset after `silence_s` (15 min by default while driving),
instead of the blind periodic reset other tools use.
"""

from __future__ import annotations

from collector.control.machine import Action, ControlEvent, DongleControl, Reopen, SetBaud, Write
from collector.control.scripts import BAUD, PROBE_ORDER, SCRIPTS, Step, supported_modes

__all__ = ["BAUD", "PROBE_ORDER", "SCRIPTS", "Action", "ControlEvent", "DongleControl", "Reopen", "SetBaud",
           "Step", "Write", "supported_modes"]
