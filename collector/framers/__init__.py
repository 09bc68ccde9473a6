"""Sans-IO framers, one per kind of receiver: serial bytes in, `Frame`/`CommandReply`/`Counter` out.

Every framer has ``feed(bytes) -> list[Event]``, ``close() -> list[Event]`` (end of input: a frame cut
short is counted, never emitted) and a ``name``. None reads a port or a clock; the van service stamps
the receive time. Each framer is written from its stick's datasheet, independently of the simulators'
byte builders, so that the two sides check each other.

Replies: a message that is not a telegram (a reply to a host command, or a status message) comes out as
a `CommandReply` naming the stick's own message id, so a telegram that arrives between a command and its
reply is a `Frame`, never taken for the reply. The binary framers (and hex) also have ``gap()``, which the
I/O edge calls after a silence: a message still incomplete then was cut short (for streams with no
checksum, such as Amber transparent, RC1180 and raw, a silence is the only sign of it). ``buffered()``
and ``max_buffered`` state the memory bound (see ``collector.framers._buffer``). Where the stick does not
report the link mode itself, dongle control sets the framer's ``link_mode`` after configuring it.

Command builders (the bytes the host sends), next to each framer, for dongle control:

- ``imst.Im871aCommands``: ``ping``, ``device_info``, ``get_config``, ``reset``, ``set_link_mode(mode)``
  (SET_CONFIG in RAM: link mode, RSSI on, timestamp off), all with the CRC flag set.
- ``imst.Iu891aCommands``: ``wake_up`` (30 × C0), ``ping``, ``device_info``, ``fw_info``, ``restart``,
  ``wmbus_address``, ``get_active_configuration``, ``set_link_mode(mode)`` (no receive filter, RX and TX
  indications on).
- ``amber.AmberCommands``: ``get_parameters``, ``serial_number``, ``firmware``, ``rssi``, ``reset``,
  ``factory_reset``, ``set_mode(mode)`` (volatile), ``set_parameter(address, value)`` (non-volatile,
  applied by ``reset``). The same replies come out of the command-mode and the transparent framer.
- ``rc1180.Rc1180Commands``: ``enter_config``, ``read_memory``, ``write_memory(pairs)``, ``leave_config``;
  before sending, tell the framer how many reply bytes to expect with ``Rc1180Framer.expect(n)``.
- ``cul.CulCommands``: ``version``, ``report_rssi`` (X21), ``set_link_mode(mode)``, ``off``.

Modes are ``"T1"``, ``"C1"``, ``"C1T1"`` and ``"S1"`` wherever the stick supports them.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

from collector.framers.amber import AmberFramer, AmberTransparentFramer
from collector.framers.cul import CulFramer
from collector.framers.events import CommandReply, Counter, Event, Frame
from collector.framers.imst import Im871aFramer, Iu891aFramer
from collector.framers.raw import RawFramer
from collector.framers.rc1180 import Rc1180Framer
from collector.framers.text import HexFramer, Rtl433Framer, RtlWmbusFramer

FRAMERS: dict[str, type] = {f.name: f for f in (
    Im871aFramer, Iu891aFramer, AmberFramer, AmberTransparentFramer, Rc1180Framer, CulFramer, RtlWmbusFramer,
    Rtl433Framer, HexFramer, RawFramer,
)}
ALIASES = {"amb8665": "amb8465", "rtl_wmbus": "rtl-wmbus", "rtl_433": "rtl433", "hextty": "hex", "rawtty": "raw"}


class Framer(Protocol):
    """What every framer offers (sans-IO: bytes in, events out)."""

    name: ClassVar[str]
    max_buffered: ClassVar[int]

    def feed(self, data: bytes) -> list[Event]: ...

    def close(self) -> list[Event]: ...

    def buffered(self) -> int: ...


def make_framer(name: str) -> Framer:
    """A fresh framer for the named receiver (aliases: amb8665, rtl_wmbus, rtl_433, hextty, rawtty)."""
    key = ALIASES.get(name, name)
    if key not in FRAMERS:
        raise KeyError(f"unknown receiver {name!r}; known: {', '.join(FRAMERS)}")
    framer: Framer = FRAMERS[key]()
    return framer


__all__ = ["FRAMERS", "CommandReply", "Counter", "Event", "Frame", "Framer", "make_framer"]
