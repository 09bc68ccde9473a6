"""Decode a batch with the office's keys and store it exactly once: archive, readings, quarantine, receipt.

Why one function for MQTT, ``import-batch`` and the benchmarks: the exactly-once rules must not differ
by path.  ``store_batches`` runs inside the caller's transaction and writes

* one ``received_batches`` row per ``(van_id, batch_seq)`` — a redelivered batch finds it and gets the
  counts of its first storage back, nothing else is written;
* every record into ``raw_frames`` (nothing heard is lost, even when undecodable);
* one ``readings`` row per distinct telegram, keyed by ``dedupe_key`` = meter + a hash of the telegram's
  own content (manufacturer, version, type, access number, the decrypted application data and the
  decoded registers), never reception time or van, so two vans or a repeat give one reading;
* a ``quarantine`` row with a precise reason for every frame that gave no reading.

Quarantine reasons: ``unknown_meter`` (the radio id is not in ``meters``), ``no_key``, ``wrong_key``,
``unsupported_family`` (no driver knows the format), ``corrupt`` (bad hex, CRC, truncation, garbage) and
``malformed_payload`` (a payload that is not a batch; kept whole, see ``store_malformed``).
``store_batches`` stores several batches in one transaction with one statement per table (the consumer's
group commit, see ``ingest.consumer.service``); ``ingest.bulk`` holds the dialects' fast paths.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from decoders import Decoder
from decoders.keystore import KeyStore
from decoders.model import Telegram
from ingest.batch_rows import RAW_ID, ReadyBatch, dedupe_key, reading_row, ready_batch
from ingest.bulk import insert_raw_frames, insert_readings
from ingest.consumer.payload import Batch
from ingest.models.master import Meter, MeterKey
from ingest.models.radio import Quarantine, RawFrame, ReceivedBatch

RB = ReceivedBatch

REASONS = {"missing_key": "no_key", "wrong_key": "wrong_key", "unknown_format": "unsupported_family",
           "unsupported": "unsupported_family"}


@dataclass(slots=True)
class Receipt:
    """The contract-2 receipt body, plus whether this delivery was a duplicate of a stored batch."""

    van_id: str
    batch_seq: int
    stored: int
    duplicates: int
    quarantined: int
    redelivered: bool = False

    def body(self) -> dict[str, int]:
        return {"batch_seq": self.batch_seq, "stored": self.stored, "duplicates": self.duplicates,
                "quarantined": self.quarantined}


class KeyedDecoder:
    """A ``Decoder`` over the ``meter_keys`` table plus the set of known meters, reloadable on demand.

    Keys stay inside the ``KeyStore`` (which never shows them); nothing here logs or returns a key.
    """

    def __init__(self, session: Session) -> None:
        self.reload(session)

    def reload(self, session: Session) -> None:
        store = KeyStore()
        for meter_id, key_hex, manufacturer in session.execute(
                select(MeterKey.meter_id, MeterKey.key_hex, MeterKey.manufacturer)):
            try:
                store.add(meter_id, bytes.fromhex(key_hex), manufacturer or None)
            except ValueError:
                continue  # the importer rejects bad keys; a hand-edited row simply acts as no key
        self.meters: set[str] = set(session.scalars(select(Meter.meter_id)))
        self.decoder = Decoder(store)

    def decode(self, frame: bytes | None) -> tuple[Telegram | None, str | None, str]:
        """(telegram, None, "") for a reading, or (telegram|None, reason, detail) for the quarantine."""
        if frame is None:
            return None, "corrupt", "frame is not hexadecimal text"
        t = self.decoder.decode_safe(frame)
        if t.id is None:
            return t, "corrupt", t.error or "no link-layer address"
        if t.id not in self.meters:
            return t, "unknown_meter", f"meter {t.id} ({t.manufacturer}) is not in the meters table"
        if t.error is not None:
            return t, REASONS.get(t.reason or "", "corrupt"), t.error
        if t.total_m3 is None and t.target_m3 is None and t.flow_m3h is None:
            return t, "unsupported_family", "decoded, but no volume register was found"
        return t, None, ""


def store_batches(session: Session, items: Sequence[ReadyBatch], origin: str = "mqtt") -> list[Receipt]:
    """Store several decoded batches in the session's transaction (the caller commits); one receipt per batch.

    Why several at once: a commit has a fixed cost (a WAL sync; on PostgreSQL also round trips), and on
    SQLite it writes each index page the transaction touched once, however many keys landed on it.  So
    the consumer commits whatever batches queued up while it was busy in one go, and receipts each
    batch only after that commit.  The result is exactly what storing them one by one in this order gives:
    a telegram in two batches is stored by the first and a duplicate in the second, and a batch
    already stored (or twice in the group) gets the counts of its first storage, ``redelivered`` set.

    Every table gets one statement per group, rows sorted by their unique key, so two workers that
    store overlapping telegrams lock rows in one order (no deadlock).  The ``received_batches`` rows
    go in last: a worker racing another over the same batch fails earlier, on the archive's unique
    ``(van_id, batch_seq, seq)``, with ``IntegrityError``; the caller rolls back and calls again, and
    then finds the batch stored.
    """
    receipts: list[Receipt | None] = [None] * len(items)
    wanted = {(b.van_id, b.batch_seq) for b in items}
    known = {(v, s): (st, du, qu) for v, s, st, du, qu in session.execute(
        select(RB.van_id, RB.batch_seq, RB.stored, RB.duplicates, RB.quarantined)
        .where(or_(*(and_(RB.van_id == v, RB.batch_seq == s) for v, s in wanted))))} if wanted else {}
    first: dict[tuple[str, int], int] = {}  # batch -> index of its first copy in this group
    fresh: list[tuple[int, ReadyBatch]] = []
    for i, b in enumerate(items):
        k = (b.van_id, b.batch_seq)
        if k in known:
            receipts[i] = Receipt(b.van_id, b.batch_seq, *known[k], redelivered=True)
        elif k not in first:
            first[k] = i
            fresh.append((i, b))
    fresh.sort(key=lambda ib: (ib[1].van_id, ib[1].batch_seq))  # rows in the archive's key order (see ReadyBatch)
    now = dt.datetime.now(dt.UTC)
    raw = [row for _, b in fresh for row in b.raw]
    ids = insert_raw_frames(session, raw)  # in the rows' order
    readings: dict[str, tuple[Any, ...]] = {}
    owner: dict[str, int] = {}
    quarantine: list[dict[str, Any]] = []
    base = 0
    for i, b in fresh:
        for j, key, row in b.readings:
            if key not in readings:  # a repeat inside the group: the first copy makes the reading
                readings[key] = (*row[:RAW_ID], ids[base + j], *row[RAW_ID + 1:])
                owner[key] = i
        for j, reason, detail in b.quarantine:
            quarantine.append({"raw_frame_id": ids[base + j], "van_id": b.van_id, "reason": reason,
                               "detail": detail, "attempts": 1, "last_try": now})
        base += len(b.raw)
    new = insert_readings(session, [readings[k] for k in sorted(readings)])
    stored: dict[int, int] = {}
    for key in new:
        stored[owner[key]] = stored.get(owner[key], 0) + 1
    if quarantine:
        session.execute(insert(Quarantine.__table__), quarantine)
    heads = []
    for i, b in fresh:
        st, qu, n = stored.get(i, 0), len(b.quarantine), b.records
        receipts[i] = Receipt(b.van_id, b.batch_seq, st, n - qu - st, qu)
        heads.append({"van_id": b.van_id, "batch_seq": b.batch_seq, "records": n,
                      "stored": st, "duplicates": n - qu - st, "quarantined": qu, "origin": origin})
    if heads:
        session.execute(insert(RB.__table__), heads)
    out: list[Receipt] = []
    for i, b in enumerate(items):
        r = receipts[i]
        if r is None:  # a second copy of a batch earlier in this group
            r = receipts[first[(b.van_id, b.batch_seq)]]
            assert r is not None
            r = Receipt(r.van_id, r.batch_seq, r.stored, r.duplicates, r.quarantined, redelivered=True)
        out.append(r)
    return out


def store_with_retry(session_factory: Any, batch: Batch | ReadyBatch, dec: KeyedDecoder | None = None,
                     origin: str = "mqtt") -> Receipt:
    """One batch in its own transaction (decoded here with ``dec`` unless it comes as a ``ReadyBatch``),
    retried after losing a race to another worker."""
    if not isinstance(batch, ReadyBatch):
        if dec is None:
            raise TypeError("a Batch needs a KeyedDecoder to be decoded; pass a ReadyBatch otherwise")
        batch = ready_batch(batch, dec)
    return store_many_with_retry(session_factory, [batch], origin)[0]


def store_many_with_retry(session_factory: Any, items: Sequence[ReadyBatch], origin: str = "mqtt") -> list[Receipt]:
    """``store_batches`` in one transaction of its own, retried after losing a race to another worker."""
    for attempt in range(3):
        with session_factory() as session:
            try:
                receipts = store_batches(session, items, origin)
                session.commit()
                return receipts
            except IntegrityError:
                session.rollback()
                if attempt == 2:
                    raise
    raise AssertionError("unreachable")


def store_malformed(session: Session, payload: bytes, detail: str, van_id: str | None,
                    batch_seq: int | None, origin: str = "mqtt") -> Receipt | None:
    """Keep a payload that is not a valid batch, whole and once, with why; the consumer then moves on.

    When its van and batch number were readable the batch is also recorded as received (quarantined
    1), so the van gets a receipt and a redelivery is a duplicate like any other.
    """
    digest = hashlib.sha256(payload).hexdigest()
    if van_id is not None and batch_seq is not None:
        old = session.execute(select(ReceivedBatch).where(ReceivedBatch.van_id == van_id,
                                                          ReceivedBatch.batch_seq == batch_seq)).scalar_one_or_none()
        if old is not None:
            return Receipt(van_id, batch_seq, old.stored, old.duplicates, old.quarantined, redelivered=True)
        session.add(ReceivedBatch(van_id=van_id, batch_seq=batch_seq, records=0, stored=0, duplicates=0,
                                  quarantined=1, origin=origin))
    if session.scalar(select(Quarantine.id).where(Quarantine.payload_hash == digest)) is None:
        session.add(Quarantine(raw_frame_id=None, van_id=van_id, payload=payload, payload_hash=digest,
                               reason="malformed_payload", detail=detail[:500], attempts=1,
                               last_try=dt.datetime.now(dt.UTC)))
    session.flush()
    if van_id is not None and batch_seq is not None:
        return Receipt(van_id, batch_seq, 0, 0, 1)
    return None


@dataclass(slots=True)
class RedecodeReport:
    tried: int
    moved: int
    still: dict[str, int]
    moved_from: dict[str, int]


def redecode(session: Session, dec: KeyedDecoder) -> RedecodeReport:
    """Retry every quarantined frame; a frame that now decodes becomes a reading (or a duplicate of one)."""
    rows = session.execute(select(Quarantine, RawFrame).join(RawFrame, Quarantine.raw_frame_id == RawFrame.id)).all()
    now = dt.datetime.now(dt.UTC)
    still: dict[str, int] = {}
    moved_from: dict[str, int] = {}
    new: dict[str, tuple[Any, ...]] = {}
    for q, raw in rows:
        t, reason, detail = dec.decode(bytes(raw.frame))
        if reason is None and t is not None:
            key = dedupe_key(t)
            new.setdefault(key, reading_row(t, raw.id, raw.received_at or now, key))
            moved_from[q.reason] = moved_from.get(q.reason, 0) + 1
            session.delete(q)
        else:
            q.reason, q.detail, q.attempts, q.last_try = reason or "corrupt", detail[:500], q.attempts + 1, now
            still[q.reason] = still.get(q.reason, 0) + 1
    insert_readings(session, [new[k] for k in sorted(new)])
    session.flush()
    return RedecodeReport(len(rows), sum(moved_from.values()), still, moved_from)
