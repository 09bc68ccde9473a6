"""Readings and consumption, reading submission, the e-invoice switch, and correspondence (tickets).

A submitted reading goes through ``ingest.importers.self_readings.check_self_readings`` — the function
``amr import readings --source customer`` calls — so the portal refuses what the importer refuses, for
the same reason: the validator's reason code, worded in the page's language
(``messages.reading_reason``).  An accepted reading is stored with source ``customer`` and is read by
the next ``amr billing run --db``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response
from sqlalchemy import insert, select

from ingest.ebok import einvoice, forms
from ingest.ebok.chart import bars_svg
from ingest.ebok.messages import reading_reason
from ingest.ebok.models import Ticket
from ingest.ebok.web import Ctx, open_ctx
from ingest.models.billing import Invoice, InvoiceLine
from ingest.models.master import Meter

router = APIRouter()
C = Annotated[Ctx, Depends(open_ctx)]
KINDS = ("failure", "quality", "data_change")
KIND_PREFIX = {"failure": "AW", "quality": "RQ", "data_change": "ZD"}


def _readings_table():  # type: ignore[no-untyped-def]
    from ingest.models.base import Base

    return Base.metadata.tables["readings"]


@router.get("/contracts/{contract_id}")
def contract(c: C, contract_id: str) -> Response:
    p = c.need_party()
    k = p.contract(contract_id)
    meters = c.db.scalars(select(Meter).where(Meter.premises_id == k.premises_id)
                          .order_by(Meter.install_date)).all()
    t = _readings_table()
    since = dt.datetime.combine(k.start_date, dt.time(), dt.UTC)
    ids = [m.meter_id for m in meters]
    rows = c.db.execute(select(t.c.meter_id, t.c.read_at, t.c.total_m3, t.c.source)
                        .where(t.c.meter_id.in_(ids), t.c.read_at >= since)
                        .order_by(t.c.read_at.desc(), t.c.meter_id)).all() if ids else []
    usage = c.db.execute(select(Invoice.period_start, Invoice.period_end, InvoiceLine.quantity)
                         .join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
                         .where(Invoice.contract_id == k.contract_id, Invoice.status == "issued",
                                InvoiceLine.item == "water")).all()
    per: dict[tuple[dt.date, dt.date], float] = {}
    for start, end, qty in usage:
        per[(start, end)] = per.get((start, end), 0.0) + float(qty)
    points = [(f"{end:%Y-%m}", v) for (_s, end), v in sorted(per.items())]
    return c.page("contract.html", k=k, meters=meters, readings=rows, chart=bars_svg(points))


def _meter_choices(c: Ctx) -> list[Meter]:
    p = c.need_party()
    premises = sorted(p.premises_ids)
    if not premises:
        return []
    return list(c.db.scalars(select(Meter).where(Meter.premises_id.in_(premises), Meter.role.in_(("main", "garden")),
                                                 Meter.removal_date.is_(None)).order_by(Meter.meter_id)).all())


@router.get("/readings/submit")
def submit_form(c: C) -> Response:
    return c.page("submit.html", meters=_meter_choices(c), message=None, values={})


@router.post("/readings/submit")
def submit(c: C, meter_id: Annotated[str, Form()] = "", value: Annotated[str, Form()] = "",
           csrf: Annotated[str, Form()] = "") -> Response:
    from ingest.importers.readings import dedupe_key
    from ingest.importers.self_readings import SelfReading, check_self_readings

    c.check_csrf(csrf)
    meters = _meter_choices(c)
    values = {"meter_id": meter_id, "value": value}

    def again(message: str, status: int = 400) -> Response:
        return c.page("submit.html", status_code=status, meters=meters, message=message, error=True, values=values)

    if meter_id not in {m.meter_id for m in meters}:
        return again(c.t("not_found"), 404)
    if len(value) > forms.LIMITS["value"]:
        return again(c.t("field_too_long"))
    total = forms.decimal_pl(value)
    if total is None:
        return again(c.t("reading_not_number"))
    now = c.request.app.state.clock().astimezone(dt.UTC).replace(microsecond=0)
    verdict = check_self_readings(c.db, [SelfReading(meter_id, now, float(total))], now=now)[0]
    if not verdict.ok:
        c.audit("reading_rejected", f"meter={meter_id} total_m3={total}")
        return again(f"{c.t('reading_rejected')}: {reading_reason(c.lang, verdict.code, verdict.params)}", 422)
    c.db.execute(insert(_readings_table()).values(
        meter_id=meter_id, read_at=now, total_m3=float(total), target_m3=None, target_date=None, flow_m3h=None,
        alarms="", source="customer", raw_frame_id=None, dedupe_key=dedupe_key("customer", meter_id, now),
        submitted_by=f"ebok:{c.need_party().account_id}"))
    c.audit("reading", f"meter={meter_id} total_m3={total} flags={'; '.join(verdict.flags)}"[:500])
    return c.page("submit.html", meters=meters, message=c.t("reading_ok"), values={})


def _today(c: Ctx) -> dt.date:
    """The Polish calendar day of the app's clock (a switch's effective date depends on it)."""
    from zoneinfo import ZoneInfo

    return c.request.app.state.clock().astimezone(ZoneInfo("Europe/Warsaw")).date()


@router.get("/einvoice")
def einvoice_form(c: C) -> Response:
    p = c.need_party()
    return c.page("einvoice.html", contracts=sorted(p.contracts.values(), key=lambda k: k.contract_id),
                  pending=einvoice.pending(c.db, sorted(p.contracts), _today(c)), message=None)


@router.post("/einvoice")
def einvoice_switch(c: C, contract_id: Annotated[str, Form()] = "", settlement: Annotated[str, Form()] = "e-invoice",
                    csrf: Annotated[str, Form()] = "") -> Response:
    c.check_csrf(csrf)
    p = c.need_party()
    k = p.contract(contract_id)
    if not p.may_see_money(k.customer_id):
        c.audit("einvoice_refused", f"contract={k.contract_id}")
        return c.page("message.html", status_code=403, message=c.t("forbidden_manager"), error=True)
    if settlement not in einvoice.SETTLEMENTS:
        return c.page("message.html", status_code=400, message=c.t("not_found"), error=True)
    # one customer's switch covers all their contracts (invoices go to one address)
    changed = einvoice.switch(c.db, k.customer_id, settlement, _today(c), p.account_id, p.email)
    c.audit("einvoice" if settlement == "e-invoice" else "einvoice_off", f"customer={k.customer_id} " + " ".join(
        f"{cid}@{day}" for cid, day in changed.items()))
    return c.redirect("/einvoice?done=1")


@router.get("/tickets")
def tickets(c: C) -> Response:
    p = c.need_party()
    q = select(Ticket).where(Ticket.customer_id.in_(sorted(p.customer_ids))).order_by(Ticket.id.desc())
    rows = [t for t in c.db.scalars(q).all()
            if p.kind == "customer" or t.premises_id in p.premises_ids or t.account_id == p.account_id] \
        if p.customer_ids else []
    return c.page("tickets.html", tickets=rows, kinds=KINDS,
                  contracts=sorted(p.contracts.values(), key=lambda k: k.contract_id), message=None, values={})


@router.post("/tickets")
def file_ticket(c: C, kind: Annotated[str, Form()] = "", contract_id: Annotated[str, Form()] = "",
                subject: Annotated[str, Form()] = "", body: Annotated[str, Form()] = "",
                csrf: Annotated[str, Form()] = "") -> Response:
    c.check_csrf(csrf)
    p = c.need_party()
    k = p.contract(contract_id)
    values = {"kind": kind, "contract_id": contract_id, "subject": subject, "body": body}

    def again(message: str, status: int = 400) -> Response:
        return c.page("tickets.html", status_code=status, tickets=[], kinds=KINDS, message=message, error=True,
                      contracts=sorted(p.contracts.values(), key=lambda x: x.contract_id), values=values)

    if kind not in KINDS:
        return again(f"{c.t('ticket_kind')}: {c.t('required')}")
    if kind == "data_change" and not p.may_see_money(k.customer_id):
        c.audit("data_change_refused", f"contract={k.contract_id}")
        return again(c.t("forbidden_manager"), 403)
    long = forms.too_long({"subject": subject, "body": body})
    if long:
        return again(f"{c.t('field_too_long')}: {c.t('subject' if long == 'subject' else 'message')}")
    if not subject.strip() or not body.strip():
        return again(f"{c.t('subject')} / {c.t('message')}: {c.t('required')}")
    t = Ticket(number=f"tmp-{uuid.uuid4().hex[:20]}", kind=kind, customer_id=k.customer_id,
               premises_id=k.premises_id, account_id=p.account_id, subject=subject.strip(), body=body.strip())
    c.db.add(t)
    c.db.flush()
    t.number = f"{KIND_PREFIX[kind]}/{dt.date.today():%Y}/{t.id:06d}"
    c.audit("ticket", f"number={t.number}")
    c.db.flush()
    c.request.app.state.mailer.send(
        p.email, f"eBOK: {t.number}",
        f"Przyjęliśmy zgłoszenie / We have received your ticket {t.number}.\n\n"
        f"{c.t('kind_' + kind)} — {t.subject}\n\nUmowa / contract: {k.contract_id}\n")
    return c.redirect(f"/tickets/{t.id}?filed=1")


@router.get("/tickets/{ticket_id}")
def ticket(c: C, ticket_id: int, filed: int = 0) -> Response:
    from ingest.ebok import party as scope

    t = scope.ticket(c.db, c.need_party(), ticket_id)
    return c.page("ticket.html", ticket=t, filed=bool(filed))
