"""One chaos run of the whole pipeline, shared by the CI test and `benchmarks/chaos_bench.py`.

A pty dongle streams a drive; the real collector reads it and syncs to a real Mosquitto; the real
ingest stores into a database. Meanwhile, at random instants, the collector or ingest is SIGKILLed
(and restarted) or Mosquitto is restarted. Afterwards every frame any collector incarnation logged as
accepted must be archived exactly once, every archived frame must have become a reading or a
quarantine entry, no reading may be stored twice, and every batch must be receipted.
"""

from __future__ import annotations

import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AMR = [sys.executable, "-m", "cli"]


@dataclass
class Tally:
    actions: dict[str, int] = field(default_factory=dict)
    accepted: int = 0
    records: int = 0
    archived: int = 0
    readings: int = 0
    quarantined: int = 0
    batches: int = 0
    unreceipted: int = 0
    lost: int = 0
    duplicated: int = 0

    def line(self) -> str:
        acts = ", ".join(f"{k} {v}" for k, v in sorted(self.actions.items()))
        return (f"{sum(self.actions.values())} faults ({acts}); {self.accepted} frames accepted, {self.records} "
                f"outbox records, {self.archived} archived, {self.readings} readings, {self.quarantined} "
                f"quarantined, {self.batches} batches, {self.unreceipted} unreceipted; lost {self.lost}, "
                f"duplicated {self.duplicated}")


def _amr(*args: str) -> None:
    done = subprocess.run([*AMR, *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"amr {' '.join(args)}: {done.stderr.strip()[-400:]}")


def chaos(work: Path, faults: int, seed: int = 1, meters: int = 120, db: str | None = None) -> Tally:
    from simulators.demo.broker import LocalBroker

    rng = random.Random(seed)
    work.mkdir(parents=True, exist_ok=True)
    db = db or f"sqlite:///{work / 'amr.sqlite'}"
    _amr("simulate", "town", "--meters", str(meters), "--seed", str(seed), "--out", str(work / "town"))
    _amr("db", "upgrade", "--db", db)
    _amr("import", "folder", str(work / "town"), "--db", db)
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    outbox = work / "outbox.sqlite"
    tally = Tally()
    procs: dict[str, subprocess.Popen] = {}
    runs = {"collector": 0, "ingest": 0}

    def start(kind: str, args: list[str]) -> None:
        runs[kind] += 1
        procs[kind] = subprocess.Popen([*AMR, *args], cwd=ROOT, stdout=(logs / f"{kind}-{runs[kind]}.log").open("w"),
                                       stderr=subprocess.STDOUT)

    with LocalBroker(work / "broker").start("mosquitto") as broker:
        ingest_args = ["ingest", "serve", "--broker", broker.url, "--db", db, "--client-id", "chaos-ingest"]
        start("ingest", ingest_args)
        dongle_log = logs / "dongle.log"
        dongle = subprocess.Popen([*AMR, "simulate", "dongle", "--town", str(work / "town"), "--dongle", "im871a",
                                   "--pty", "--speed", "10", "--seed", str(seed)], cwd=ROOT,
                                  stdout=dongle_log.open("w"), stderr=subprocess.STDOUT)
        pty = None
        for _ in range(300):
            m = re.search(r"^im871a: (/dev/\S+)", dongle_log.read_text(), re.M)
            if m:
                pty = m.group(1)
                break
            time.sleep(0.05)
        assert pty, dongle_log.read_text()
        collector_args = ["collector", "run", "--port", pty, "--dongle", "im871a", "--van-id", "chaos-van",
                          "--broker", broker.url, "--outbox", str(outbox), "--no-live"]
        start("collector", collector_args)
        try:
            for _ in range(faults):
                time.sleep(rng.uniform(0.3, 1.2))
                what = rng.choice(["kill collector", "kill ingest", "restart mosquitto"])
                tally.actions[what] = tally.actions.get(what, 0) + 1
                if what == "restart mosquitto":
                    broker.restart(down_s=rng.uniform(0.0, 1.0))
                    continue
                kind = what.split()[1]
                procs[kind].send_signal(signal.SIGKILL)
                procs[kind].wait()
                time.sleep(rng.uniform(0.0, 0.5))
                start(kind, collector_args if kind == "collector" else ingest_args)
            # End the drive first: while the dongle still streams, an empty backlog is only a moment
            # between two frames, and stopping then would leave the newest record unsent (kept, not lost).
            # (once the last collector has the port open: a collector that cannot open its port stops)
            settle = time.monotonic() + 30
            last_log = logs / f"collector-{runs['collector']}.log"
            while time.monotonic() < settle and "dongle listening" not in last_log.read_text():
                time.sleep(0.2)
            dongle.terminate()
            dongle.wait(10)
            # then let the last incarnations finish: every outbox record receipted, and it stays so
            deadline = time.monotonic() + 120
            drained = 0
            while time.monotonic() < deadline and drained < 3:
                time.sleep(0.5)
                if outbox.exists():
                    with sqlite3.connect(outbox) as ob:
                        left = ob.execute("SELECT count(*) FROM records WHERE synced_us IS NULL").fetchone()[0]
                    drained = drained + 1 if left == 0 else 0
        finally:
            for kind, p in procs.items():
                if p.poll() is None:
                    p.send_signal(signal.SIGINT if kind == "collector" else signal.SIGTERM)
                    try:
                        p.wait(20)
                    except subprocess.TimeoutExpired:
                        p.kill()
            dongle.terminate()
            dongle.wait(10)
    accepted: set[int] = set()
    for log in logs.glob("collector-*.log"):
        accepted |= {int(s) for s in re.findall(r"accepted seq=(\d+)", log.read_text())}
    with sqlite3.connect(outbox) as ob:
        records = {r[0] for r in ob.execute("SELECT seq FROM records")}
        tally.unreceipted = ob.execute("SELECT count(*) FROM records WHERE synced_us IS NULL").fetchone()[0]
        tally.batches = ob.execute("SELECT count(*) FROM batches").fetchone()[0]
        open_batches = ob.execute("SELECT count(*) FROM batches WHERE receipt_us IS NULL").fetchone()[0]
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    with engine.connect() as conn:
        archived = [r[0] for r in conn.execute(text("SELECT seq FROM raw_frames WHERE van_id = 'chaos-van'"))]
        tally.readings = conn.execute(text("SELECT count(*) FROM readings WHERE raw_frame_id IS NOT NULL")).scalar_one()
        tally.quarantined = conn.execute(text("SELECT count(*) FROM quarantine")).scalar_one()
        dup_readings = conn.execute(text("SELECT count(*) FROM (SELECT dedupe_key FROM readings WHERE dedupe_key IS "
                                         "NOT NULL GROUP BY dedupe_key HAVING count(*) > 1) d")).scalar_one()
        orphans = conn.execute(text(
            "SELECT count(*) FROM raw_frames f WHERE NOT EXISTS (SELECT 1 FROM readings r WHERE r.raw_frame_id = f.id)"
            " AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.raw_frame_id = f.id) AND NOT EXISTS "
            "(SELECT 1 FROM readings r2 JOIN raw_frames f2 ON f2.id = r2.raw_frame_id WHERE f2.frame_hash = "
            "f.frame_hash)")).scalar_one()
    engine.dispose()
    tally.accepted, tally.records, tally.archived = len(accepted), len(records), len(archived)
    tally.lost = len(accepted - records) + len(records - set(archived)) + orphans
    tally.duplicated = (len(archived) - len(set(archived))) + dup_readings
    tally.unreceipted += open_batches
    return tally
