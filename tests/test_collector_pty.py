"""`amr collector run` against `amr simulate dongle --pty`: two real processes on a real pseudo-terminal.

For every virtual stick the collector detects it (probing, for sticks with a command protocol),
configures C1+T1, and then every telegram the stick writes must be accepted into the outbox. With
`--stall-after` the stick goes silent mid-drive with the port open, as worn USB sticks do; the
collector must reset it exactly once and receive the rest of the drive after the reset. rtl_wmbus and
hex-line receivers have no command protocol, so they are only read (there is nothing to reset).
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from mosquitto_broker import Broker, mosquitto  # noqa: F401
from typer.testing import CliRunner

import cli_simulate
from collector.outbox import Outbox
from simulators.drive import DriveSpec, simulate_drive
from simulators.town.folder import open_town

ROOT = Path(__file__).resolve().parents[1]
AMR = [sys.executable, "-c", "from cli import app; app()"]
STALL_AFTER = 25
SILENCE_S = 4.0  # production waits 900 s; 2 s was shorter than a busy CI worker can stall a simulator
# collector --dongle name, virtual dongle name, probed (auto) or named
ACTIVE = [("im871a", "im871a", "auto"), ("iu891a", "iu891a", "auto"), ("amb8465", "amb8465", "auto"),
          ("amb8465-transparent", "amb8465-transparent", "amb8465-transparent"), ("rc1180", "rc1180", "auto"),
          ("cul", "cul", "auto")]
PASSIVE = [("rtl-wmbus", "rtl_wmbus"), ("hex", "hex")]


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A small town and the number of telegrams a C1+T1 receiver is sent on the simulator's default drive."""
    folder = tmp_path_factory.mktemp("pty") / "town"
    res = CliRunner().invoke(cli_simulate.app, ["town", "--meters", "120", "--seed", "21", "--out", str(folder)])
    assert res.exit_code == 0, res.output
    tw, truth, params = open_town(folder)
    drive = simulate_drive(tw, truth, DriveSpec(day=params.end, seed=1))  # the defaults of `amr simulate dongle`
    sent = sum(1 for _, rx in drive.receptions() if rx.link_mode in {"T1", "C1"})
    assert sent > 3 * STALL_AFTER
    return folder, sent


class Proc:
    """A child process whose stdout lines are collected by a thread (so the pipe never fills)."""

    def __init__(self, args: list[str]) -> None:
        self.p = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env={**os.environ, "COLUMNS": "200"})
        self.lines: list[str] = []
        self.err = ""
        self._t = threading.Thread(target=self._read, daemon=True)
        self._t.start()
        self._e = threading.Thread(target=self._read_err, daemon=True)
        self._e.start()

    def _read(self) -> None:
        assert self.p.stdout is not None
        for line in self.p.stdout:
            self.lines.append(line.rstrip("\n"))

    def _read_err(self) -> None:
        assert self.p.stderr is not None
        self.err = self.p.stderr.read()

    def wait_for(self, pred, timeout: float) -> bool:  # type: ignore[no-untyped-def]
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if pred(self.lines):
                return True
            if self.p.poll() is not None:
                time.sleep(0.2)
                return pred(self.lines)
            time.sleep(0.05)
        return False

    def finish(self, timeout: float = 15) -> int:
        rc = self.p.wait(timeout=timeout)
        self._t.join(timeout=5)
        self._e.join(timeout=5)
        return rc

    def kill(self) -> None:
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def _accepted(lines: list[str]) -> int:
    return sum(1 for line in lines if line.startswith("accepted seq="))


def _serve(town: Path, name: str, stall: bool) -> tuple[Proc, str]:
    args = [*AMR, "simulate", "dongle", "--town", str(town), "--dongle", name, "--pty", "--speed", "max",
            "--exit-when-done"] + (["--stall-after", str(STALL_AFTER)] if stall else [])
    sim = Proc(args)
    assert sim.wait_for(lambda ls: any(": /dev/" in x for x in ls), 60), sim.err
    return sim, next(x for x in sim.lines if ": /dev/" in x).split(": ", 1)[1]


def _collect(port: str, dongle: str, outbox: Path, route: Path) -> Proc:
    return Proc([*AMR, "collector", "run", "--port", port, "--dongle", dongle, "--mode", "c1t1", "--van-id",
                 "van-pty", "--outbox", str(outbox), "--no-sync", "--no-live", "--route", str(route),
                 "--missed", str(outbox.with_suffix(".missed.csv")), "--silence-timeout", str(SILENCE_S)])


def _run(town: tuple[Path, int], tmp_path: Path, collector_name: str, sim_name: str, dongle_arg: str,
         stall: bool) -> tuple[Proc, Proc, int]:
    folder, sent = town
    sim, port = _serve(folder, sim_name, stall)
    col = _collect(port, dongle_arg, tmp_path / "outbox.sqlite", folder / "route.csv")
    try:
        got_all = col.wait_for(lambda ls: _accepted(ls) >= sent, 90)
        assert got_all, (f"{collector_name}: {_accepted(col.lines)} of {sent} telegrams accepted\n"
                         + "\n".join(x for x in col.lines if not x.startswith("accepted"))[-3000:] + col.err[-2000:])
        col.p.send_signal(signal.SIGTERM)  # before another SILENCE_S passes: the drive is over
        assert col.finish() == 0, col.err
        assert sim.finish(20) == 0, sim.err
    finally:
        col.kill()
        sim.kill()
    return col, sim, sent


@pytest.mark.parametrize(("collector_name", "sim_name", "dongle_arg"), ACTIVE, ids=[a[0] for a in ACTIVE])
def test_detect_configure_receive_and_one_reset_after_a_silence(town: tuple[Path, int], tmp_path: Path,
                                                               collector_name: str, sim_name: str,
                                                               dongle_arg: str) -> None:
    col, sim, sent = _run(town, tmp_path, collector_name, sim_name, dongle_arg, stall=True)
    events = [x for x in col.lines if x.startswith("dongle ")]
    if dongle_arg == "auto":
        assert any(f"probing for {collector_name}" in x for x in events), events
    assert any(x.startswith("dongle configuring:") for x in events), events
    assert any(x.startswith("dongle listening:") and "C1T1" in x for x in events), events
    resets = [i for i, x in enumerate(col.lines) if x.startswith("dongle resetting:")]
    assert len(resets) == 1, events
    assert f"no telegram for {SILENCE_S:g} s" in col.lines[resets[0]]
    before, after = _accepted(col.lines[:resets[0]]), _accepted(col.lines[resets[0]:])
    assert before == STALL_AFTER and after == sent - STALL_AFTER, (before, after)
    summary = col.lines[-1]
    assert re.search(rf"^{sent} frames heard, ", summary), summary
    assert "dongle resets 1;" in summary and "faults: none" in summary, summary
    # the stick's side of the story: it went silent once, was woken by the reset, and wrote every telegram
    assert "induced silence after" in sim.err and "woken from the induced silence" in sim.err, sim.err
    assert re.match(rf"{sent} telegrams written", sim.lines[-1]), sim.lines[-1]
    ob = Outbox(tmp_path / "outbox.sqlite")
    try:
        stats = ob.stats()
        assert stats.heard == sent and 0 < stats.total <= sent and stats.depth == stats.total
        dongle = ob.get_status("dongle")
    finally:
        ob.close()
    assert dongle is not None and dongle["dongle"] == collector_name and dongle["resets"] == 1
    assert (tmp_path / "outbox.missed.csv").exists()


@pytest.mark.parametrize(("collector_name", "sim_name"), PASSIVE, ids=[a[0] for a in PASSIVE])
def test_passive_receiver_is_read(town: tuple[Path, int], tmp_path: Path, collector_name: str,
                                  sim_name: str) -> None:
    col, sim, sent = _run(town, tmp_path, collector_name, sim_name, collector_name, stall=False)
    assert any(x.startswith("dongle listening:") for x in col.lines), col.lines[:5]
    assert re.search(rf"^{sent} frames heard, .*dongle resets 0;", col.lines[-1]), col.lines[-1]
    assert re.match(rf"{sent} telegrams written", sim.lines[-1]), sim.lines[-1]


def test_gps_stamps_position_and_a_vanished_port_is_reported(town: tuple[Path, int], tmp_path: Path) -> None:
    """With `--gps` every record carries the van's position; when the stick vanishes the collector says so
    in one line and waits to reopen it (here it is stopped before it could open another process's pty)."""
    folder, sent = town
    sim = Proc([*AMR, "simulate", "dongle", "--town", str(folder), "--dongle", "im871a", "--pty", "--nmea",
                "--speed", "max"])
    col = None
    try:
        assert sim.wait_for(lambda ls: any(x.startswith("gps: ") for x in ls), 60), sim.err
        port = next(x for x in sim.lines if x.startswith("im871a: ")).split(": ", 1)[1]
        gps = next(x for x in sim.lines if x.startswith("gps: ")).split(": ", 1)[1]
        box = tmp_path / "outbox.sqlite"
        col = Proc([*AMR, "collector", "run", "--port", port, "--dongle", "auto", "--mode", "c1t1", "--van-id", "v",
                    "--outbox", str(box), "--no-sync", "--no-live", "--gps", gps])
        assert col.wait_for(lambda ls: _accepted(ls) >= sent, 90), col.err
        sim.p.send_signal(signal.SIGTERM)  # the stick is unplugged
        assert sim.finish(20) == 0
        assert col.wait_for(lambda ls: any(x.startswith("dongle reopening: port lost") for x in ls), 10), col.lines[-5:]
        col.p.send_signal(signal.SIGTERM)
        assert col.finish() == 0, col.err
    finally:
        if col is not None:
            col.kill()
        sim.kill()
    lost = [x for x in col.lines if x.startswith("dongle reopening")]
    assert len(lost) == 1, lost
    out = tmp_path / "records.jsonl"
    ob = Outbox(box)
    try:
        with out.open("w") as f:
            n = ob.export_unsynced(f)
    finally:
        ob.close()
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert n == len(rows) > 0
    placed = [r for r in rows if r.get("lat") is not None and r.get("lon") is not None]
    assert len(placed) == len(rows), f"{len(rows) - len(placed)} of {len(rows)} records without a position"
    assert all(49.0 < r["lat"] < 52.0 and 17.0 < r["lon"] < 21.0 for r in placed)


def test_frames_reach_the_broker_and_are_receipted(town: tuple[Path, int], tmp_path: Path,
                                                   mosquitto: Broker) -> None:  # noqa: F811
    """The whole van: pty stick → outbox → sync over a real Mosquitto → the receipting test responder."""
    folder, sent = town
    store = tmp_path / "store.sqlite"
    responder = subprocess.Popen([sys.executable, str(ROOT / "tests" / "receipt_responder.py"), "--broker",
                                  mosquitto.url, "--db", str(store)], stdout=subprocess.PIPE, cwd=ROOT)
    sim = col = None
    try:
        assert responder.stdout is not None and responder.stdout.readline().strip() == b"ready"
        sim, port = _serve(folder, "im871a", stall=False)
        box = tmp_path / "outbox.sqlite"
        col = Proc([*AMR, "collector", "run", "--port", port, "--dongle", "im871a", "--van-id", "van-e2e",
                    "--outbox", str(box), "--no-live", "--broker", mosquitto.url])
        assert col.wait_for(lambda ls: _accepted(ls) >= sent, 90), col.err
        time.sleep(6.0)  # longer than a batch's maximum age: the last batch is sent while driving
        col.p.send_signal(signal.SIGTERM)
        assert col.finish(30) == 0, col.err
    finally:
        for p in (col, sim):
            if p is not None:
                p.kill()
        responder.send_signal(signal.SIGTERM)
        responder.wait(10)
    ob = Outbox(box)
    try:
        stats = ob.stats()
    finally:
        ob.close()
    assert stats.heard == sent and stats.depth == 0 and stats.last_receipt_at is not None

    with sqlite3.connect(store) as db:
        stored = db.execute("SELECT count(*), sum(heard_count) FROM records WHERE van_id = 'van-e2e'").fetchone()
        dups = db.execute("SELECT count(*) FROM record_dups").fetchone()[0]
    assert stored == (stats.total, sent) and dups == 0


def test_unplugged_stick_is_reopened_when_it_returns(town: tuple[Path, int], tmp_path: Path) -> None:
    """The collector opens a stable name (as udev's /dev/serial/by-id links are); the stick is unplugged and
    plugged in again as a new pty behind the same name; the collector reopens it, probes, reconfigures and
    receives the second drive in full."""
    folder, sent = town
    link = tmp_path / "ttyVAN"
    sim1, port1 = _serve(folder, "im871a", stall=False)
    link.symlink_to(port1)
    col = sim2 = None
    try:
        col = Proc([*AMR, "collector", "run", "--port", str(link), "--dongle", "auto", "--mode", "c1t1", "--van-id",
                    "v", "--outbox", str(tmp_path / "outbox.sqlite"), "--no-sync", "--no-live"])
        assert col.wait_for(lambda ls: _accepted(ls) >= sent, 90), col.err
        link.unlink()
        link.symlink_to(tmp_path / "unplugged")  # the name dangles while the stick is out
        sim1.p.send_signal(signal.SIGTERM)
        assert sim1.finish(20) == 0
        assert col.wait_for(lambda ls: any(x.startswith("dongle reopening: port lost") for x in ls), 10)
        time.sleep(2.5)  # a few failed reopen attempts
        sim2, port2 = _serve(folder, "im871a", stall=False)
        link.unlink()
        link.symlink_to(port2)
        assert col.wait_for(lambda ls: _accepted(ls) >= 2 * sent, 90), col.lines[-5:]
        col.p.send_signal(signal.SIGTERM)
        assert col.finish() == 0, col.err
        assert sim2.finish(20) == 0
    finally:
        for p in (col, sim1, sim2):
            if p is not None:
                p.kill()
    after = col.lines[next(i for i, x in enumerate(col.lines) if x.startswith("dongle reopening")):]
    assert any(x == f"port {link} is back" for x in after), after[:5]
    assert any(x.startswith("dongle listening:") for x in after)
    assert re.search(rf"^{2 * sent} frames heard, ", col.lines[-1]), col.lines[-1]
