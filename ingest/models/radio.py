"""The radio side's bookkeeping: every frame as received, every batch received, and the quarantine.

``raw_frames`` keeps each record of each batch exactly as the van sent it (van, batch, seq, bytes,
reception metadata and a SHA-256 of the bytes), so nothing heard is ever lost even when it cannot be
decoded yet.  ``(van_id, batch_seq, seq)`` is unique, so a batch delivered twice archives nothing new.
``received_batches`` has one row per ``(van_id, batch_seq)``: it is how a redelivered batch is
recognised and receipted again with the counts of its first storage.  ``quarantine`` holds frames
that yielded no reading, with a precise reason, how often decoding was tried and when last.

``raw_frames`` is append-only and written at tens of thousands of rows a second, so it carries no
index beyond its primary key and ``(van_id, batch_seq, seq)``: an index on the hash or the meter is
one random B-tree insert per frame, and nothing reads frames that way (migration 0002 says more).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from ingest.models.base import Base


class ReceivedBatch(Base):
    """One stored batch of one van; a redelivery finds this row and is receipted with its counts."""

    __tablename__ = "received_batches"
    __table_args__ = (UniqueConstraint("van_id", "batch_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    van_id: Mapped[str] = mapped_column(String(64))
    batch_seq: Mapped[int] = mapped_column(Integer)
    records: Mapped[int] = mapped_column(Integer)
    stored: Mapped[int] = mapped_column(Integer)
    duplicates: Mapped[int] = mapped_column(Integer)
    quarantined: Mapped[int] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(String(16), default="mqtt")  # mqtt | import
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RawFrame(Base):
    """A frame exactly as a van received it, with where, when and how strongly."""

    __tablename__ = "raw_frames"
    __table_args__ = (UniqueConstraint("van_id", "batch_seq", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    van_id: Mapped[str] = mapped_column(String(64))
    batch_seq: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    frame: Mapped[bytes] = mapped_column(LargeBinary)
    frame_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 hex of the frame, unindexed (see above)
    received_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    rssi_dbm: Mapped[float | None] = mapped_column(Float)
    link_mode: Mapped[str | None] = mapped_column(String(8))
    dongle: Mapped[str | None] = mapped_column(String(64))
    heard_count: Mapped[int | None] = mapped_column(Integer)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    meter_id: Mapped[str | None] = mapped_column(String(8))  # from the link header, if parsable; unindexed


class Quarantine(Base):
    """A frame (or a whole unreadable payload) that gave no reading, and why."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    raw_frame_id: Mapped[int | None] = mapped_column(ForeignKey("raw_frames.id"), unique=True)
    van_id: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)  # a malformed batch payload, kept whole
    payload_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # a payload is kept once
    reason: Mapped[str] = mapped_column(String(40), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    last_try: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
