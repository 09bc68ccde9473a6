"""Conformance per driver family over the public vectors: which decode to `expect`.

With --built it also prints, per family, the frames built for every triple of the detection
table (tests/test_detection_table.py: frames built from the format descriptions plus every
example re-addressed to each triple) and how many decode to the values they were built with.
Usage: python benchmarks/conformance_report.py [-v] [--built] [family ...]
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
    if "--built" in sys.argv:
        built_report(families)


def built_report(families: set[str]) -> None:
    from test_detection_table import CASES, test_built_frame_decodes_to_its_values

    from simulators.encoder.table import DETECTION_TABLE

    ok: collections.Counter[str] = collections.Counter()
    n: collections.Counter[str] = collections.Counter()
    for case in CASES:
        if families and case.driver not in families:
            continue
        n[case.driver] += 1
        try:
            test_built_frame_decodes_to_its_values(case)
        except AssertionError:
            continue
        ok[case.driver] += 1
    print("built frames per family (triples in the detection table: decoded right / built)")
    for fam in sorted(n):
        print(f"{fam:16s} {len(DETECTION_TABLE[fam]):2d} triples  {ok[fam]}/{n[fam]}")
    print(f"TOTAL {sum(ok.values())}/{sum(n.values())}")


if __name__ == "__main__":
    main()
