"""Money pages: dashboard with balance, invoices (+ PDF and payment details with QR), payments, notes."""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.ebok import lean, nrb
from ingest.ebok import party as scope
from ingest.ebok.models import Note, Payment, VirtualAccount
from ingest.ebok.pdf import invoice_pdf
from ingest.ebok.web import Ctx, open_ctx, render
from ingest.models.billing import InvoiceLine
from ingest.models.master import Customer, Premises

router = APIRouter()
C = Annotated[Ctx, Depends(open_ctx)]


def virtual_account(db: Session, settings: object, customer_id: str) -> str:
    """The customer's virtual NRB, created on first use (stable: derived from the customer number)."""
    row = db.get(VirtualAccount, customer_id)
    if row is None:
        row = VirtualAccount(customer_id=customer_id, nrb=nrb.virtual_nrb(
            settings.bank_sort_code, settings.account_prefix, customer_id))  # type: ignore[attr-defined]
        db.add(row)
        db.flush()
    return row.nrb


@router.get("/dashboard")
def dashboard(c: C) -> Response:
    p = c.need_party()
    customers = {cid: c.db.get(Customer, cid) for cid in sorted(p.customer_ids)}
    balances = {cid: scope.money(c.db, cid).balance for cid in customers if p.may_see_money(cid)}
    premises = {pid: c.db.get(Premises, pid) for pid in p.premises_ids}
    return c.page("dashboard.html", customers=customers, balances=balances, premises=premises,
                  contracts=sorted(p.contracts.values(), key=lambda k: k.contract_id))


@router.get("/invoices")
async def invoices(request: Request) -> Response:
    # one thread-pool hop for the whole page (a sync dependency plus a sync route take three)
    return await run_in_threadpool(_invoices, request)


def _invoices(request: Request) -> Response:
    values = lean.invoice_list(request.app.state.engine, request)
    if values is not None:  # a customer's valid session: one prepared statement, nothing written
        return render(request, "invoices.html", values)
    with contextmanager(open_ctx)(request) as c:  # anything else: the general path
        return _invoices_general(c)


def _invoices_general(c: Ctx) -> Response:
    p = c.need_party()
    rows = scope.invoices(c.db, p)
    paid: dict[int, bool | None] = {}
    states = {cid: scope.money(c.db, cid) for cid in p.customer_ids if p.may_see_money(cid)}
    for inv in rows:
        m = states.get(inv.customer_id)
        paid[inv.id] = None if m is None else inv.id in m.paid_invoice_ids
    return c.page("invoices.html", invoices=rows, paid=paid)


@router.get("/invoices/{invoice_id}")
def invoice(c: C, invoice_id: int) -> Response:
    p = c.need_party()
    inv = scope.invoice(c.db, p, invoice_id)
    lines = c.db.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == inv.id)
                         .order_by(InvoiceLine.line_no)).all()
    return c.page("invoice.html", inv=inv, lines=lines)


@router.get("/invoices/{invoice_id}/pdf")
def invoice_pdf_route(c: C, invoice_id: int) -> Response:
    p = c.need_party()
    inv = scope.invoice(c.db, p, invoice_id)
    data = render_pdf(c.db, c.settings, inv)
    c.audit("invoice_pdf", f"invoice={inv.number}")
    name = "faktura-" + inv.number.replace("/", "-") + ".pdf"
    return c.finish(Response(data, media_type="application/pdf",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'}))


def render_pdf(db: Session, settings: object, inv: object) -> bytes:
    lines = db.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == inv.id)  # type: ignore[attr-defined]
                       .order_by(InvoiceLine.line_no)).all()
    buyer = db.get(Customer, inv.customer_id)  # type: ignore[attr-defined]
    account = nrb.pretty(virtual_account(db, settings, inv.customer_id))  # type: ignore[attr-defined]
    return invoice_pdf(inv, list(lines), buyer, settings, account)


@router.get("/invoices/{invoice_id}/pay")
def pay(c: C, invoice_id: int) -> Response:
    p = c.need_party()
    inv = scope.invoice(c.db, p, invoice_id)
    account = virtual_account(c.db, c.settings, inv.customer_id)
    title = f"Faktura {inv.number}"
    payload = nrb.qr_payload(account, Decimal(inv.gross), c.settings.seller_short, title, c.settings.seller_nip)
    return c.page("pay.html", inv=inv, account=nrb.pretty(account), title=title, qr=nrb.qr_svg(payload),
                  payload=payload)


@router.get("/payments")
def payments(c: C) -> Response:
    p = c.need_party()
    allowed = sorted(cid for cid in p.customer_ids if p.may_see_money(cid))
    rows = c.db.scalars(select(Payment).where(Payment.customer_id.in_(allowed))
                        .order_by(Payment.booked_on.desc())).all() if allowed else []
    return c.page("payments.html", payments=rows, hidden=len(allowed) < len(p.customer_ids))


@router.get("/notes")
def notes(c: C) -> Response:
    p = c.need_party()
    allowed = sorted(cid for cid in p.customer_ids if p.may_see_money(cid))
    rows = c.db.scalars(select(Note).where(Note.customer_id.in_(allowed))
                        .order_by(Note.issue_date.desc())).all() if allowed else []
    return c.page("notes.html", notes=rows, hidden=len(allowed) < len(p.customer_ids))
