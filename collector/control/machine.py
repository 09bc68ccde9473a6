"""The control state machine itself: framer events and the time in, actions out (no I/O)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from collector.control.scripts import BAUD, PASSIVE, PROBE_ORDER, Step, configure, probe, reset, supported_modes
from collector.framers.events import CommandReply, Counter, Event, Frame

PROBING, CONFIGURING, LISTENING, RESETTING, REOPENING, FAILED = (
    "probing", "configuring", "listening", "resetting", "reopening", "failed")
TRANSITIONS = {
    PROBING: {CONFIGURING, LISTENING, FAILED, REOPENING},
    CONFIGURING: {LISTENING, CONFIGURING, FAILED, REOPENING},
    LISTENING: {RESETTING, REOPENING},
    RESETTING: {CONFIGURING, LISTENING, FAILED, REOPENING},
    REOPENING: {PROBING, CONFIGURING, LISTENING},
    FAILED: {REOPENING},
}
PROTOCOL_ERRORS = frozenset({"checksum_errors", "resyncs", "bad_lines", "truncated", "bad_length", "oversize"})


@dataclass(frozen=True)
class Write:
    data: bytes
    expect_bytes: int = 0


@dataclass(frozen=True)
class SetBaud:
    """Switch the port to ``baud`` and read it with a fresh framer of kind ``dongle``."""

    baud: int
    dongle: str


@dataclass(frozen=True)
class Reopen:
    reason: str


Action = Write | SetBaud | Reopen


@dataclass(frozen=True)
class ControlEvent:
    at: float
    state: str
    reason: str
    dongle: str | None


class ControlError(ValueError):
    """A request the stick cannot do (e.g. a link mode it does not support)."""


class DongleControl:
    def __init__(self, dongle: str, mode: str, *, silence_s: float = 900.0, max_errors: int = 20,
                 error_window_s: float = 60.0, retries: int = 3) -> None:
        self.wanted = dongle
        self.mode = mode.upper()
        if dongle != "auto" and self.mode not in supported_modes(dongle):
            raise ControlError(f"{dongle} cannot receive {mode}; it supports "
                               f"{', '.join(sorted(supported_modes(dongle)))}")
        self.dongle: str | None = None if dongle == "auto" else dongle
        self.silence_s = silence_s
        self.max_errors = max_errors
        self.error_window_s = error_window_s
        self.retries = retries
        self.state = PROBING
        self.log: list[ControlEvent] = []
        self.resets = 0
        self._steps: deque[Step] = deque()
        self._step: Step | None = None
        self._deadline = 0.0
        self._candidates: deque[str] = deque()
        self._attempts = 0
        self._last_frame = 0.0
        self._errors: deque[float] = deque()

    # --- bookkeeping -----------------------------------------------------------------------------
    def _to(self, state: str, now: float, reason: str) -> None:
        assert state in TRANSITIONS[self.state] or state == self.state, (self.state, state)
        self.state = state
        self.log.append(ControlEvent(now, state, reason, self.dongle))

    def _run(self, steps: list[Step], now: float) -> list[Action]:
        self._steps = deque(steps)
        return self._next(now)

    def _next(self, now: float) -> list[Action]:
        actions: list[Action] = []
        while self._steps:
            step = self._steps.popleft()
            actions.append(Write(step.data, step.expect_bytes))
            if step.answer is not None:
                self._step, self._deadline = step, now + step.timeout_s
                return actions
        self._step = None
        return actions + self._script_done(now)

    # --- the protocol -----------------------------------------------------------------------------
    def start(self, now: float) -> list[Action]:
        self._attempts += 1
        if self.dongle is None:
            self._candidates = deque(PROBE_ORDER)
            return self._probe_next(now)
        if self.dongle in PASSIVE:
            self._last_frame = now
            self._to(LISTENING, now, f"{self.dongle} has no command protocol: listening")
            return [SetBaud(BAUD[self.dongle], self.dongle)]
        self._to(PROBING, now, f"probing {self.dongle}")
        return [SetBaud(BAUD[self.dongle], self.dongle), *self._run(probe(self.dongle), now)]

    def _probe_next(self, now: float) -> list[Action]:
        if not self._candidates:
            self._to(FAILED, now, f"no stick answered the probes of {', '.join(PROBE_ORDER)}")
            return []
        cand = self._candidates.popleft()
        self._to(PROBING, now, f"probing for {cand} at {BAUD[cand]} baud")
        self._probing = cand
        return [SetBaud(BAUD[cand], cand), *self._run(probe(cand), now)]

    def _script_done(self, now: float) -> list[Action]:
        if self.state == PROBING:
            if self.dongle is None:
                self.dongle = self._probing
                if self.mode not in supported_modes(self.dongle):
                    self._to(FAILED, now, f"found {self.dongle}, which cannot receive {self.mode}")
                    return []
            self._to(CONFIGURING, now, f"{self.dongle} answered; configuring {self.mode}")
            return self._run(configure(self.dongle, self.mode), now)
        if self.state in (CONFIGURING, RESETTING):
            self._last_frame = now
            self._errors.clear()
            self._attempts = 0  # retries count per (re)configuration, not per day
            self._to(LISTENING, now, f"{self.dongle} receiving {self.mode}")
            return []
        return []

    def on_events(self, events: list[Event], now: float) -> list[Action]:
        actions: list[Action] = []
        for ev in events:
            if isinstance(ev, Frame):
                self._last_frame = now  # a telegram between a command and its reply is just a telegram
            elif isinstance(ev, CommandReply):
                if self._step is not None and self._step.answer is not None and self._step.answer(ev):
                    self._step = None
                    actions += self._next(now)
            elif isinstance(ev, Counter) and ev.name in PROTOCOL_ERRORS and self.state == LISTENING:
                self._errors.extend([now] * min(ev.count, self.max_errors))
        return actions + self._health(now)

    def tick(self, now: float) -> list[Action]:
        if self._step is not None and now > self._deadline:
            step, self._step = self._step, None
            if self.state == PROBING and self.wanted == "auto":
                return self._probe_next(now)
            if self._attempts < self.retries:
                self._to(self.state, now, f"no answer to {step.what}; retrying")
                return self.start(now) if self.state == PROBING else self._reconfigure(now, f"no answer to {step.what}")
            self._to(FAILED, now, f"{self.dongle or self.wanted} did not answer {step.what} "
                                  f"after {self._attempts} attempts")
            return []
        return self._health(now)

    def _health(self, now: float) -> list[Action]:
        if self.state != LISTENING or self.dongle in PASSIVE:
            return []
        while self._errors and self._errors[0] < now - self.error_window_s:
            self._errors.popleft()
        if len(self._errors) >= self.max_errors:
            return self._reset(now, f"{len(self._errors)} protocol errors within {self.error_window_s:g} s")
        if now - self._last_frame > self.silence_s:
            return self._reset(now, f"no telegram for {self.silence_s:g} s")
        return []

    def _reset(self, now: float, reason: str) -> list[Action]:
        self.resets += 1
        self._attempts = 1
        self._errors.clear()
        self._to(RESETTING, now, f"reset: {reason}")
        return self._run(reset(self.dongle or "") + configure(self.dongle or "", self.mode), now)

    def _reconfigure(self, now: float, reason: str) -> list[Action]:
        self._attempts += 1
        self._to(CONFIGURING, now, f"reconfiguring: {reason}")
        return self._run(configure(self.dongle or "", self.mode), now)

    def port_lost(self, now: float, reason: str) -> list[Action]:
        self._step = None
        self._steps.clear()
        self._to(REOPENING, now, f"port lost: {reason}")
        return [Reopen(reason)]

    def port_back(self, now: float) -> list[Action]:
        self._attempts = 0
        return self.start(now)
