"""The staff queries themselves: readings of a meter or contract, unread meters, alarms, quarantine, invoices.

Instants are shown in Polish local time with their offset (staff compare them with the van's route
sheet); the store keeps UTC.  Dates given to ``--since`` are local days.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from ingest.billing_inputs import LOCAL_TZ
from ingest.models.billing import Invoice, InvoiceLine
from ingest.models.master import Contract, Meter

READING_COLUMNS = ["meter_id", "read_at", "total_m3", "target_m3", "target_date", "flow_m3h", "alarms", "source"]
UNREAD_COLUMNS = ["meter_id", "premises_id", "role", "manufacturer", "last_read_at", "last_source"]
ALARM_COLUMNS = ["meter_id", "premises_id", "read_at", "alarms", "source"]
INVOICE_COLUMNS = ["number", "customer_id", "contract_id", "period_start", "period_end", "issue_date", "due_date",
                   "net", "vat", "gross", "status"]
LINE_COLUMNS = ["line_no", "item", "basis", "tariff_group", "price_from", "price_to", "quantity", "unit",
                "unit_price_net", "net", "vat_rate_pct", "vat", "gross"]


class QueryError(ValueError):
    """A query argument names nothing (unknown meter, contract or invoice); the message says which."""


def _table(name: str) -> Table:
    import ingest.models  # noqa: F401
    from ingest.models.base import Base

    return Base.metadata.tables[name]


def local(value: dt.datetime | None) -> dt.datetime | None:
    """A stored instant (UTC; naive on SQLite) in Polish local time."""
    if value is None:
        return None
    aware = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
    return aware.astimezone(ZoneInfo(LOCAL_TZ))


def since_utc(day: dt.date) -> dt.datetime:
    """The start of local day ``day`` as a UTC instant."""
    return dt.datetime.combine(day, dt.time(), ZoneInfo(LOCAL_TZ)).astimezone(dt.UTC)


def _cmp_instant(session: Session, value: dt.datetime) -> dt.datetime:
    """SQLite keeps naive UTC text; PostgreSQL compares aware instants."""
    return value.replace(tzinfo=None) if session.get_bind().dialect.name == "sqlite" else value


def readings_show(session: Session, ident: str) -> list[dict[str, Any]]:
    """Every reading of a meter, or of every meter of a contract's premises, with its source, oldest first."""
    r = _table("readings")
    meter_ids: list[str]
    if session.get(Meter, ident) is not None:
        meter_ids = [ident]
    else:
        contract = session.get(Contract, ident)
        if contract is None:
            raise QueryError(f"{ident!r} is neither a meter id nor a contract id")
        meter_ids = list(session.execute(select(Meter.meter_id).where(Meter.premises_id == contract.premises_id)
                                         .order_by(Meter.meter_id)).scalars())
    rows = session.execute(select(*(r.c[c] for c in READING_COLUMNS)).where(r.c.meter_id.in_(meter_ids))
                           .order_by(r.c.meter_id, r.c.read_at, r.c.id)).mappings().all()
    return [{**row, "read_at": local(row["read_at"])} for row in rows]


def meters_unread(session: Session, since: dt.date) -> list[dict[str, Any]]:
    """Meters in service on or after ``since`` with no reading (any source but estimates) since then."""
    r = _table("readings")
    start = _cmp_instant(session, since_utc(since))
    last = (select(r.c.meter_id, func.max(r.c.read_at).label("last_read_at"))
            .where(r.c.source != "estimate").group_by(r.c.meter_id).subquery())
    q = (select(Meter.meter_id, Meter.premises_id, Meter.role, Meter.manufacturer, last.c.last_read_at)
         .outerjoin(last, last.c.meter_id == Meter.meter_id)
         .where((Meter.removal_date.is_(None)) | (Meter.removal_date >= since))
         .where((last.c.last_read_at.is_(None)) | (last.c.last_read_at < start))
         .order_by(Meter.meter_id))
    out = []
    for row in session.execute(q).mappings():
        src = None
        if row["last_read_at"] is not None:
            src = session.execute(select(r.c.source).where(r.c.meter_id == row["meter_id"],
                                                           r.c.read_at == row["last_read_at"]).limit(1)).scalar()
        out.append({**row, "last_read_at": local(row["last_read_at"]), "last_source": src})
    return out


def alarms_since(session: Session, since: dt.date) -> list[dict[str, Any]]:
    """Readings carrying alarms since local day ``since``, newest first."""
    r = _table("readings")
    q = (select(r.c.meter_id, Meter.premises_id, r.c.read_at, r.c.alarms, r.c.source)
         .outerjoin(Meter, Meter.meter_id == r.c.meter_id)
         .where(r.c.read_at >= _cmp_instant(session, since_utc(since)), r.c.alarms.is_not(None), r.c.alarms != "")
         .order_by(r.c.read_at.desc(), r.c.meter_id))
    return [{**row, "read_at": local(row["read_at"])} for row in session.execute(q).mappings()]


QUARANTINE_COLUMNS = ["id", "reason", "detail", "attempts", "last_try", "van_id", "batch_seq", "seq", "meter_id",
                      "received_at", "frame", "payload_bytes"]


def quarantine_list(session: Session) -> tuple[list[str], list[dict[str, Any]]]:
    """Every quarantined frame with its reason, attempts and last try, and where the frame came from.

    A quarantined frame is shown as hex (staff hand it to a driver developer); a whole malformed
    payload only by its size, since it can be megabytes.  Frames carry no keys.
    """
    q = _table("quarantine")
    f = _table("raw_frames")
    stmt = (select(q.c.id, q.c.reason, q.c.detail, q.c.attempts, q.c.last_try,
                   func.coalesce(f.c.van_id, q.c.van_id).label("van_id"), f.c.batch_seq, f.c.seq, f.c.meter_id,
                   f.c.received_at, f.c.frame, func.length(q.c.payload).label("payload_bytes"))
            .outerjoin(f, f.c.id == q.c.raw_frame_id).order_by(q.c.id))
    out = []
    for row in session.execute(stmt).mappings():
        item = dict(row)
        item["last_try"] = local(item["last_try"])
        item["received_at"] = local(item["received_at"])
        out.append(item)
    return QUARANTINE_COLUMNS, out


def invoices_list(session: Session, customer: str | None = None, contract: str | None = None,
                  period: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
    """Stored invoices, optionally of one customer, contract, closing month or status."""
    q = select(*(Invoice.__table__.c[c] for c in INVOICE_COLUMNS))
    if customer:
        q = q.where(Invoice.customer_id == customer)
    if contract:
        q = q.where(Invoice.contract_id == contract)
    if period:
        q = q.where(Invoice.period == period)
    if status:
        q = q.where(Invoice.status == status)
    return [dict(r) for r in session.execute(q.order_by(Invoice.number)).mappings()]


def invoice_detail(session: Session, number: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One invoice by number and its lines."""
    inv = session.execute(select(Invoice).where(Invoice.number == number)).scalar_one_or_none()
    if inv is None:
        raise QueryError(f"no invoice numbered {number!r}")
    head = {c: getattr(inv, c) for c in INVOICE_COLUMNS}
    lines = session.execute(select(*(InvoiceLine.__table__.c[c] for c in LINE_COLUMNS))
                            .where(InvoiceLine.invoice_id == inv.id).order_by(InvoiceLine.line_no)).mappings()
    return head, [dict(r) for r in lines]
