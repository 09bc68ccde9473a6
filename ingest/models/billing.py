"""Billing results kept in the database: runs, numbered invoices, their lines, exceptions, registers.

Invoices are what customers see in the portal and what a tax inspector asks for, so they are stored
with their number, issue and due dates and Decimal money (two places), not recomputed on demand.  The
billed registers are the hand-over to the next period: ``ingest.billing_db`` feeds them back to the
engine so the next run starts where this one ended.  A run stays ``draft`` until it is issued; only a
draft run may be replaced by re-running its period.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, DateTime, Float, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ingest.models.base import Base

MONEY = Numeric(12, 2)


class BillingRun(Base):
    """One billing run of a closing month; ``status`` is ``draft`` or ``issued``."""

    __tablename__ = "billing_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    period: Mapped[str] = mapped_column(String(7), unique=True)  # YYYY-MM, the closing month
    status: Mapped[str] = mapped_column(String(8), default="draft")
    # "run" = billed here; "import" = registers billed by an earlier system (amr import billed_registers)
    origin: Mapped[str] = mapped_column(String(8), default="run")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    issued_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Invoice(Base):
    """One invoice of a contract and billing period, numbered from the configured pattern."""

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("contract_id", "period_start", "period_end"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("billing_runs.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), index=True)
    contract_id: Mapped[str] = mapped_column(ForeignKey("contracts.contract_id"), index=True)
    premises_id: Mapped[str | None] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(7))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    issue_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    net: Mapped[Decimal] = mapped_column(MONEY)
    vat: Mapped[Decimal] = mapped_column(MONEY)
    gross: Mapped[Decimal] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(String(8), default="draft")
    settlement: Mapped[str | None] = mapped_column(String(16))

    lines: Mapped[list[InvoiceLine]] = relationship(back_populates="invoice", cascade="all, delete-orphan",
                                                    order_by="InvoiceLine.line_no")


class InvoiceLine(Base):
    """One priced line of an invoice (the engine's invoice line, money as Decimal)."""

    __tablename__ = "invoice_lines"
    __table_args__ = (UniqueConstraint("invoice_id", "line_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(16))
    basis: Mapped[str | None] = mapped_column(String(40))
    tariff_group: Mapped[str | None] = mapped_column(String(64))
    price_from: Mapped[dt.date | None] = mapped_column(Date)
    price_to: Mapped[dt.date | None] = mapped_column(Date)
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))
    unit_price_net: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    net: Mapped[Decimal] = mapped_column(MONEY)
    vat_rate_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    vat: Mapped[Decimal] = mapped_column(MONEY)
    gross: Mapped[Decimal] = mapped_column(MONEY)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class BillingException(Base):
    """An exception of a run (missing read, estimate, alarm …) for staff to check before issuing."""

    __tablename__ = "billing_exceptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("billing_runs.id", ondelete="CASCADE"), index=True)
    contract_id: Mapped[str | None] = mapped_column(String(64), index=True)
    period: Mapped[str | None] = mapped_column(String(7))
    meter_id: Mapped[str | None] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(40))
    date: Mapped[str | None] = mapped_column(String(10))
    detail: Mapped[str | None] = mapped_column(Text)


class BilledRegister(Base):
    """The register a run billed a meter up to; the next period's run starts from it."""

    __tablename__ = "billed_registers"
    __table_args__ = (UniqueConstraint("run_id", "meter_id", "boundary_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("billing_runs.id", ondelete="CASCADE"), index=True)
    meter_id: Mapped[str] = mapped_column(String(8), index=True)
    boundary_date: Mapped[dt.date] = mapped_column(Date)
    register_m3: Mapped[float] = mapped_column(Float)
    basis: Mapped[str | None] = mapped_column(String(40))
