"""Master data: who is supplied where, through which meters, with which keys, at which prices.

The tables mirror the billing input folder (``ingest.billing_inputs``) column for column, so that a
folder imported here and read back by ``ingest.billing_db`` gives the billing engine the very frames it
would have read from the files: nothing billing needs is lost on the way through the database.
Meter keys live apart in ``meter_keys`` so that no query joins them in by accident, and every change an
importer makes to existing master data is written to ``master_changes`` (who/what/when, old → new).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from ingest.models.base import Base

ID = 64  # length of text ids (customer, premises, contract, tariff group)


class Customer(Base):
    """A party with a contract; ``customer_id`` is the 6-digit user number the portal logs in with."""

    __tablename__ = "customers"

    customer_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))


class Premises(Base):
    """A place supplied with water; persons and norm category matter when no meter measures it."""

    __tablename__ = "premises"

    premises_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    address: Mapped[str | None] = mapped_column(String(300))
    persons: Mapped[int | None] = mapped_column(Integer)
    norm_category: Mapped[str | None] = mapped_column(String(ID))
    sewered: Mapped[bool] = mapped_column(Boolean)


class Contract(Base):
    """A supply contract of one customer for one premises (columns as in the contracts input file)."""

    __tablename__ = "contracts"

    contract_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), index=True)
    premises_id: Mapped[str] = mapped_column(ForeignKey("premises.premises_id"), index=True)
    tariff_group: Mapped[str] = mapped_column(String(ID))
    cycle_months: Mapped[int] = mapped_column(Integer)
    cycle_anchor_month: Mapped[int | None] = mapped_column(Integer)
    settlement: Mapped[str] = mapped_column(String(16))
    water_service: Mapped[bool | None] = mapped_column(Boolean)
    sewage_service: Mapped[bool | None] = mapped_column(Boolean)
    sewage_fixed_m3: Mapped[float | None] = mapped_column(Float)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)


class Meter(Base):
    """A water meter; ``meter_id`` is the 8 digits printed on it, which is also its radio id."""

    __tablename__ = "meters"

    meter_id: Mapped[str] = mapped_column(String(8), primary_key=True)
    premises_id: Mapped[str] = mapped_column(ForeignKey("premises.premises_id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    manufacturer: Mapped[str | None] = mapped_column(String(3))
    install_date: Mapped[dt.date] = mapped_column(Date)
    removal_date: Mapped[dt.date | None] = mapped_column(Date)
    initial_m3: Mapped[float | None] = mapped_column(Float)
    final_m3: Mapped[float | None] = mapped_column(Float)
    register_digits: Mapped[int | None] = mapped_column(Integer)
    rollover_m3: Mapped[float | None] = mapped_column(Float)
    legalised_until: Mapped[dt.date | None] = mapped_column(Date)
    sealed: Mapped[bool] = mapped_column(Boolean, default=False)
    registered: Mapped[bool] = mapped_column(Boolean, default=False)
    faulty_from: Mapped[dt.date | None] = mapped_column(Date)
    faulty_to: Mapped[dt.date | None] = mapped_column(Date)
    replaces_meter_id: Mapped[str | None] = mapped_column(String(8))


class MeterKey(Base):
    """The AES-128 key of a meter.  Never selected by a query command, never logged."""

    __tablename__ = "meter_keys"

    meter_id: Mapped[str] = mapped_column(ForeignKey("meters.meter_id"), primary_key=True)
    key_hex: Mapped[str] = mapped_column(String(32))
    manufacturer: Mapped[str | None] = mapped_column(String(3))

    def __repr__(self) -> str:  # a stray repr in a log must not leak the key
        return f"MeterKey(meter_id={self.meter_id!r}, key_hex=<hidden>)"


class Tariff(Base):
    """Net prices per m³ of one tariff group over a validity range (inclusive)."""

    __tablename__ = "tariffs"
    __table_args__ = (UniqueConstraint("tariff_group", "valid_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tariff_group: Mapped[str] = mapped_column(String(ID), index=True)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    water_m3_net: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    sewage_m3_net: Mapped[Decimal] = mapped_column(Numeric(12, 4))


class Abonament(Base):
    """The monthly fixed charge of a tariff group, by settlement basis and invoice delivery."""

    __tablename__ = "abonaments"
    __table_args__ = (UniqueConstraint("tariff_group", "basis", "settlement", "valid_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tariff_group: Mapped[str] = mapped_column(String(ID), index=True)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    basis: Mapped[str] = mapped_column(String(16))
    settlement: Mapped[str] = mapped_column(String(16))
    abonament_month_net: Mapped[Decimal] = mapped_column(Numeric(12, 4))


class BillingPeriodRow(Base):
    """A custom billing period of a contract whose cycle_months is 0."""

    __tablename__ = "billing_periods"
    __table_args__ = (UniqueConstraint("contract_id", "period_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contract_id: Mapped[str] = mapped_column(ForeignKey("contracts.contract_id"), index=True)
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)


class Norm(Base):
    """A utility's own norm table row (replaces the shipped one when any row exists)."""

    __tablename__ = "norms"

    norm_category: Mapped[str] = mapped_column(String(ID), primary_key=True)
    sewered: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    m3_per_person_month: Mapped[float] = mapped_column(Float)


class MasterChange(Base):
    """One changed value of master data: what, where from, old and new (keys are never shown)."""

    __tablename__ = "master_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    table_name: Mapped[str] = mapped_column(String(40))
    row_key: Mapped[str] = mapped_column(String(200), index=True)
    column_name: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(300))


class SettlementChange(Base):
    """A change of a contract's invoice delivery (paper ↔ e-invoice) that applies from ``effective_from``.

    ``contracts.settlement`` holds the latest choice at once; billing a period that ends before a
    change's ``effective_from`` uses the change's ``previous`` value (``billing_db.settlements_in_force``),
    because the abonament rate may only change from the next billing period.
    """

    __tablename__ = "settlement_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contract_id: Mapped[str] = mapped_column(ForeignKey("contracts.contract_id"), index=True)
    previous: Mapped[str] = mapped_column(String(16))
    settlement: Mapped[str] = mapped_column(String(16))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    source: Mapped[str | None] = mapped_column(String(300))
