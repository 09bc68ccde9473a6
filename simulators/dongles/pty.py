"""Serve a virtual dongle (and optionally a GPS puck) on pseudo-terminals: the I/O edge.

Why ptys: the collector opens a serial device path with pyserial and cannot tell a pty from a
USB stick, so detection, configuration, framing and reconnects run unchanged against it.

Clock: the drive's time starts when the dongle is first put into a receive mode (for passive
receivers, when the port is first opened), so a collector that takes a while to detect the stick
loses nothing, and `speed=None` (unlimited) can stream a whole drive at once. Frames due while
nobody has the port open are lost, as with a real stick — they are counted. The GPS pty sends the
van's first position once a second until the drive starts, then follows the track on the same
clock. Single-threaded `poll` loop; `stop()` (or SIGINT/SIGTERM in the CLI) ends it.

Induced silence (`stall_after=N`): after N telegrams the stick goes quiet with the port still open,
the failure real USB sticks show after hours of use, and stays quiet until the host writes to it
again (a reset or reconfiguration, which is what revives a real one); host bytes within
`STALL_DEAF_S` of the hang (a configuration still in flight) do not revive it. Telegrams due
meanwhile are held, not lost, so a test can check that everything after the reset arrives. Once
the drive has started, a stick the host has taken out of receive mode (RC1180 configuration mode,
CUL `X`) holds its telegrams too, until it is receiving again.
"""

from __future__ import annotations

import os
import select
import threading
import time
import tty
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from simulators.dongles import Faults, Reception, build_stream
from simulators.dongles.virtual import HexLinesDongle, RtlWmbusDongle, VirtualDongle
from simulators.dongles.virtual_imst import Im871aDongle, Iu891aDongle
from simulators.dongles.virtual_serial import AmberDongle, AmberTransparentDongle, CulDongle, Rc1180Dongle

VIRTUAL_DONGLES: dict[str, type[VirtualDongle]] = {
    cls.name: cls for cls in (Im871aDongle, Iu891aDongle, AmberDongle, AmberTransparentDongle, Rc1180Dongle,
                              CulDongle, RtlWmbusDongle, HexLinesDongle)
}
_POLL_MS = 20
STALL_DEAF_S = 1.0
_HUP = select.POLLHUP | select.POLLERR


class Pty:
    """One pseudo-terminal; we hold the master, the client opens `path`."""

    def __init__(self) -> None:
        self.master, slave = os.openpty()
        self.path = os.ttyname(slave)
        tty.setraw(slave)  # no echo, no CR/LF translation, before any client sees it
        os.close(slave)  # with no slave open the master reports POLLHUP: "nobody connected"
        os.set_blocking(self.master, False)
        self.out = bytearray()
        self.connected = False
        self.ever_connected = False

    def close(self) -> None:
        os.close(self.master)

    def read(self) -> bytes:
        try:
            return os.read(self.master, 4096)
        except (BlockingIOError, OSError):
            return b""

    def flush(self) -> None:
        if not self.connected or not self.out:
            return
        try:
            n = os.write(self.master, self.out)
        except (BlockingIOError, OSError):
            return
        del self.out[:n]


@dataclass
class ServeReport:
    """What the server did, for the operator and for tests."""

    telegrams_written: int = 0
    telegrams_lost_closed: int = 0
    replies_written: int = 0
    faults: int = 0
    nmea_sentences: int = 0
    stalls: int = 0
    stream_done: bool = False
    log: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Timed:
    """A write due `at_s` drive-seconds after the drive starts."""

    at_s: float
    data: bytes
    telegram: bool = True


class PtyDongleServer:
    """A virtual dongle on a pty, streaming `receptions` once configured; optionally NMEA on a second pty."""

    def __init__(self, dongle: VirtualDongle, receptions: Sequence[tuple[bytes, Reception]], *,
                 speed: float | None = 60.0, faults: Faults | None = None, seed: int = 0,
                 nmea: Sequence[tuple[float, bytes]] | None = None, started_at: datetime | None = None,
                 exit_when_done: bool = False, stall_after: int | None = None) -> None:
        if speed is not None and speed <= 0:
            raise ValueError(f"speed must be positive or None (unlimited), got {speed}")
        self.dongle = dongle
        self.receptions = receptions
        self.speed = speed
        self.faults = faults
        self.seed = seed
        self.exit_when_done = exit_when_done
        self.stall_after = stall_after
        self.stalled = False
        self._stalled_at = 0.0
        self.started_at = started_at  # drive time zero (UTC); None: the first telegram
        self.pty = Pty()
        self.gps = Pty() if nmea is not None else None
        self._nmea = deque(Timed(t, line, False) for t, line in (nmea or ()))
        self._idle_nmea = nmea[0][1] if nmea else b""
        self._queue: deque[Timed] = deque()
        self._started: float | None = None  # monotonic time the drive clock started
        self._next_idle = 0.0
        self._stop = threading.Event()
        self.report = ServeReport()

    @property
    def path(self) -> str:
        return self.pty.path

    @property
    def gps_path(self) -> str | None:
        return self.gps.path if self.gps else None

    def stop(self) -> None:
        self._stop.set()

    def _start_drive(self, now: float) -> None:
        modes = self.dongle.link_modes
        heard = [(f, rx) for f, rx in self.receptions if rx.link_mode in modes]
        stream = build_stream(self.dongle.encoder(), heard, self.faults, self.seed)
        self.report.faults = len(stream.faults)
        first = self.started_at or (stream.chunks[0].at if stream.chunks else None)
        for chunk in stream.chunks:
            at = (chunk.at - first).total_seconds() if first else 0.0
            self._queue.append(Timed(at, chunk.data, chunk.kind == "telegram"))
        self._started = now
        self.report.log.append(f"drive started: {len(heard)} telegrams for {'+'.join(sorted(modes))}, "
                               f"{len(stream.faults)} faults injected")

    def _due(self, item: Timed, now: float) -> bool:
        assert self._started is not None
        return self.speed is None or now - self._started >= item.at_s / self.speed

    def _poll_connection(self, pty: Pty, poller: select.poll) -> None:
        for fd, ev in poller.poll(0):
            if fd == pty.master:
                was = pty.connected
                pty.connected = not ev & _HUP
                pty.ever_connected |= pty.connected
                if was and not pty.connected:
                    self.report.log.append(f"{pty.path}: client closed the port")

    def serve(self, on_ready: Callable[[], None] | None = None) -> ServeReport:
        """Run until stopped, or (with `exit_when_done`) until the stream is written and the client closed."""
        ptys = [p for p in (self.pty, self.gps) if p is not None]
        pollers = []
        for p in ptys:
            poller = select.poll()
            poller.register(p.master, select.POLLIN | select.POLLOUT)  # POLLOUT: an open slave shows up
            pollers.append(poller)
        if on_ready:
            on_ready()
        try:
            while not self._stop.is_set():
                now = time.monotonic()
                for p, poller in zip(ptys, pollers, strict=True):
                    self._poll_connection(p, poller)
                self._step(now)
                for p in ptys:
                    p.flush()
                if self.exit_when_done and self.report.stream_done and not self.pty.out and not self.pty.connected:
                    break
                time.sleep(_POLL_MS / 1000 if not (self.pty.out or self._ready_now(now)) else 0)
        finally:
            for p in ptys:
                p.close()
            self.report.log.extend(self.dongle.log)
        return self.report

    def _ready_now(self, now: float) -> bool:
        return self._started is not None and bool(self._queue) and self._due(self._queue[0], now) \
            and self.pty.connected and not self.stalled and bool(self.dongle.link_modes) and len(self.pty.out) < 65_536

    def _step(self, now: float) -> None:
        if self.pty.connected:
            data = self.pty.read()
            if data:
                if self.stalled and now - self._stalled_at >= STALL_DEAF_S:
                    self.stalled = False
                    self.report.log.append(f"woken from the induced silence by {len(data)} host bytes")
                for reply in self.dongle.feed(data):
                    self.pty.out += reply
                    self.report.replies_written += 1
        if self._started is None and self.dongle.link_modes and (self.pty.connected or not self.dongle.passive):
            self._start_drive(now)
        if self._started is not None:
            receiving = bool(self.dongle.link_modes) and not self.stalled
            while receiving and self._queue and self._due(self._queue[0], now) and len(self.pty.out) < 65_536:
                item = self._queue.popleft()
                if self.pty.connected:
                    self.pty.out += item.data
                    self.report.telegrams_written += item.telegram
                    if item.telegram and self.report.telegrams_written == self.stall_after:
                        self.stalled, self._stalled_at = True, now
                        self.report.stalls += 1
                        self.report.log.append(f"induced silence after {self.stall_after} telegrams")
                        break
                else:
                    self.report.telegrams_lost_closed += item.telegram
            self.report.stream_done = not self._queue
        if self.gps is not None:
            self._step_gps(now)

    def _step_gps(self, now: float) -> None:
        assert self.gps is not None
        if self._started is None:
            if now >= self._next_idle and self.gps.connected:
                self.gps.out += self._idle_nmea
                self.report.nmea_sentences += self._idle_nmea.count(b"\n")
                self._next_idle = now + 1.0
            return
        while self._nmea and self._due(self._nmea[0], now) and len(self.gps.out) < 65_536:
            line = self._nmea.popleft().data
            if self.gps.connected:
                self.gps.out += line
                self.report.nmea_sentences += 1
