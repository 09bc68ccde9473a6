"""Meter readings from every source: the van's radio, customers, manual rounds, other systems, estimates.

One table for all sources, because billing wants one history per meter whatever its origin; ``source``
says where each row came from and ``raw_frame_id`` points a van reading at the archived frame it was
decoded from.  ``dedupe_key`` is what makes radio ingest idempotent: it is derived from the meter and
the telegram's own content (access number, registers, meter time), never from reception time, so the
same telegram heard twice or by two vans collides on the unique constraint and is stored once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Float, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ingest.models.base import Base

SOURCES = ("van", "customer", "manual", "import", "estimate")


class Reading(Base):
    """One register reading of one meter at one instant (UTC)."""

    __tablename__ = "readings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meter_id: Mapped[str] = mapped_column(String(8), index=True)  # a meters.meter_id (no FOREIGN KEY: migration 0004)
    read_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    total_m3: Mapped[float | None] = mapped_column(Float)
    target_m3: Mapped[float | None] = mapped_column(Float)
    target_date: Mapped[dt.date | None] = mapped_column(nullable=True)
    flow_m3h: Mapped[float | None] = mapped_column(Float)
    alarms: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(16))
    raw_frame_id: Mapped[int | None] = mapped_column(Integer, index=True)  # a raw_frames.id (idem)
    dedupe_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    submitted_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
