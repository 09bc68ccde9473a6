"""`amr billing run` over a simulated town for every month of a year: no crash, exception counts per period.

Usage: python benchmarks/billing_year_check.py [METERS] [SEED] [YEAR]   (defaults 10000 1 2026)

Why a script and not a test: it is the acceptance run of issue 10 at full size (a 10,000-meter
town, twelve runs of the real `amr` command in a subprocess each, as billing staff would type them),
and it prints the figures: per period the invoices, lines, estimate share, run time and the
exception counts by kind.  It exits 1 if any run fails, so it can also guard a release.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

AMR = [sys.executable, "-c", "import sys; from cli import app; sys.argv[0] = 'amr'; app()"]


def run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*AMR, *args], capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)


def main() -> int:
    meters = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    year = int(sys.argv[3]) if len(sys.argv) > 3 else 2026
    root = Path(tempfile.mkdtemp(prefix="amr-year-"))
    failed = 0
    try:
        town = root / "town"
        t0 = time.perf_counter()
        res = run(["simulate", "town", "--meters", str(meters), "--seed", str(seed), "--out", str(town),
                   "--start", f"{year}-01-01", "--end", f"{year}-12-31"])
        if res.returncode:
            print(res.stderr, file=sys.stderr)
            return 1
        print(f"town: {res.stdout.strip()}")
        kinds_seen: set[str] = set()
        rows = []
        for month in range(1, 13):
            period = f"{year}-{month:02d}"
            out = root / f"invoices-{period}.csv"
            t0 = time.perf_counter()
            res = run(["billing", "run", "--period", period, "--data", str(town), "--out", str(out)])
            took = time.perf_counter() - t0
            if res.returncode:
                failed += 1
                print(f"{period}: FAILED (exit {res.returncode}): {res.stderr.strip()}")
                continue
            exc = pd.read_csv(root / f"invoices-{period}-exceptions.csv", dtype=str, keep_default_na=False)
            inv = pd.read_csv(root / f"invoices-{period}-invoices.csv", dtype=str, keep_default_na=False)
            counts = exc["kind"].value_counts().sort_index()
            kinds_seen |= set(counts.index)
            warning = [ln for ln in res.stderr.splitlines() if ln.startswith("warning")]
            rows.append((period, len(inv), took, counts))
            print(f"{period}: {len(inv)} invoices, gross {pd.to_numeric(inv['gross_pln']).sum():.2f} zł, "
                  f"{len(exc)} exceptions, {took:.1f} s{' (' + warning[0] + ')' if warning else ''}")
            print("    " + ", ".join(f"{kind} {n}" for kind, n in counts.items()))
        print(f"{12 - failed} of 12 runs succeeded; exception kinds seen in the year: {', '.join(sorted(kinds_seen))}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
