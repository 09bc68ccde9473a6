"""Import master data and tariffs: validate every row, check references, insert or update, log changes.

A master-data file is a snapshot of some rows, not of the whole table: rows it does not mention are
left alone, so a utility may send only this month's new customers.  A row whose key is already stored
is compared column by column (only the columns the file has, so a file without ``email`` never
erases e-mails); each changed value is updated and written to ``master_changes`` with the old and the
new value.  Importing the same file twice therefore changes nothing the second time.  Everything
happens in the caller's transaction; the caller commits only when no file had a problem.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Table, and_, insert, select, update
from sqlalchemy.orm import Session

from ingest.billing_inputs import SCHEMAS, BillingInputError, default_norms, parse_table
from ingest.importers.errors import ImportRejected, Problem
from ingest.importers.validate import parse_rows, split_error
from ingest.models.master import (
    Abonament,
    BillingPeriodRow,
    Contract,
    Customer,
    MasterChange,
    Meter,
    Norm,
    Premises,
    Tariff,
)

MASTER: dict[str, tuple[Table, tuple[str, ...]]] = {
    "customers": (Customer.__table__, ("customer_id",)),  # type: ignore[dict-item]
    "premises": (Premises.__table__, ("premises_id",)),  # type: ignore[dict-item]
    "tariffs": (Tariff.__table__, ("tariff_group", "valid_from")),  # type: ignore[dict-item]
    "abonaments": (Abonament.__table__, ("tariff_group", "basis", "settlement", "valid_from")),  # type: ignore[dict-item]
    "norms": (Norm.__table__, ("norm_category", "sewered")),  # type: ignore[dict-item]
    "contracts": (Contract.__table__, ("contract_id",)),  # type: ignore[dict-item]
    "meters": (Meter.__table__, ("meter_id",)),  # type: ignore[dict-item]
    "billing_periods": (BillingPeriodRow.__table__, ("contract_id", "period_start")),  # type: ignore[dict-item]
}
# child column -> (parent table, parent column); checked against stored rows plus this file
REFERENCES: dict[str, list[tuple[str, str, str]]] = {
    "contracts": [("customer_id", "customers", "customer_id"), ("premises_id", "premises", "premises_id"),
                  ("tariff_group", "tariffs", "tariff_group")],
    "meters": [("premises_id", "premises", "premises_id"), ("replaces_meter_id", "meters", "meter_id")],
    "billing_periods": [("contract_id", "contracts", "contract_id")],
}
CUSTOMER_EXTRAS = ("address", "email", "phone")  # known to the portal; the billing files do not carry them
DECIMAL_COLUMNS = {"water_m3_net", "sewage_m3_net", "abonament_month_net"}


@dataclass
class TableReport:
    """What one file did: rows read, inserted, updated (with how many values changed), unchanged."""

    table: str
    file: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    changed_values: int = 0
    unchanged: int = 0
    flagged: list[str] | None = None
    changes: list[str] | None = None  # "table key column: old -> new", as logged in master_changes

    def line(self) -> str:
        text = (f"{self.file}: {self.rows} rows -> {self.table}: {self.inserted} new, {self.updated} updated "
                f"({self.changed_values} values changed), {self.unchanged} unchanged")
        if self.flagged:
            text += f", {len(self.flagged)} flagged"
        return text


def py_value(value: Any, column: str) -> Any:
    """A typed pandas cell as the Python value the database column holds (None for missing)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, pd.Timestamp | np.datetime64):
        return pd.Timestamp(value).date()
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        if column in DECIMAL_COLUMNS:
            return Decimal(repr(float(value))).quantize(Decimal("0.0001"))
        return float(value)
    return value


def change_line(c: dict[str, Any]) -> str:
    return f"{c['table_name']} {c['row_key']} {c['column_name']}: {c['old_value']} -> {c['new_value']}"


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return a is not None and b is not None and Decimal(a) == Decimal(b)
    if isinstance(a, dt.datetime):
        a = a.date()
    return a == b


def _show(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def file_columns(name: str, raw: pd.DataFrame) -> list[str]:
    """The schema columns the file actually has (plus what the parser derives from them)."""
    present = {str(c).strip() for c in raw.columns}
    cols = [c.name for c in SCHEMAS[name] if c.name in present]
    if name == "meters" and "register_digits" in present and "rollover_m3" not in cols:
        cols.append("rollover_m3")
    if name == "customers":
        cols += [c for c in CUSTOMER_EXTRAS if c in present]
    return cols


def stored_values(session: Session, table: str, column: str) -> set[Any]:
    t = MASTER[table][0]
    return {v for (v,) in session.execute(select(t.c[column]).distinct())}


def check_references(session: Session, name: str, typed: pd.DataFrame, file: str,
                     csv: bool) -> list[Problem]:
    """Every reference of the file's rows must name a stored row or a row of the same file."""
    problems: list[Problem] = []
    for column, parent, parent_col in REFERENCES.get(name, []):
        known = stored_values(session, parent, parent_col)
        if parent == name:
            known |= set(typed[parent_col])
        values = typed[column]
        bad = (values.notna() & ~values.isin(known)).to_numpy()
        for i in np.flatnonzero(bad):
            row = int(typed["source_row"].iloc[i])
            problems.append(Problem(file, row, column, f"{values.iloc[i]!r} is not in {parent} "
                                    "(neither stored nor earlier in this import)", row + 1 if csv else None))
    if name == "premises":
        norms = session.execute(select(Norm.norm_category, Norm.sewered)).all()
        known_norms = {(c, bool(s)) for c, s in norms} or {
            (c, bool(s)) for c, s in zip(default_norms()["norm_category"], default_norms()["sewered"], strict=True)}
        for i, (cat, sew) in enumerate(zip(typed["norm_category"], typed["sewered"], strict=True)):
            if not pd.isna(cat) and (cat, bool(sew)) not in known_norms:
                row = int(typed["source_row"].iloc[i])
                problems.append(Problem(file, row, "norm_category", f"{cat!r} (sewered={bool(sew)}) is not in the "
                                        "norm table", row + 1 if csv else None))
    return sorted(problems, key=lambda p: p.row or 0)


def _extras(raw: pd.DataFrame, name: str, typed: pd.DataFrame) -> pd.DataFrame:
    """Customer columns the billing files do not have (address, e-mail, phone) as stripped text."""
    if name != "customers":
        return typed
    stripped = raw.rename(columns=lambda c: str(c).strip())
    for col in CUSTOMER_EXTRAS:
        if col in stripped.columns:
            cells = stripped[col].iloc[[r - 1 for r in typed["source_row"]]]
            text = cells.astype(object).where(cells.notna(), "").astype(str).str.strip()
            typed[col] = list(text.where(text != "", None))
    return typed


def upsert(session: Session, name: str, typed: pd.DataFrame, columns: list[str], report: TableReport) -> None:
    """Insert new rows, update changed ones and log each changed value (old -> new)."""
    table, key = MASTER[name]
    all_cols = [c.name for c in table.columns if c.name != "id"]
    stored = {tuple(r[k] for k in key): r for r in session.execute(select(table)).mappings()}
    inserts: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    records = typed.to_dict("records")
    for rec in records:
        row = {c: py_value(rec.get(c), c) for c in all_cols if c in rec}
        pk = tuple(row[k] for k in key)
        old = stored.get(pk)
        if old is None:
            inserts.append({c: row.get(c) for c in all_cols if c in row})
            stored[pk] = row  # a later duplicate in the same file was refused by the parser already
            continue
        diff = {c: row.get(c) for c in columns if c not in key and not _same(old[c], row.get(c))}
        if not diff:
            report.unchanged += 1
            continue
        cond = and_(*(table.c[k] == v for k, v in zip(key, pk, strict=True)))
        session.execute(update(table).where(cond).values(**diff))
        report.updated += 1
        report.changed_values += len(diff)
        row_key = "/".join(_show(v) or "" for v in pk)
        changes += [{"table_name": name, "row_key": row_key, "column_name": c, "old_value": _show(old[c]),
                     "new_value": _show(v), "source": report.file} for c, v in diff.items()]
    if inserts:
        session.execute(insert(table), inserts)
    if changes:
        session.execute(insert(MasterChange.__table__), changes)
        report.changes = [change_line(c) for c in changes]
    report.inserted += len(inserts)
    report.rows += len(records)
    session.flush()


def check_overlaps(session: Session, name: str, typed: pd.DataFrame, file: str, csv: bool) -> list[Problem]:
    """Validity ranges of one tariff group may not overlap, counting the rows already stored."""
    if name not in ("tariffs", "abonaments"):
        return []
    table, key = MASTER[name]
    groups = set(typed["tariff_group"])
    rows = session.execute(select(table).where(table.c.tariff_group.in_(groups))).mappings().all()
    file_keys = [tuple(py_value(r[k], k) for k in key) for r in typed.to_dict("records")]
    order = {k: i for i, k in enumerate(file_keys)}
    rows = sorted(rows, key=lambda r: order.get(tuple(r[k] for k in key), len(order)))
    frame = pd.DataFrame([{c.name: _show(r[c.name]) for c in SCHEMAS[name]} for r in rows], dtype=object)
    try:
        parse_table(name, frame.fillna(""), file, True)
    except BillingInputError as exc:
        row, col, reason = split_error(exc, file)
        if row is not None and row <= len(file_keys):
            src = int(typed["source_row"].iloc[row - 1])
            return [Problem(file, src, col, reason, src + 1 if csv else None)]
        return [Problem(file, None, col, f"{reason} (against the stored {name})")]
    return []


def import_master(session: Session, name: str, raw: pd.DataFrame, file: str, csv: bool = True) -> TableReport:
    """Validate ``raw`` (as read from the file) and apply it; raises ImportRejected on any bad row."""
    typed, problems = parse_rows(name, raw, file, csv)
    if problems:
        raise ImportRejected(problems)
    typed = _extras(raw, name, typed)
    problems = check_references(session, name, typed, file, csv)
    if problems:
        raise ImportRejected(problems)
    report = TableReport(name, file)
    upsert(session, name, typed, file_columns(name, raw), report)
    problems = check_overlaps(session, name, typed, file, csv)
    if problems:
        raise ImportRejected(problems)
    return report
