"""Outbox throughput: durable inserts per second with group commit (synchronous=FULL, WAL).

Usage: python benchmarks/outbox_bench.py [--records 200000] [--dir DIR]

Each chunk size is one service behaviour: 1 = a commit (and an fsync) per frame, the worst case;
100 = a busy serial read chunk. The acceptance figure is ≥ 5,000 durable inserts/s. Frames come from
a simulated drive (benchmarks/_drive_records.py), so folding and real frame sizes are included.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _drive_records import drive_templates, heard_frames

from collector.outbox import Outbox


def run(path: Path, frames: list, chunk: int) -> tuple[float, int]:
    ob = Outbox(path)
    folded = 0
    t0 = time.perf_counter()
    for i in range(0, len(frames), chunk):
        for h in frames[i:i + chunk]:
            folded += ob.add(h).folded
        ob.commit()
    dt = time.perf_counter() - t0
    ob.close()
    return dt, folded


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--records", type=int, default=200_000)
    p.add_argument("--dir", default=None, help="where the outbox files go (default: a temp dir on this disk)")
    a = p.parse_args()
    tpl = drive_templates()
    frames = list(heard_frames(a.records, templates=tpl))
    with tempfile.TemporaryDirectory(dir=a.dir) as d:
        print(f"outbox bench: {a.records:,} distinct frames from a simulated drive, WAL, synchronous=FULL, in {d}")
        for chunk in (1, 10, 100, 1000):
            n = min(len(frames), 3000 if chunk == 1 else 30_000 if chunk == 10 else len(frames))
            dt, _ = run(Path(d) / f"c{chunk}.sqlite", frames[:n], chunk)
            print(f"  commit every {chunk:>4} frames: {n / dt:>10,.0f} durable inserts/s  "
                  f"({n / chunk / dt:,.0f} commits/s, {n:,} frames in {dt:.2f} s)")
        # The drive as heard: each meter's repeats fall inside the fold window and fold.
        from datetime import UTC, datetime, timedelta

        from collector.outbox import HeardFrame
        start = datetime(2026, 10, 30, 6, tzinfo=UTC)
        drive = [HeardFrame(f, start + timedelta(seconds=s), r, m, "im871a") for f, s, r, m in tpl]
        dt, folded = run(Path(d) / "drive.sqlite", drive, 100)
        print(f"  one drive as heard ({len(drive):,} receptions, commit every 100): {len(drive) / dt:,.0f} inserts/s, "
              f"{folded:,} folded into earlier records")
        ob = Outbox(Path(d) / "c100.sqlite")
        t0 = time.perf_counter()
        done = 0
        while (b := ob.assign_batch(500)) is not None:
            done += len(ob.batch_records(b))
            ob.mark_receipted(b, 500, 0, 0)
        dt = time.perf_counter() - t0
        print(f"  batch side (assign 500 + read + receipt): {done / dt:,.0f} records/s")
        ob.close()


if __name__ == "__main__":
    main()
