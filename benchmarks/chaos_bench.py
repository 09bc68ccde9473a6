"""System chaos, at length: `python benchmarks/chaos_bench.py [FAULTS] [SEED]` (default 200 faults).

SIGKILL of the collector or ingest and Mosquitto restarts at random instants during a streaming drive
through the real commands; prints the tally (faults by kind, frames, batches, lost, duplicated).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chaos_run import chaos

if __name__ == "__main__":
    faults = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    t0 = time.perf_counter()
    tally = chaos(Path(tempfile.mkdtemp(prefix="amr-chaos-")), faults=faults, seed=seed, meters=400)
    print(tally.line())
    print(f"{time.perf_counter() - t0:.0f} s; " + ("PASS" if tally.lost == tally.duplicated == tally.unreceipted == 0
                                                  else "FAIL"))
