"""Import readings from other systems, manual rounds and customers (CSV/Parquet, the billing format).

Each row is validated by ``billing_inputs`` (the same parser billing uses), must name a stored meter,
and customer rows also pass ``self_readings.check_self_readings`` — the very function the portal calls,
so a value refused on the web is refused here with the same sentence.  A file with any bad row is
rejected whole.

Instants arrive as Polish local time (or with an offset) and are stored in UTC.  Re-importing a file
changes nothing: a row is identified by source, meter and instant (``dedupe_key``); the same values
again are skipped, different values for the same key are refused rather than silently overwriting a
reading billing may already have used.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ingest.billing_inputs import LOCAL_TZ
from ingest.importers.errors import ImportRejected, Problem
from ingest.importers.master import TableReport
from ingest.importers.self_readings import SelfReading, check_self_readings
from ingest.importers.validate import parse_rows
from ingest.models.master import Meter

FILE_SOURCES = ("van", "customer", "manual", "import")


def readings_table() -> Any:
    import ingest.models  # noqa: F401  (registers the readings table)
    from ingest.models.base import Base

    return Base.metadata.tables["readings"]


def to_utc(local: pd.Series) -> list[dt.datetime]:
    """Naive Polish local instants (as billing_inputs returns them) to aware UTC datetimes."""
    aware = local.dt.tz_localize(LOCAL_TZ, ambiguous=np.ones(len(local), dtype=bool),
                                 nonexistent="shift_forward").dt.tz_convert("UTC")
    return [t.to_pydatetime() for t in aware]


def dedupe_key(source: str, meter_id: str, read_at: dt.datetime) -> str:
    """Identity of a reading that did not come over the radio: where from, which meter, which instant."""
    return f"{source}|{meter_id}|{read_at.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%S}Z"


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def import_readings(session: Session, raw: pd.DataFrame, file: str, csv: bool = True,
                    source: str | None = None, submitted_by: str | None = None,
                    now: dt.datetime | None = None) -> TableReport:
    """Validate and store readings; ``source`` fills a missing source column or must match the file's."""
    raw = raw.rename(columns=lambda c: str(c).strip())
    if source is not None:
        if source not in FILE_SOURCES:
            raise ImportRejected([Problem(file, None, "source", f"--source must be one of {', '.join(FILE_SOURCES)}")])
        if "source" not in raw.columns:
            raw = raw.assign(source=source)
    typed, problems = parse_rows("readings", raw, file, csv)
    if problems:
        raise ImportRejected(problems)
    line = (lambda r: r + 1) if csv else (lambda r: None)
    rows = typed["source_row"].to_numpy()
    if source is not None:
        bad = (typed["source"] != source).to_numpy()
        problems += [Problem(file, int(rows[i]), "source", f"source {typed['source'].iloc[i]!r} but --source "
                             f"{source} was given", line(int(rows[i]))) for i in np.flatnonzero(bad)]
    meters = {m for (m,) in session.execute(select(Meter.meter_id))}
    unknown = ~typed["meter_id"].isin(meters).to_numpy()
    problems += [Problem(file, int(rows[i]), "meter_id", f"{typed['meter_id'].iloc[i]!r} is not in meters",
                         line(int(rows[i]))) for i in np.flatnonzero(unknown)]
    read_at = to_utc(typed["read_at"])
    flagged: list[str] = []
    customer = np.flatnonzero((typed["source"] == "customer").to_numpy() & ~unknown)
    if len(customer):
        order = sorted(customer, key=lambda i: read_at[i])
        verdicts = check_self_readings(session, [SelfReading(typed["meter_id"].iloc[i], read_at[i],
                                                             _num(typed["total_m3"].iloc[i])) for i in order], now)
        for i, v in zip(order, verdicts, strict=True):
            r = int(rows[i])
            if not v.ok:
                problems.append(Problem(file, r, v.column, v.reason or "", line(r)))
            flagged += [f"{file}, row {r}, meter {typed['meter_id'].iloc[i]}: {f}" for f in v.flags]
    table = readings_table()
    keys = [dedupe_key(s, m, t) for s, m, t in zip(typed["source"], typed["meter_id"], read_at, strict=True)]
    stored: dict[str, Any] = {}
    for i in range(0, len(keys), 500):
        q = select(table.c.dedupe_key, table.c.total_m3, table.c.target_m3).where(
            table.c.dedupe_key.in_(keys[i:i + 500]))
        stored.update({k: (t, g) for k, t, g in session.execute(q)})
    report = TableReport("readings", file, flagged=flagged)
    inserts = []
    seen: set[str] = set()
    totals = [_num(v) for v in typed["total_m3"].tolist()]
    targets = [_num(v) for v in typed["target_m3"].tolist()]
    tdates = [None if pd.isna(d) else pd.Timestamp(d).date() for d in typed["target_date"].tolist()]
    meter_ids = typed["meter_id"].tolist()
    sources = typed["source"].tolist()
    alarms = [" ".join(str(a).upper().split()) for a in typed["alarms"].tolist()]
    for i, key in enumerate(keys):
        total, target = totals[i], targets[i]
        r = int(rows[i])
        if key in seen:
            problems.append(Problem(file, r, "read_at", "duplicate: this meter has another row with the same "
                                    "source and instant", line(r)))
            continue
        seen.add(key)
        if key in stored:
            if _close(stored[key], (total, target)):
                report.unchanged += 1
            else:
                problems.append(Problem(file, r, "total_m3", f"a different {sources[i]} reading of meter "
                                        f"{meter_ids[i]} at this instant is already stored "
                                        f"(total_m3 {stored[key][0]})", line(r)))
            continue
        inserts.append({
            "meter_id": meter_ids[i], "read_at": read_at[i], "total_m3": total, "target_m3": target,
            "target_date": tdates[i], "flow_m3h": None, "alarms": alarms[i], "source": sources[i],
            "raw_frame_id": None, "dedupe_key": key, "submitted_by": submitted_by,
        })
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: p.row or 0))
    if inserts:
        cols = set(table.c.keys())
        session.execute(insert(table), [{k: v for k, v in row.items() if k in cols} for row in inserts])
    report.rows = len(keys)
    report.inserted = len(inserts)
    session.flush()
    return report


def _close(a: tuple[Any, Any], b: tuple[float | None, float | None]) -> bool:
    for x, y in zip(a, b, strict=True):
        if (x is None) != (y is None) or (x is not None and abs(float(x) - float(y)) > 1e-9):  # type: ignore[arg-type]
            return False
    return True
