"""Sync faults at full length: broker restarts and a 30 s broker outage in the middle of a sync.

Usage: python benchmarks/sync_chaos.py [--outage 30] [--restarts 5]

The collector side keeps committing frames throughout; afterwards every record must be receipted,
stored exactly once, and every batch stored once (tests/test_sync_faults.py runs the short version).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from mosquitto_broker import Broker
from test_sync_faults import run_with_faults


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--outage", type=float, default=30.0)
    p.add_argument("--restarts", type=int, default=5)
    a = p.parse_args()
    faults = [(1.0 + i * 1.5, 0.0) for i in range(a.restarts)]
    faults.append((faults[-1][0] + 2.0 if faults else 2.0, a.outage))
    feed_s = faults[-1][0] + a.outage + 5.0
    with tempfile.TemporaryDirectory() as d:
        broker = Broker(Path(d) / "mosquitto").start()
        try:
            t0 = time.perf_counter()
            r = run_with_faults(Path(d), broker, faults, feed_s=feed_s)
            dt = time.perf_counter() - t0
        finally:
            broker.stop()
    print(f"sync chaos: {a.restarts} broker restarts, then a {a.outage:.0f} s outage, while the van kept "
          f"collecting for {feed_s:.0f} s; finished in {dt:.1f} s — all checks passed")
    print(f"  records {r['records']:,}, all receipted and stored once; batches {r['batches']} stored once "
          f"({r['batches_resent']} resent, {r['duplicate_deliveries']} duplicate deliveries answered as duplicates); "
          f"'unreachable' lines {r['unreachable_lines']}")


if __name__ == "__main__":
    main()
