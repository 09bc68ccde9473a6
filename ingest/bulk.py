"""Bulk writes of the radio path straight through the driver, one statement per table for a group of batches.

Why not the ORM or Core executemany: per-row parameter processing in SQLAlchemy cost more than
decoding the telegram itself.  Measured per archived row (``benchmarks/ingest_bench.py``, and a
4,000-row micro-benchmark on PostgreSQL: text-format ``unnest`` arrays 11 µs of client CPU, binary
arrays 3 µs for the archive's columns and 7 µs for a reading's, binary ``COPY`` 1.3 to 2 µs):

* PostgreSQL: the archive goes in by binary ``COPY``, with ids drawn from its sequence in one
  round trip first (``COPY`` cannot return them); readings by binary ``COPY`` into a temporary
  staging table, then ``INSERT … SELECT … ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key``.
* SQLite: the archive by ``executemany`` with ids given explicitly (see ``_sqlite_raw_frames``);
  readings by multi-row ``VALUES`` lists with ``RETURNING``, in chunks below the bound-parameter limit.

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
from itertools import chain
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


def _stamp_columns(pg_types: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(i for i, t in enumerate(pg_types) if t in ("timestamptz", "date"))


RAW_STAMPS = _stamp_columns(RAW_PG_TYPES)  # the columns SQLite stores as text (see ``_sqlite_value``)
READING_STAMPS = _stamp_columns(READING_PG_TYPES)


@lru_cache(maxsize=4096)
def _sqlite_stamp(v: dt.datetime) -> str:
    """Cached because a record's ``received_at`` is written twice (archive row, then reading row)."""
    if v.tzinfo is not None:
        v = v.astimezone(dt.UTC).replace(tzinfo=None)
    return v.isoformat(" ", "microseconds")  # == strftime("%Y-%m-%d %H:%M:%S.%f"), in a third less time


def sqlite_text(v: dt.datetime | None) -> str | None:
    """A UTC instant as SQLAlchemy's SQLite ``DateTime`` stores it; the decode process renders them ahead."""
    if v is None:
        return None
    if v.tzinfo is dt.UTC:
        return v.isoformat(" ", "microseconds")[:26]  # "+00:00" cut: SQLite keeps naive UTC
    return _sqlite_stamp(v)


def _sqlite_value(v: Any) -> Any:
    """The text SQLAlchemy's SQLite DateTime/Date types store, so ORM reads of these rows work unchanged."""
    if isinstance(v, dt.datetime):
        return _sqlite_stamp(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def _sqlite_row(row: tuple[Any, ...], stamps: tuple[int, ...]) -> tuple[Any, ...]:
    """``row`` with its instants and dates as SQLite's text (rows not rendered by the decode process)."""
    return tuple(_sqlite_value(v) if j in stamps else v for j, v in enumerate(row))


def _rendered(rows: list[tuple[Any, ...]], stamps: tuple[int, ...]) -> bool:
    """Whether the rows' instants are already SQLite text (``ready_batch(sqlite=True)`` renders all or none)."""
    return any(type(rows[0][j]) is str for j in stamps)


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


def _sqlite_insert_returning(session: Session, table: str, cols: tuple[str, ...], stamps: tuple[int, ...],
                             rows: list[tuple[Any, ...]], suffix: str, returning: str) -> list[tuple[Any, ...]]:
    """SQLite: multi-row ``VALUES`` lists with ``RETURNING``, in chunks below the bound-parameter limit."""
    names = ", ".join(cols)
    one = "(" + ", ".join("?" * len(cols)) + ")"
    out: list[tuple[Any, ...]] = []
    rendered = _rendered(rows, stamps)
    with _cursor(session, f"INSERT INTO {table}") as (cur, _dialect):
        for i in range(0, len(rows), SQLITE_CHUNK):
            chunk = rows[i:i + SQLITE_CHUNK]
            params = list(chain.from_iterable(chunk if rendered else (_sqlite_row(r, stamps) for r in chunk)))
            cur.execute(f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * len(chunk))} {suffix} "
                        f"RETURNING {returning}", params)
            out.extend(cur.fetchall())
    return out


def _copy_raw_frames(session: Session, rows: list[tuple[Any, ...]]) -> list[int]:
    """PostgreSQL: ids from the sequence in one round trip, then one binary ``COPY`` of the rows."""
    with _cursor(session, "COPY raw_frames") as (cur, _dialect):
        cur.execute("SELECT nextval(pg_get_serial_sequence('raw_frames', 'id')) FROM generate_series(1, %s)",
                    (len(rows),))
        ids = sorted(i for (i,) in cur.fetchall())  # ascending, like the rows: the archive's order stays arrival
        with cur.copy(f"COPY raw_frames (id, {', '.join(RAW_COLS)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int4", *RAW_PG_TYPES])
            for i, row in zip(ids, rows, strict=True):
                copy.write_row((i, *row))
    return ids


def _sqlite_raw_frames(session: Session, rows: list[tuple[Any, ...]]) -> list[int]:
    """SQLite: the ids follow the largest one, given explicitly, so no ``RETURNING`` has to come back.

    Safe because a writer holds SQLite's one write lock from its first write to its commit (the
    consumer's transactions take it at ``BEGIN IMMEDIATE``): no other insert can come in between.  A
    deferred transaction that reads ``max(id)`` before another writer commits fails at its own write
    (``SQLITE_BUSY_SNAPSHOT``) or on the primary key, never with wrong ids.
    """
    with _cursor(session, "INSERT INTO raw_frames") as (cur, _dialect):
        cur.execute("SELECT coalesce(max(id), 0) FROM raw_frames")
        first = int(cur.fetchone()[0]) + 1
        ids = list(range(first, first + len(rows)))
        one = "(" + ", ".join("?" * (len(RAW_COLS) + 1)) + ")"
        if not _rendered(rows, RAW_STAMPS):
            rows = [_sqlite_row(row, RAW_STAMPS) for row in rows]
        cur.executemany(f"INSERT INTO raw_frames (id, {', '.join(RAW_COLS)}) VALUES {one}",
                        ((i, *row) for i, row in zip(ids, rows, strict=True)))
    return ids


def insert_raw_frames(session: Session, rows: list[tuple[Any, ...]]) -> list[int]:
    """Archive rows (in ``RAW_COLS`` order), of one batch or several; returns their ids, in the rows' order."""
    if not rows:
        return []
    if session.connection().dialect.name == "postgresql":
        return _copy_raw_frames(session, rows)
    return _sqlite_raw_frames(session, rows)


READINGS_IN = ("CREATE TEMP TABLE IF NOT EXISTS readings_in ("
               + ", ".join(f"{c} {t}" for c, t in zip(READING_COLS, READING_PG_TYPES, strict=True))
               + ") ON COMMIT DELETE ROWS")


def _copy_readings(session: Session, rows: list[tuple[Any, ...]]) -> set[str]:
    """PostgreSQL: binary ``COPY`` into a session-private staging table, then one ``INSERT … SELECT``.

    Why not ``unnest`` of arrays: psycopg builds binary arrays element by element in Python, about 7 µs
    per reading (10 columns), where ``COPY`` rows are written by its C code in about 2 µs.  The staging
    table is a temporary one (no WAL), emptied at every commit; it is filled in the rows' order (sorted
    by ``dedupe_key``) and read back by a sequential scan in that order, so workers still take the
    unique index's locks in one order.
    """
    names = ", ".join(READING_COLS)
    with _cursor(session, "INSERT INTO readings") as (cur, _dialect):
        cur.execute("SET LOCAL client_min_messages = warning; " + READINGS_IN)
        with cur.copy(f"COPY readings_in ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(list(READING_PG_TYPES))
            for row in rows:
                copy.write_row(row)
        cur.execute(f"INSERT INTO readings ({names}) SELECT {names} FROM readings_in "
                    "ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key")
        return {k for (k,) in cur.fetchall()}


def insert_readings(session: Session, rows: list[tuple[Any, ...]]) -> set[str]:
    """Insert reading rows (``READING_COLS`` order), skipping known dedupe keys; returns the keys inserted."""
    if not rows:
        return set()
    if session.connection().dialect.name == "postgresql":
        return _copy_readings(session, rows)
    got = _sqlite_insert_returning(session, "readings", READING_COLS, READING_STAMPS, rows,
                            "ON CONFLICT (dedupe_key) DO NOTHING", "dedupe_key")
    return {k for (k,) in got}
