"""Bulk writes of the radio path straight through the driver, one statement per table for a group of batches.

Why not the ORM or Core executemany: per-row parameter processing in SQLAlchemy cost more than
decoding the telegram itself.  Measured per archived row (``benchmarks/ingest_bench.py``, and a
4,000-row micro-benchmark on PostgreSQL: text-format ``unnest`` arrays 11 µs of client CPU, binary
arrays 3 µs, binary ``COPY`` 1.3 µs):

* PostgreSQL: the archive goes in by binary ``COPY``, with ids drawn from its sequence in one
  round trip first (``COPY`` cannot return them); readings by ``INSERT … SELECT FROM unnest(arrays)``
  with the arrays sent in binary, ``ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key``.
* SQLite: multi-row ``VALUES`` lists with ``RETURNING``, in chunks below the bound-parameter limit.

Readings use ``ON CONFLICT (dedupe_key) DO NOTHING``, so the returned keys are exactly the new ones, even
when another worker stores the same telegram at the same moment.  Statements run on the session's own
connection, inside its transaction; a driver error is re-raised as SQLAlchemy's (``IntegrityError``,
``OperationalError``, …) so callers handle one family of exceptions whatever the path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

RAW_COLS = ("van_id", "batch_seq", "seq", "frame", "frame_hash", "received_at", "rssi_dbm", "link_mode", "dongle",
            "heard_count", "lat", "lon", "meter_id")
RAW_PG_TYPES = ("text", "int4", "int4", "bytea", "text", "timestamptz", "float8", "text", "text", "int4", "float8",
                "float8", "text")
READING_COLS = ("meter_id", "read_at", "total_m3", "target_m3", "target_date", "flow_m3h", "alarms", "source",
                "raw_frame_id", "dedupe_key")
READING_PG_TYPES = ("text", "timestamptz", "float8", "float8", "date", "float8", "text", "text", "int4", "text")
SQLITE_CHUNK = 1000  # 13 columns x 1000 rows stays under SQLite's 32766 bound parameters


@lru_cache(maxsize=4096)
def _sqlite_stamp(v: dt.datetime) -> str:
    """Cached because a record's ``received_at`` is written twice (archive row, then reading row)."""
    if v.tzinfo is not None:
        v = v.astimezone(dt.UTC).replace(tzinfo=None)
    return v.isoformat(" ", "microseconds")  # == strftime("%Y-%m-%d %H:%M:%S.%f"), in a third less time


def _sqlite_value(v: Any) -> Any:
    """The text SQLAlchemy's SQLite DateTime/Date types store, so ORM reads of these rows work unchanged."""
    if isinstance(v, dt.datetime):
        return _sqlite_stamp(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


@contextmanager
def _cursor(session: Session, what: str) -> Iterator[tuple[Any, str]]:
    """A driver cursor on the session's connection and the dialect's name; driver errors come out wrapped."""
    conn = session.connection()
    raw = conn.connection.dbapi_connection
    assert raw is not None
    dbapi = conn.dialect.loaded_dbapi
    cur = raw.cursor()
    try:
        yield cur, conn.dialect.name
    except dbapi.Error as exc:
        raise DBAPIError.instance(what, None, exc, dbapi.Error) from exc
    finally:
        cur.close()


def _insert_returning(session: Session, table: str, cols: tuple[str, ...], pg_types: tuple[str, ...],
                      rows: list[tuple[Any, ...]], suffix: str, returning: str) -> list[tuple[Any, ...]]:
    if not rows:
        return []
    names = ", ".join(cols)
    out: list[tuple[Any, ...]] = []
    with _cursor(session, f"INSERT INTO {table}") as (cur, dialect):
        if dialect == "postgresql":
            arrays = [list(col) for col in zip(*rows, strict=True)]
            unnest = ", ".join(f"%b::{t}[]" for t in pg_types)  # binary: no per-element quoting in Python
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
    return out


def _copy_raw_frames(session: Session, rows: list[tuple[Any, ...]]) -> dict[tuple[str, int, int], int]:
    """PostgreSQL: ids from the sequence in one round trip, then one binary ``COPY`` of the rows."""
    with _cursor(session, "COPY raw_frames") as (cur, _dialect):
        cur.execute("SELECT nextval(pg_get_serial_sequence('raw_frames', 'id')) FROM generate_series(1, %s)",
                    (len(rows),))
        ids = sorted(i for (i,) in cur.fetchall())  # ascending, like the rows: the archive's order stays arrival
        with cur.copy(f"COPY raw_frames (id, {', '.join(RAW_COLS)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int4", *RAW_PG_TYPES])
            for i, row in zip(ids, rows, strict=True):
                copy.write_row((i, *row))
    return {(row[0], row[1], row[2]): i for i, row in zip(ids, rows, strict=True)}


def insert_raw_frames(session: Session, rows: list[tuple[Any, ...]]) -> dict[tuple[str, int, int], int]:
    """Archive rows (in ``RAW_COLS`` order), of one batch or several; returns (van_id, batch_seq, seq) → id.

    Keyed, not positional: SQLite does not promise ``RETURNING`` rows in ``VALUES`` order.
    """
    if not rows:
        return {}
    if session.connection().dialect.name == "postgresql":
        return _copy_raw_frames(session, rows)
    got = _insert_returning(session, "raw_frames", RAW_COLS, RAW_PG_TYPES, rows, "", "id, van_id, batch_seq, seq")
    return {(van, int(bs), int(seq)): int(i) for i, van, bs, seq in got}


def insert_readings(session: Session, rows: list[tuple[Any, ...]]) -> set[str]:
    """Insert reading rows (``READING_COLS`` order), skipping known dedupe keys; returns the keys inserted."""
    got = _insert_returning(session, "readings", READING_COLS, READING_PG_TYPES, rows,
                            "ON CONFLICT (dedupe_key) DO NOTHING", "dedupe_key")
    return {k for (k,) in got}
