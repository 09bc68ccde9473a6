"""A decoded batch turned into the rows ingest writes, everything but the ids the database hands out.

Why a step of its own: all of this is CPU work that needs no database, so the consumer does it in a
separate decode process (``ingest.consumer.decode_process``) while the serving process writes the
previous group.  A ``ReadyBatch`` is plain tuples of str, int, float, bytes and datetimes, cheap to
pickle across the process boundary.  ``ingest.decode_store.store_batches`` fills in the archive ids.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ingest.bulk import sqlite_text
from ingest.consumer.payload import Batch, Record

if TYPE_CHECKING:
    from decoders.model import Telegram
    from ingest.decode_store import KeyedDecoder

RAW_ID = 8  # the place of ``raw_frame_id`` in a reading row (``bulk.READING_COLS``)


@dataclass(slots=True)
class ReadyBatch:
    """One batch as rows: ``raw`` in ``bulk.RAW_COLS`` order, sorted by ``seq`` (the archive's unique key
    within a batch, so two workers lock rows in one order); ``readings`` as (index into ``raw``, dedupe
    key, reading row with ``raw_frame_id`` None); ``quarantine`` as (index into ``raw``, reason, detail)."""

    van_id: str
    batch_seq: int
    raw: list[tuple[Any, ...]]
    readings: list[tuple[int, str, tuple[Any, ...]]]
    quarantine: list[tuple[int, str, str]]

    @property
    def records(self) -> int:
        return len(self.raw)


def dedupe_key(t: Telegram) -> str:
    """Meter + telegram content; equal for the same transmission however and by whom it was heard.

    The formula is part of the stored data (readings already stored carry keys made by it): change it
    and a telegram stored before the change would be stored again.
    """
    alarms = " ".join(sorted(t.alarms)) if t.alarms else ""
    head = (f"{t.id}|{t.manufacturer}|{t.version}|{t.device_type}|{t.acc}|{t.total_m3}|{t.target_m3}|"
            f"{t.target_date}|{t.flow_m3h}|{alarms}|")
    return f"{t.id}:{hashlib.sha256(head.encode() + t.payload).hexdigest()[:40]}"


def reading_row(t: Telegram, raw_id: int | None, read_at: dt.datetime, key: str,
                sqlite: bool = False) -> tuple[Any, ...]:
    """A reading row in ``bulk.READING_COLS`` order (``sqlite``: instant and date as SQLite's text)."""
    day = dt.date.fromisoformat(t.target_date) if t.target_date else None
    if sqlite:
        return (t.id, sqlite_text(read_at), t.total_m3, t.target_m3, day.isoformat() if day else None,
                t.flow_m3h, " ".join(sorted(t.alarms)), "van", raw_id, key)
    return (t.id, read_at, t.total_m3, t.target_m3, day, t.flow_m3h, " ".join(sorted(t.alarms)), "van", raw_id, key)


def raw_row(batch_van: str, batch_seq: int, r: Record, t: Telegram | None, sqlite: bool = False) -> tuple[Any, ...]:
    """An archive row in ``bulk.RAW_COLS`` order; bad hex is archived as the text that came."""
    frame = r.frame if r.frame is not None else r.frame_text.encode("utf-8", "replace")
    return (batch_van, batch_seq, r.seq, frame, hashlib.sha256(frame).hexdigest(),
            sqlite_text(r.received_at) if sqlite else r.received_at,
            r.rssi_dbm, r.link_mode, r.dongle, r.heard_count, r.lat, r.lon,
            t.id if t is not None and t.id and len(t.id) <= 8 else None)


def ready_batch(batch: Batch, dec: KeyedDecoder, now: dt.datetime | None = None, sqlite: bool = False) -> ReadyBatch:
    """Decode every record of ``batch`` and build its rows (no database).

    ``sqlite``: instants and dates as the text SQLite stores, rendered here rather than in the process
    that writes (for SQLite the writer, which also runs SQLite's own work, is the busier of the two).
    """
    now = now or dt.datetime.now(dt.UTC)
    records = batch.records
    if any(records[i].seq > records[i + 1].seq for i in range(len(records) - 1)):
        records = sorted(records, key=lambda r: r.seq)
    van, seq = batch.van_id, batch.batch_seq
    raw: list[tuple[Any, ...]] = []
    readings: list[tuple[int, str, tuple[Any, ...]]] = []
    quarantine: list[tuple[int, str, str]] = []
    decode = dec.decode
    for i, rec in enumerate(records):
        t, reason, detail = decode(rec.frame)
        raw.append(raw_row(van, seq, rec, t, sqlite))
        if reason is not None or t is None:
            quarantine.append((i, reason or "corrupt", detail[:500]))
        else:
            key = dedupe_key(t)
            readings.append((i, key, reading_row(t, None, rec.received_at or now, key, sqlite)))
    return ReadyBatch(van, seq, raw, readings, quarantine)
