"""Importer and billing-from-database benchmark on a simulated town, SQLite and PostgreSQL side by side.

For each database: ``amr db upgrade``, ``amr import folder`` of the town (master data, keys, a year
of monthly readings), the same import again (must change nothing), and ``amr billing run --db``
next to ``amr billing run --data`` on the same folder, whose invoice lines must be identical.  Each
step runs in-process through the CLI, so the figures include validation and the database round trips.
PostgreSQL is measured when ``AMR_BENCH_PG_URL`` (or ``AMR_TEST_PG_URL``) names a database; its
``public`` schema is dropped and recreated first.

    .venv/bin/python benchmarks/import_bench.py [--meters 10000] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from typer.testing import CliRunner

import cli

runner = CliRunner()


def amr(*args: object) -> tuple[float, str]:
    t0 = time.perf_counter()
    result = runner.invoke(cli.app, [str(a) for a in args])
    elapsed = time.perf_counter() - t0
    if result.exit_code != 0:
        raise SystemExit(f"amr {' '.join(map(str, args))} failed: {result.stderr or result.stdout}")
    return elapsed, result.stdout


def measure(url: str, label: str, town: Path, work: Path, rows: int) -> list[str]:
    out = []
    t_up, _ = amr("db", "upgrade", "--db", url)
    t_imp, _ = amr("import", "folder", town, "--db", url)
    t_re, text = amr("import", "folder", town, "--db", url)
    assert " 0 new," in text and "1 new" not in text
    t_db, _ = amr("billing", "run", "--period", "2026-10", "--db", url, "--out", work / label / "db.csv")
    t_data, _ = amr("billing", "run", "--period", "2026-10", "--data", town, "--out", work / label / "data.csv")
    same = (work / label / "db.csv").read_bytes() == (work / label / "data.csv").read_bytes()
    out.append(f"{label:10} upgrade {t_up:6.2f} s | import folder {t_imp:6.2f} s ({rows / t_imp:8.0f} rows/s) | "
               f"re-import {t_re:6.2f} s | billing --db {t_db:6.2f} s vs --data {t_data:5.2f} s | "
               f"lines identical: {same}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meters", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        town = work / "town"
        t0 = time.perf_counter()
        amr("simulate", "town", "--meters", args.meters, "--seed", args.seed, "--out", town)
        rows = sum(max(0, len(p.read_text(encoding="utf-8").splitlines()) - 1) for p in town.glob("*.csv")
                   if p.stem in ("customers", "premises", "contracts", "meters", "keys", "readings", "tariffs",
                                 "abonaments"))
        print(f"town: {args.meters} meters, {rows} rows to import ({time.perf_counter() - t0:.1f} s to simulate)")
        lines = measure(f"sqlite:///{work / 'bench.db'}", "sqlite", town, work, rows)
        pg = os.environ.get("AMR_BENCH_PG_URL") or os.environ.get("AMR_TEST_PG_URL")
        if pg:
            from db_urls import reset_postgres

            reset_postgres(pg)
            lines += measure(pg, "postgresql", town, work, rows)
        else:
            lines.append("postgresql: skipped (set AMR_BENCH_PG_URL)")
        print("\n".join(lines))
        print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
