"""Bulk writes of the radio path straight through the driver, one statement per batch and table.

Why not the ORM or Core executemany: per-row parameter processing in SQLAlchemy cost more than
decoding the telegram itself.  Here PostgreSQL gets ``INSERT … SELECT FROM unnest(arrays)`` (one round
trip for a whole batch) and SQLite a multi-row ``VALUES`` list, both with ``RETURNING`` so the archive
ids and the readings actually inserted come back in the same statement: readings use
``ON CONFLICT (dedupe_key) DO NOTHING``, so the returned keys are exactly the new ones, even when another
worker stores the same telegram at the same moment.  Statements run on the session's own connection,
inside its transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

RAW_COLS = ("van_id", "batch_seq", "seq", "frame", "frame_hash", "received_at", "rssi_dbm", "link_mode", "dongle",
            "heard_count", "lat", "lon", "meter_id")
RAW_PG_TYPES = ("text", "int", "int", "bytea", "text", "timestamptz", "float8", "text", "text", "int", "float8",
                "float8", "text")
READING_COLS = ("meter_id", "read_at", "total_m3", "target_m3", "target_date", "flow_m3h", "alarms", "source",
                "raw_frame_id", "dedupe_key")
READING_PG_TYPES = ("text", "timestamptz", "float8", "float8", "date", "float8", "text", "text", "int", "text")
SQLITE_CHUNK = 1000  # 13 columns x 1000 rows stays under SQLite's 32766 bound parameters


def _sqlite_value(v: Any) -> Any:
    """The text SQLAlchemy's SQLite DateTime/Date types store, so ORM reads of these rows work unchanged."""
    if isinstance(v, dt.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(dt.UTC)
        return v.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def _insert_returning(session: Session, table: str, cols: tuple[str, ...], pg_types: tuple[str, ...],
                      rows: list[tuple[Any, ...]], suffix: str, returning: str) -> list[tuple[Any, ...]]:
    if not rows:
        return []
    conn = session.connection()
    raw = conn.connection.dbapi_connection
    assert raw is not None
    names = ", ".join(cols)
    out: list[tuple[Any, ...]] = []
    cur = raw.cursor()
    try:
        if conn.dialect.name == "postgresql":
            arrays = [list(col) for col in zip(*rows, strict=True)]
            unnest = ", ".join(f"%s::{t}[]" for t in pg_types)
            cur.execute(f"INSERT INTO {table} ({names}) SELECT * FROM unnest({unnest}) {suffix} RETURNING {returning}",
                        arrays)
            out.extend(cur.fetchall())
        else:
            one = "(" + ", ".join("?" * len(cols)) + ")"
            stamps = [i for i, t in enumerate(pg_types) if t in ("timestamptz", "date")]
            for i in range(0, len(rows), SQLITE_CHUNK):
                chunk = rows[i:i + SQLITE_CHUNK]
                params: list[Any] = []
                for row in chunk:
                    start = len(params)
                    params.extend(row)
                    for j in stamps:  # only these columns need converting; the rest bind as they are
                        params[start + j] = _sqlite_value(row[j])
                cur.execute(f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * len(chunk))} {suffix} "
                            f"RETURNING {returning}", params)
                out.extend(cur.fetchall())
    finally:
        cur.close()
    return out


def insert_raw_frames(session: Session, rows: list[tuple[Any, ...]]) -> dict[int, int]:
    """Archive rows (in ``RAW_COLS`` order) of one batch; returns seq → id."""
    got = _insert_returning(session, "raw_frames", RAW_COLS, RAW_PG_TYPES, rows, "", "id, seq")
    return {int(seq): int(i) for i, seq in got}


def insert_readings(session: Session, rows: list[tuple[Any, ...]]) -> set[str]:
    """Insert reading rows (``READING_COLS`` order), skipping known dedupe keys; returns the keys inserted."""
    got = _insert_returning(session, "readings", READING_COLS, READING_PG_TYPES, rows,
                            "ON CONFLICT (dedupe_key) DO NOTHING", "dedupe_key")
    return {k for (k,) in got}
