"""Crash safety at scale: SIGKILL `amr ingest serve` at random instants while batches from four vans
flow through a real Mosquitto, N times (default 200), then check the database against what was sent.

Printed: kills (and how many hit while batches were still unreceipted), batches, records, and the
result of each check — every batch receipted, every record archived exactly once, one reading per
distinct telegram (lost / duplicated counts), each corrupt frame quarantined exactly once, receipts of
redelivered batches equal to the first.  The CI test (tests/test_ingest_kills.py) runs 20 kills.

Usage: python benchmarks/ingest_kill_bench.py [KILLS] [--pg URL]   (SQLite in a temporary folder by default)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from db_urls import create_schema, reset_postgres  # noqa: E402
from ingest_radio import kill_run, make_town, run_amr  # noqa: E402
from mosquitto_broker import Broker  # noqa: E402
from test_ingest_e2e import _rows  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("kills", type=int, nargs="?", default=200)
    ap.add_argument("--pg", default=None, help="PostgreSQL URL (its public schema is dropped and recreated)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        town, _drive, heard = make_town(folder, meters=60, seed=5)
        url = args.pg or f"sqlite:///{folder / 'kill.db'}"
        if args.pg:
            reset_postgres(url)
        create_schema(url)
        if run_amr("import", "folder", town, "--db", url).returncode != 0:
            raise SystemExit("import failed")
        broker = Broker(folder / "mq").start()
        try:
            r = kill_run(broker.port, url, folder, heard, kills=args.kills)
        finally:
            broker.stop()
        batches, receipts = r["batches"], r["receipts"]
        unreceipted = sum((v, s) not in receipts for v, s, _ in batches)
        unequal = sum(any(g != got[0] for g in got) for got in receipts.values())
        redelivered = sum(len(got) > 1 for got in receipts.values())
        frames, distinct_rows = _rows(url, "SELECT count(*), count(DISTINCT van_id || ':' || batch_seq || ':' || seq) "
                                           "FROM raw_frames")[0]
        readings, keys = _rows(url, "SELECT count(*), count(DISTINCT dedupe_key) FROM readings "
                                    "WHERE raw_frame_id IS NOT NULL")[0]
        quarantined = _rows(url, "SELECT count(*) FROM quarantine WHERE raw_frame_id IS NOT NULL")[0][0]
        print(f"database: {'PostgreSQL' if args.pg else 'SQLite'}; {r['kills']} SIGKILLs "
              f"({r['kills_in_flow']} while batches were unreceipted) in {r['seconds']:.0f} s")
        print(f"sent: {len(batches)} batches, {r['records']} records, {r['distinct']} distinct decodable telegrams, "
              f"{r['corrupt']} corrupt records")
        print(f"receipts: {len(batches) - unreceipted}/{len(batches)} batches receipted; {redelivered} batches "
              f"receipted more than once, {unequal} with differing receipts")
        print(f"archive: {frames} rows for {r['records']} records ({frames - distinct_rows} duplicated)")
        print(f"readings: {readings} for {r['distinct']} distinct telegrams -> lost {max(0, r['distinct'] - keys)}, "
              f"duplicated {readings - keys}")
        print(f"quarantine: {quarantined} rows for {r['corrupt']} corrupt records")
        ok = (unreceipted == 0 and unequal == 0 and frames == distinct_rows == r["records"]
              and readings == keys == r["distinct"] and quarantined == r["corrupt"])
        print("RESULT: " + ("PASS (0 lost, 0 duplicated, every batch receipted)" if ok else "FAIL"))
        if not ok:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
