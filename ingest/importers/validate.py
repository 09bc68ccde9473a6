"""Row validation for importers, reusing ``ingest.billing_inputs`` rather than writing it twice.

``billing_inputs.parse_table`` stops at the first bad value, which is right for a billing run but not
for an import: the clerk wants every bad row at once.  ``parse_rows`` therefore runs the very same
parser again without each row it refused, until the rest passes, and reports every refusal with the
row number of the original file.  The cost is one extra parse per bad row, capped at
``errors.MAX_PROBLEMS``.
"""

from __future__ import annotations

import re

import pandas as pd

from ingest.billing_inputs import BillingInputError, parse_table
from ingest.importers.errors import MAX_PROBLEMS, Problem

# The shape of BillingInputError messages: "FILE[, row N[ (line L)]][, column C]: reason"
_WHERE = re.compile(r"^(?P<file>.*?)(?:, row (?P<row>\d+)(?: \(line \d+\))?)?(?:, column (?P<col>[^:]+))?: "
                    r"(?P<reason>.*)$", re.S)


def split_error(exc: Exception, file: str) -> tuple[int | None, str | None, str]:
    """(row, column, reason) of a located error message from ``billing_inputs``."""
    m = _WHERE.match(str(exc))
    if m is None:
        return None, None, str(exc)
    row = int(m["row"]) if m["row"] else None
    return row, m["col"], m["reason"]


def parse_rows(name: str, raw: pd.DataFrame, file: str, csv: bool) -> tuple[pd.DataFrame, list[Problem]]:
    """Typed good rows of ``raw`` (``source_row`` = row number in the file) and a problem per bad row."""
    raw = raw.reset_index(drop=True)
    keep = list(range(len(raw)))
    problems: list[Problem] = []
    while True:
        try:
            typed = parse_table(name, raw.iloc[keep].reset_index(drop=True), file, csv)
        except BillingInputError as exc:
            row, col, reason = split_error(exc, file)
            if row is None or row > len(keep):
                problems.append(Problem(file, None, col, reason))
                return raw.iloc[0:0], problems
            original = keep.pop(row - 1)
            problems.append(Problem(file, original + 1, col, reason, original + 2 if csv else None))
            if len(problems) >= MAX_PROBLEMS:
                return raw.iloc[0:0], problems
            continue
        typed["source_row"] = [k + 1 for k in keep]
        problems.sort(key=lambda p: (p.row or 0))
        return typed, problems
