"""The van service: serial bytes → framer → outbox (committed) → live view, with sync alongside.

Order matters and is the product's promise: a frame is committed to the outbox before it is shown
or handed to sync, so a power cut after the screen shows a meter as read cannot lose that reading.
One group commit per serial read keeps fsyncs bounded (see `collector.outbox`). Dongle control
runs beside the framer as a state machine; this module only carries out its actions, and logs each
control event (probe, configure, reset, reopen) with its reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from collector.control import DongleControl, Reopen, SetBaud, Write
from collector.control.machine import LISTENING, PROBING, ControlError
from collector.coverage import Coverage, RouteMeter
from collector.framers import Counter, Frame, make_framer
from collector.outbox import HeardFrame, Outbox
from collector.serial import Chunk, Eof, Lost, PortError, SerialSource, Source, StreamSource, open_source

log = logging.getLogger("amr.collector")
GAP_S = 0.5  # a silence this long ends any frame in progress (sticks write a telegram in one burst)
STATUS_EVERY_S = 2.0
DEPTH_EVERY_S = 5.0  # Outbox.stats() counts every record: not twice a second all day
RENDER_EVERY_S = 0.5  # the view is rebuilt at the rate rich repaints it, not once per serial read
REOPEN_EVERY_S = 1.0


@dataclass
class CollectorOptions:
    port: str
    dongle: str
    mode: str
    van_id: str
    outbox: Path
    broker: str | None = None
    route: list[RouteMeter] | None = None
    missed_out: Path | None = None
    gps: str | None = None
    sync: bool = True
    live: bool = True
    silence_s: float = 900.0
    max_errors: int = 20
    drain_s: float = 5.0
    out: TextIO = field(default=sys.stdout)


@dataclass
class Totals:
    frames: int = 0
    records: int = 0
    folded: int = 0
    counters: dict[str, int] = field(default_factory=dict)


class Service:
    def __init__(self, opts: CollectorOptions) -> None:
        self.opts = opts
        self.outbox = Outbox(opts.outbox)
        self.totals = Totals()
        self.coverage = Coverage(opts.route or [])
        self.stop = asyncio.Event()
        self.framer: object | None = None
        self.source: Source | None = None
        self.queue: asyncio.Queue = asyncio.Queue()
        self.position: tuple[float, float] | None = None
        self.control = DongleControl(opts.dongle, opts.mode, silence_s=opts.silence_s, max_errors=opts.max_errors)
        self._logged = 0
        self._last_data = time.monotonic()
        self._gapped = True
        self._next_status = 0.0
        self._next_render = 0.0
        self._notes: deque[str] = deque(maxlen=4)
        self._depth, self._depth_at = 0, -DEPTH_EVERY_S

    # --- output ---------------------------------------------------------------------------------
    def say(self, line: str) -> None:
        if not self.opts.live:
            print(line, file=self.opts.out, flush=True)
        elif not line.startswith("accepted "):  # the live view shows resets, reopenings and sync trouble
            self._notes.append(f"{datetime.now().strftime('%H:%M:%S')} {line}")
        log.info(line)

    def _log_control(self) -> None:
        for ev in self.control.log[self._logged:]:
            self.say(f"dongle {ev.state}: {ev.reason}")
        self._logged = len(self.control.log)

    # --- actions --------------------------------------------------------------------------------
    def _apply(self, actions: list) -> None:
        for a in actions:
            if isinstance(a, SetBaud):
                assert self.source is not None
                self.source.set_baud(a.baud)
                self.framer = make_framer(a.dongle)
                self.framer.link_mode = {"C1T1": None}.get(self.opts.mode.upper(), self.opts.mode.upper())
            elif isinstance(a, Write):
                if a.expect_bytes and hasattr(self.framer, "expect"):
                    self.framer.expect(a.expect_bytes)
                assert self.source is not None
                self.source.write(a.data)
            elif isinstance(a, Reopen):
                self._close_source()
        self._log_control()

    def _close_source(self) -> None:
        if self.source is not None:
            self.source.close()
            self.source = None

    # --- events ---------------------------------------------------------------------------------
    def _handle(self, events: list, now: float) -> None:
        heard_at = datetime.now(UTC)
        accepted: list[tuple[int, Frame, bool]] = []
        for ev in events:
            if isinstance(ev, Frame):
                lat, lon = self.position or (None, None)
                res = self.outbox.add(HeardFrame(ev.frame, heard_at, ev.rssi_dbm, ev.link_mode,
                                                 self.control.dongle or self.opts.dongle, lat, lon))
                accepted.append((res.seq, ev, res.folded))
            elif isinstance(ev, Counter) and self.control.state != PROBING:
                # While probing, a framer of the wrong kind reads another stick's answers: noise, not faults.
                self.totals.counters[ev.name] = self.totals.counters.get(ev.name, 0) + ev.count
        if accepted:
            self.outbox.commit()  # durable before shown or synced
            for seq, ev, folded in accepted:
                self.totals.frames += 1
                self.totals.folded += folded
                self.totals.records += not folded
                heard = self.coverage.add(ev.frame)
                who = heard.meter_id if heard else "?"
                self.say(f"accepted seq={seq} id={who} rssi={ev.rssi_dbm}{' folded' if folded else ''}")
        self._apply(self.control.on_events(events, now))

    def _status(self, now: float, force: bool = False) -> None:
        if not force and now < self._next_status:
            return
        self._next_status = now + STATUS_EVERY_S
        self.outbox.put_status("dongle", {
            "dongle": self.control.dongle or self.opts.dongle, "state": self.control.state, "mode": self.opts.mode,
            "port": self.opts.port, "resets": self.control.resets, "counters": dict(self.totals.counters),
            "frames": self.totals.frames, "records": self.totals.records,
            "last_event": self.control.log[-1].reason if self.control.log else "",
            "coverage": ({"route": len(self.coverage.route), "read": self.coverage.read}
                         if self.coverage.route else None),
            "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        })

    # --- the loop -------------------------------------------------------------------------------
    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, self.stop.set)
        try:
            self.source = open_source(self.opts.port)
        except PortError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if isinstance(self.source, StreamSource) and self.control.dongle is None:
            print("error: --dongle auto needs a serial port to probe; name the dongle for a capture file or stdin",
                  file=sys.stderr)
            return 2
        self.source.start(loop, self.queue)
        now = time.monotonic()
        if isinstance(self.source, StreamSource):
            # A replay has no stick to talk to: read it with the named dongle's framer, already listening.
            self.framer = make_framer(self.control.dongle or "raw")
            self.control.state = LISTENING
        else:
            self._apply(self.control.start(now))
        tasks = [asyncio.create_task(self._sync())] if self.opts.sync and self.opts.broker else []
        if self.opts.gps:
            tasks.append(asyncio.create_task(self._gps(self.opts.gps)))
        live = self._live() if self.opts.live else contextlib.nullcontext()
        code = 0
        with live as view:
            while not self.stop.is_set():
                try:
                    item = await asyncio.wait_for(self.queue.get(), 0.2)
                except TimeoutError:
                    item = None
                now = time.monotonic()
                if isinstance(item, Chunk):
                    self._last_data, self._gapped = now, False
                    self._handle(self.framer.feed(item.data), now)
                elif isinstance(item, Eof):
                    self._handle(self.framer.close(), now)
                    break
                elif isinstance(item, Lost):
                    self._close_source()
                    self._apply(self.control.port_lost(now, item.reason))
                    await self._reopen()
                elif not self._gapped and now - self._last_data > GAP_S and hasattr(self.framer, "gap"):
                    self._gapped = True
                    self._handle(self.framer.gap(), now)
                self._apply(self.control.tick(now))
                if self.control.state == "failed" and not isinstance(self.source, StreamSource):
                    print(f"error: {self.control.log[-1].reason} on {self.opts.port}", file=sys.stderr)
                    code = 1
                    break
                self._status(now)
                if view is not None and now >= self._next_render:
                    self._next_render = now + RENDER_EVERY_S
                    view.update(self._render(), refresh=True)
        self._status(time.monotonic(), force=True)
        self.stop.set()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t
        self._close_source()
        return self._finish(code)

    async def _reopen(self) -> None:
        while not self.stop.is_set():
            await asyncio.sleep(REOPEN_EVERY_S)
            try:
                self.source = SerialSource(self.opts.port)
            except PortError:
                continue
            self.source.start(asyncio.get_running_loop(), self.queue)
            self.say(f"port {self.opts.port} is back")
            self._apply(self.control.port_back(time.monotonic()))
            return

    async def _sync(self) -> None:
        from collector.sync import run_sync

        await run_sync(self.opts.outbox, self.opts.broker or "", self.opts.van_id, stop=self.stop,
                       drain_s=self.opts.drain_s, on_event=self._sync_event)

    def _sync_event(self, message: str) -> None:
        """One line per change of sync's situation: a broker down for hours must not flood the crew's screen."""
        if message != getattr(self, "_last_sync", None):
            self._last_sync = message
            self.say(f"sync: {message}")

    async def _gps(self, path: str) -> None:
        from collector.gps import follow_gps

        await follow_gps(path, self, self.stop)

    def _finish(self, code: int) -> int:
        self.outbox.commit()
        stats = self.outbox.stats()
        self.outbox.close()
        c = self.totals.counters
        faults = ", ".join(f"{k} {v}" for k, v in sorted(c.items())) or "none"
        summary = (f"{self.totals.frames} frames heard, {self.totals.records} new records "
                   f"({self.totals.folded} repeats folded); outbox {stats.depth} unsynced of {stats.total}; "
                   f"dongle resets {self.control.resets}; faults: {faults}")
        if self.coverage.route:
            summary += f"; route {self.coverage.read} of {len(self.coverage.route)} read"
            if self.opts.missed_out is not None:
                n = self.coverage.write_missed(self.opts.missed_out)
                summary += f"; {n} missed -> {self.opts.missed_out}"
        print(summary, file=self.opts.out if not self.opts.live else sys.stdout, flush=True)
        return code

    # --- live view ------------------------------------------------------------------------------
    def _live(self):  # type: ignore[no-untyped-def]
        from rich.live import Live

        # No refresh thread: the loop repaints when it has rebuilt the view (RENDER_EVERY_S), once per change.
        return Live(self._render(), auto_refresh=False, transient=False)

    def _render(self):  # type: ignore[no-untyped-def]
        from collector.coverage.view import VanLine, render

        return render(self.coverage, VanLine(self.opts.van_id, self.control.dongle or "?", self.control.state,
                                             self.totals.frames, self._unsynced(), self.position,
                                             tuple(self._notes)))

    def _unsynced(self) -> int:
        now = time.monotonic()
        if now - self._depth_at >= DEPTH_EVERY_S:
            self._depth, self._depth_at = self.outbox.stats().depth, now
        return self._depth


def run_collector(opts: CollectorOptions) -> int:
    try:
        service = Service(opts)
    except ControlError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return asyncio.run(service.run())
