"""The portal's own tables: accounts, sessions, managers, tickets, money, virtual accounts, audit log.

They live on the shared ``Base`` so Alembic and ``create_all`` see one schema with the ingest tables.
Secrets are never stored in the clear: passwords as argon2id hashes, activation/reset/session tokens as
SHA-256 digests (a leaked table must not let anyone log in).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from ingest.models.base import Base

MONEY = Numeric(12, 2)


class PortalAccount(Base):
    """A login: either a customer's (``customer_id``) or a property manager's (``manager_id``)."""

    __tablename__ = "portal_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.customer_id"), unique=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("portal_managers.id"), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | active | locked
    token_hash: Mapped[str | None] = mapped_column(String(64), index=True)  # activation or reset
    token_kind: Mapped[str | None] = mapped_column(String(10))
    token_expires: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    lang: Mapped[str] = mapped_column(String(2), default="pl")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    activated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class PortalSession(Base):
    """A server-side session; the cookie carries a random token whose digest is the key here."""

    __tablename__ = "portal_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("portal_accounts.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    captcha: Mapped[str | None] = mapped_column(String(12))
    lang: Mapped[str] = mapped_column(String(2), default="pl")
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Manager(Base):
    """A property manager's company (administrator / zarządca nieruchomości), created by staff."""

    __tablename__ = "portal_managers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    company: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))


class ManagerPremises(Base):
    """A premises a manager runs."""

    __tablename__ = "portal_manager_premises"

    manager_id: Mapped[int] = mapped_column(ForeignKey("portal_managers.id", ondelete="CASCADE"), primary_key=True)
    premises_id: Mapped[str] = mapped_column(ForeignKey("premises.premises_id"), primary_key=True)


class Ticket(Base):
    """Correspondence: failure report, water-quality complaint or data-change request."""

    __tablename__ = "portal_tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # failure | quality | data_change
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), index=True)
    premises_id: Mapped[str | None] = mapped_column(ForeignKey("premises.premises_id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("portal_accounts.id"))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | closed
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str | None] = mapped_column(Text)


class Payment(Base):
    """A booked payment (wpłata), from a bank statement; ``bank_ref`` makes re-imports idempotent."""

    __tablename__ = "portal_payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), index=True)
    booked_on: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    account_nrb: Mapped[str] = mapped_column(String(26))
    title: Mapped[str | None] = mapped_column(String(300))
    bank_ref: Mapped[str] = mapped_column(String(120), unique=True)


class Note(Base):
    """A note (nota), e.g. interest on a late payment: a charge that is not a VAT invoice."""

    __tablename__ = "portal_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="interest")
    issue_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    description: Mapped[str] = mapped_column(String(300))


class VirtualAccount(Base):
    """The customer's own NRB: transfers to it are matched to the customer without reading the title."""

    __tablename__ = "portal_virtual_accounts"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), primary_key=True)
    nrb: Mapped[str] = mapped_column(String(26), unique=True)


class EInvoiceRequest(Base):
    """A switch to electronic invoices; it changes the contract's settlement from ``effective_from``."""

    __tablename__ = "portal_einvoice"
    __table_args__ = (UniqueConstraint("contract_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contract_id: Mapped[str] = mapped_column(ForeignKey("contracts.contract_id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("portal_accounts.id"))
    email: Mapped[str] = mapped_column(String(254))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    effective_from: Mapped[dt.date] = mapped_column(Date)


class AuditEntry(Base):
    """An audit log line: logins (good and bad) and every change made through the portal."""

    __tablename__ = "portal_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    account_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(String(500))
    ip: Mapped[str | None] = mapped_column(String(64))


class ThrottleEvent(Base):
    """A failed login or a registration/reset attempt, kept for the throttle's one-minute window.

    In the database, not in process memory, so every ``amr ebok serve`` worker counts the same attempts.
    ``key`` is the SHA-256 of scope and key (client address, login name): no e-mail addresses kept here.
    """

    __tablename__ = "portal_throttle"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
