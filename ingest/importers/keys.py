"""Import meter keys (CSV ``id,key[,manufacturer]``) into ``meter_keys``; no key is ever echoed.

Rows are validated by the decoders' own key-store loader (``decoders.KeyStore.from_csv_text``), the
same code ``amr decode --keys`` uses, so a file accepted here is a file the decoder accepts.  Its
messages already hide the key value.  A key whose meter is not in the master data is refused (the
table has a foreign key to ``meters``).  A replaced key is logged in ``master_changes`` as
``<hidden>`` → ``<hidden>``: the log must show that a key changed, never which key.
"""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from decoders import KeyStore, KeyStoreError
from ingest.importers.errors import MAX_PROBLEMS, ImportRejected, Problem
from ingest.importers.master import TableReport, change_line
from ingest.models.master import MasterChange, Meter, MeterKey

HIDDEN = "<hidden>"
_LINE = re.compile(r"^(?P<file>.*?), line (?P<line>\d+)(?:, column (?P<col>[^:]+))?: (?P<reason>.*)$", re.S)


def _rows(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """(header, [(line number, row)]) with blank and comment lines skipped, as the key store reads them."""
    header: list[str] = []
    rows: list[tuple[int, dict[str, str]]] = []
    for lineno, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or all(not c.strip() for c in row) or row[0].lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in row]
        if not header:
            header = [c.lower() for c in cells]
            continue
        rows.append((lineno, dict(zip(header, cells, strict=False))))
    return header, rows


def validate_keys(text: str, file: str) -> tuple[list[tuple[int, dict[str, str]]], list[Problem]]:
    """Good rows and one problem per bad row, each checked by ``KeyStore.from_csv_text``."""
    header, rows = _rows(text)
    try:
        KeyStore.from_csv_text(",".join(header) + "\n" if header else "", file)
    except KeyStoreError as exc:
        m = _LINE.match(str(exc))
        return [], [Problem(file, None, None, m["reason"] if m else str(exc).split(": ", 1)[-1])]
    good: list[tuple[int, dict[str, str]]] = []
    problems: list[Problem] = []
    for data_row, (lineno, rec) in enumerate(rows, start=1):
        one = io.StringIO()
        writer = csv.writer(one)
        writer.writerow(header)
        writer.writerow([rec.get(h, "") for h in header])
        try:
            KeyStore.from_csv_text(one.getvalue(), file)
        except KeyStoreError as exc:
            m = _LINE.match(str(exc))
            reason = _hide(m["reason"] if m else str(exc), rec)
            problems.append(Problem(file, data_row, m["col"] if m else None, reason, lineno))
            if len(problems) >= MAX_PROBLEMS:
                break
            continue
        if not re.fullmatch(r"\d{8}", rec["id"]):
            problems.append(Problem(file, data_row, "id", f"{rec['id']!r} is not a meter id of 8 digits as printed",
                                    lineno))
            continue
        good.append((data_row, rec))
    seen: dict[str, int] = {}
    for data_row, rec in good:
        if rec["id"] in seen:
            problems.append(Problem(file, data_row, "id", f"duplicate id {rec['id']!r} (first in row "
                                    f"{seen[rec['id']]})", _line_of(rows, data_row)))
        seen.setdefault(rec["id"], data_row)
    return good, sorted(problems, key=lambda p: p.row or 0)


def _hide(reason: str, rec: dict[str, str]) -> str:
    """Blank out any long hex cell quoted in a message: a key pasted into the id column is still a key."""
    for cell in rec.values():
        if len(cell) >= 16 and cell in reason:
            reason = reason.replace(repr(cell), "<hidden>").replace(cell, "<hidden>")
    return reason


def _line_of(rows: list[tuple[int, dict[str, str]]], data_row: int) -> int:
    return rows[data_row - 1][0]


def import_keys(session: Session, text: str, file: str) -> TableReport:
    """Validate the whole key file, then insert new keys and replace changed ones."""
    good, problems = validate_keys(text, file)
    if not problems:
        meters = {m for (m,) in session.execute(select(Meter.meter_id))}
        problems = [Problem(file, r, "id", f"{rec['id']!r} is not in meters (a key needs its meter's master "
                            "data first)", _line_of(_rows(text)[1], r)) for r, rec in good if rec["id"] not in meters]
    if problems:
        raise ImportRejected(problems)
    report = TableReport("meter_keys", file)
    stored = {r.meter_id: r for r in session.execute(select(MeterKey.__table__)).all()}
    inserts = []
    changes = []
    for _, rec in good:
        key_hex = rec["key"].upper()
        mfct = (rec.get("manufacturer") or "").upper() or None
        report.rows += 1
        old = stored.get(rec["id"])
        if old is None:
            inserts.append({"meter_id": rec["id"], "key_hex": key_hex, "manufacturer": mfct})
            continue
        diff = {}
        if old.key_hex.upper() != key_hex:
            diff["key_hex"] = key_hex
        if "manufacturer" in rec and (old.manufacturer or None) != mfct:
            diff["manufacturer"] = mfct
        if not diff:
            report.unchanged += 1
            continue
        session.execute(update(MeterKey.__table__).where(MeterKey.meter_id == rec["id"]).values(**diff))
        report.updated += 1
        report.changed_values += len(diff)
        for col, new in diff.items():
            hidden = col == "key_hex"
            changes.append({"table_name": "meter_keys", "row_key": rec["id"], "column_name": col,
                            "old_value": HIDDEN if hidden else old.manufacturer,
                            "new_value": HIDDEN if hidden else new, "source": file})
    if inserts:
        session.execute(insert(MeterKey.__table__), inserts)
    if changes:
        session.execute(insert(MasterChange.__table__), changes)
        report.changes = [change_line(c) for c in changes]
    report.inserted = len(inserts)
    session.flush()
    return report
