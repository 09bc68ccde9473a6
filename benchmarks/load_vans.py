"""Load: many vans upload at once into ingest workers on a shared subscription.

    python benchmarks/load_vans.py [VANS] [FRAMES_PER_VAN] [WORKERS] [--db URL]

Defaults: 20 vans × 50,000 frames into 2 `amr ingest serve` workers on PostgreSQL ($AMR_TEST_PG_URL,
whose schema is dropped and recreated). The frames are a 10,000-meter simulated drive's, cycled;
each van's outbox is filled first, then all vans sync at the same instant through the real
`collector.sync.run_sync` to a local Mosquitto. Prints throughput, the receipt lag (batch created →
receipt) and checks that nothing was lost: every record receipted, every frame archived once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from collector.outbox import HeardFrame, Outbox  # noqa: E402
from collector.sync import run_sync  # noqa: E402
from simulators.demo.broker import LocalBroker  # noqa: E402

AMR = [sys.executable, "-m", "cli"]


def amr(*args: str) -> str:
    done = subprocess.run([*AMR, *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"amr {' '.join(args)} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def fresh_pg(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


async def sync_all(boxes: list[Path], broker: str) -> float:
    stop = asyncio.Event()
    tasks = [asyncio.create_task(run_sync(b, broker, b.stem, stop=stop, batch_max_records=500, max_in_flight=8,
                                          status_interval_s=3600)) for b in boxes]
    t0 = time.perf_counter()
    while True:
        await asyncio.sleep(0.5)
        depth = 0
        for b in boxes:
            with Outbox(b) as ob:
                depth += ob.depth()
        if depth == 0:
            break
    took = time.perf_counter() - t0
    stop.set()
    await asyncio.gather(*tasks)
    return took


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    vans = int(args[0]) if args else 20
    per_van = int(args[1]) if len(args) > 1 else 50_000
    workers = int(args[2]) if len(args) > 2 else 2
    db = sys.argv[sys.argv.index("--db") + 1] if "--db" in sys.argv else os.environ.get("AMR_TEST_PG_URL")
    if not db:
        raise SystemExit("give --db URL or set AMR_TEST_PG_URL (a PostgreSQL database whose schema is dropped)")
    work = Path(tempfile.mkdtemp(prefix="amr-load-"))
    print(f"work folder {work}; {vans} vans × {per_van:,} frames into {workers} workers on {db.split('@')[-1]}")
    amr("simulate", "town", "--meters", "10000", "--seed", "4", "--out", str(work / "town"))
    amr("simulate", "drive", "--town", str(work / "town"), "--out", str(work / "drive"), "--seed", "4")
    import csv

    with (work / "drive" / "heard.csv").open(newline="") as f:
        frames = [bytes.fromhex(r["frame"]) for r in csv.DictReader(f)]
    if db.startswith("postgresql"):
        fresh_pg(db)
    amr("db", "upgrade", "--db", db)
    amr("import", "folder", str(work / "town"), "--db", db)
    boxes = []
    t = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    for v in range(vans):
        box = work / f"van-{v:02d}.sqlite"
        with Outbox(box, fold_window_s=0) as ob:
            for i in range(per_van):
                ob.add(HeardFrame(frames[(v * 7919 + i) % len(frames)], t + dt.timedelta(milliseconds=i), -80.0,
                                  "T1", "im871a"))
                if i % 1000 == 999:
                    ob.commit()
            ob.commit()
        boxes.append(box)
    print(f"outboxes filled in {time.perf_counter() - t0:.1f} s")
    with LocalBroker(work / "broker").start("mosquitto") as broker:
        procs = [subprocess.Popen([*AMR, "ingest", "serve", "--broker", broker.url, "--db", db, "--client-id",
                                   f"load-{w}"], cwd=ROOT, stdout=(work / f"ingest-{w}.log").open("w"),
                                  stderr=subprocess.STDOUT) for w in range(workers)]
        time.sleep(3)
        try:
            took = asyncio.run(sync_all(boxes, broker.url))
        finally:
            for p in procs:
                p.terminate()
                p.wait(20)
    total = vans * per_van
    lags = []
    receipted = 0
    import sqlite3

    for b in boxes:
        with sqlite3.connect(b) as c:
            lags += [r[0] / 1e6 for r in c.execute("SELECT receipt_us - created_us FROM batches")]
            receipted += c.execute("SELECT count(*) FROM records WHERE synced_us IS NOT NULL").fetchone()[0]
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    with engine.connect() as conn:
        archived = conn.execute(text("SELECT count(*) FROM raw_frames")).scalar_one()
        batches = conn.execute(text("SELECT count(*) FROM received_batches")).scalar_one()
        readings = conn.execute(text("SELECT count(*) FROM readings WHERE raw_frame_id IS NOT NULL")).scalar_one()
        quarantined = conn.execute(text("SELECT count(*) FROM quarantine")).scalar_one()
    engine.dispose()
    lags.sort()
    print(f"{total:,} frames from {vans} vans synced in {took:.1f} s: {total / took:,.0f} frames/s "
          f"with {workers} workers")
    print(f"receipt lag: median {lags[len(lags) // 2]:.2f} s, p99 {lags[int(len(lags) * 0.99)]:.2f} s, "
          f"max {lags[-1]:.2f} s over {len(lags)} batches")
    print(f"receipted {receipted:,} of {total:,}; archived {archived:,} frames in {batches} batches; "
          f"{readings:,} readings (same telegram from several vans = one reading); {quarantined} quarantined")
    print("LOST: 0" if receipted == total == archived else f"MISMATCH: receipted {receipted}, archived {archived}")


if __name__ == "__main__":
    main()
