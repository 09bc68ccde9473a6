"""Switching a customer between paper invoices and e-invoices, from the next billing period.

The abonament rate depends on the settlement, and a period's rate may not change once it has begun, so
a switch made today takes effect on the first day of the contract's next billing period: a monthly
contract switched on 30 November is billed for November at the old rate and from 1 December at the new
one.  The contract's ``settlement`` column holds the latest choice at once (the portal shows it); the
``settlement_changes`` row keeps the value from before and the effective date, and billing from the
database (``billing_db.settlements_in_force``) uses the value in force in the billed period.  Invoices
of periods billed as e-invoice are the ones ``amr ebok send-invoices`` e-mails as PDFs.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.ebok.models import EInvoiceRequest
from ingest.models.master import BillingPeriodRow, Contract, MasterChange, SettlementChange

SETTLEMENTS = ("e-invoice", "paper")


@lru_cache(maxsize=1)
def default_anchor_month() -> int:
    """The billing settings' month in which cycles end when a contract names none (12: calendar years)."""
    from ingest.billing_inputs import make_rules

    return make_rules().default_anchor_month


def _month_start(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def next_period_start(db: Session, contract: Contract, today: dt.date) -> dt.date:
    """The first day of the contract's billing period after the one holding ``today``.

    Cycles as ``billing_rules.periods`` defines them: a cycle of n months ends in month M when
    ``(M − anchor) mod n = 0``; custom periods (cycle 0) come from ``billing_periods``, and without a
    later one listed the next month begins a new period.
    """
    month = today.year * 12 + today.month - 1
    n = int(contract.cycle_months or 0)
    if n > 0:
        anchor = int(contract.cycle_anchor_month or default_anchor_month())
        ahead = (n - ((month - (anchor - 1)) % n)) % n
        return _month_start(month + ahead + 1)
    later = db.scalars(select(BillingPeriodRow.period_start)
                       .where(BillingPeriodRow.contract_id == contract.contract_id,
                              BillingPeriodRow.period_start > today)
                       .order_by(BillingPeriodRow.period_start)).first()
    return later or _month_start(month + 1)


def switch(db: Session, customer_id: str, settlement: str, today: dt.date, account_id: int,
           email: str) -> dict[str, dt.date]:
    """Switch every contract of the customer (invoices go to one address); returns contract → effective date.

    A contract already on ``settlement`` (as its latest choice) is left alone.
    """
    if settlement not in SETTLEMENTS:
        raise ValueError(f"settlement {settlement!r}: use e-invoice or paper")
    source = f"ebok account {account_id}"
    changed: dict[str, dt.date] = {}
    for k in db.scalars(select(Contract).where(Contract.customer_id == customer_id)
                        .order_by(Contract.contract_id)).all():
        if k.settlement == settlement:
            continue
        effective = next_period_start(db, k, today)
        db.add(SettlementChange(contract_id=k.contract_id, previous=k.settlement, settlement=settlement,
                                effective_from=effective, source=source))
        db.add(MasterChange(table_name="contracts", row_key=k.contract_id, column_name="settlement",
                            old_value=k.settlement, new_value=settlement, source=source))
        k.settlement = settlement
        request = db.scalars(select(EInvoiceRequest).where(EInvoiceRequest.contract_id == k.contract_id)).first()
        if settlement == "e-invoice":  # the consent and the address e-invoices go to
            if request is None:
                request = EInvoiceRequest(contract_id=k.contract_id, account_id=account_id, email=email,
                                          effective_from=effective)
                db.add(request)
            request.account_id, request.email, request.effective_from = account_id, email, effective
            request.requested_at = dt.datetime.now(dt.UTC)
        elif request is not None:  # back to paper: the consent is withdrawn (the change stays logged)
            db.delete(request)
        changed[k.contract_id] = effective
    return changed


def pending(db: Session, contract_ids: list[str], today: dt.date) -> dict[str, SettlementChange]:
    """The latest change of each contract that is not in effect yet (shown with its date on the page)."""
    if not contract_ids:
        return {}
    rows = db.scalars(select(SettlementChange).where(SettlementChange.contract_id.in_(contract_ids),
                                                     SettlementChange.effective_from > today)
                      .order_by(SettlementChange.effective_from, SettlementChange.id)).all()
    return {r.contract_id: r for r in rows}
