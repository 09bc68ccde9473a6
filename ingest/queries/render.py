"""Rows to text for billing staff: an aligned table, CSV for spreadsheets, or a JSON array for scripts.

Money stays exact: Decimal values are written as strings with their two places ("12.30"), never as
binary floats; dates and instants are ISO 8601.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

FORMATS = ("table", "csv", "json")


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def _json_value(value: Any) -> Any:
    if isinstance(value, list):
        return [{k: _json_value(v) for k, v in row.items()} if isinstance(row, dict) else _json_value(row)
                for row in value]
    return _cell(value)


def render(rows: list[dict[str, Any]], fmt: str, columns: list[str] | None = None) -> str:
    """``rows`` in ``fmt`` (table|csv|json); ``columns`` fixes the order (and the header of no rows)."""
    cols = columns or (list(rows[0]) if rows else [])
    if fmt == "json":
        return json.dumps([{c: _json_value(r.get(c)) for c in cols} for r in rows], ensure_ascii=False, indent=1)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(cols)
        for r in rows:
            writer.writerow(["" if r.get(c) is None else _cell(r.get(c)) for c in cols])
        return out.getvalue().rstrip("\n")
    text = [[str(c) for c in cols]] + [["" if r.get(c) is None else str(_cell(r.get(c))) for c in cols]
                                       for r in rows]
    widths = [max(len(row[i]) for row in text) for i in range(len(cols))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in text]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + ("" if rows else "\n(no rows)")
