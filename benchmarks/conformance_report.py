"""Conformance per driver family over the public vectors: which decode to `expect`.

Usage: python benchmarks/conformance_report.py [-v] [family ...]
"""

from __future__ import annotations

import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_conformance import mismatches

from benchmarks._vectors import load_vectors


def main() -> None:
    verbose = "-v" in sys.argv
    families = {a for a in sys.argv[1:] if not a.startswith("-")}
    passed: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    for i, v in enumerate(load_vectors()):
        if families and v["driver"] not in families:
            continue
        total[v["driver"]] += 1
        bad = mismatches(v)
        if not bad:
            passed[v["driver"]] += 1
        elif verbose:
            print(f"{i:03d} {v['driver']}: {'; '.join(bad)}")
    for fam in sorted(total):
        print(f"{fam:16s} {passed[fam]}/{total[fam]}")
    print(f"TOTAL {sum(passed.values())}/{sum(total.values())}")


if __name__ == "__main__":
    main()
