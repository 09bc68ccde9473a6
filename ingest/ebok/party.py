"""Who is logged in and what they may see: every object lookup of the portal goes through ``Party``.

A customer sees their own contracts.  A property manager sees the contracts on the premises assigned to
them; for a customer of whose premises they run only part, the customer-wide things — balance, payments,
notes, the e-invoice switch (it applies to every premises) and changes of the customer's data — stay
hidden (``full_customer_ids`` holds the customers whose premises the manager runs all of).  Lookups
that miss answer 404, never 403, so an id typed into a URL does not even confirm that it exists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fastapi import HTTPException
from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.ebok.models import ManagerPremises, Note, Payment, PortalAccount, Ticket
from ingest.models.billing import Invoice
from ingest.models.master import Contract, Meter


@dataclass
class Party:
    account_id: int
    kind: str  # customer | manager
    label: str
    email: str
    contracts: dict[str, Any] = field(default_factory=dict)  # contract_id -> Contract
    full_customer_ids: set[str] = field(default_factory=set)

    @property
    def customer_ids(self) -> set[str]:
        return {c.customer_id for c in self.contracts.values()}

    @property
    def premises_ids(self) -> set[str]:
        return {c.premises_id for c in self.contracts.values()}

    def contract(self, contract_id: str) -> Any:
        c = self.contracts.get(contract_id)
        if c is None:
            raise HTTPException(404)
        return c

    def may_see_money(self, customer_id: str) -> bool:
        return customer_id in self.full_customer_ids


def load_party(db: Session, account: PortalAccount) -> Party:
    if account.customer_id is not None:
        contracts = db.scalars(select(Contract).where(Contract.customer_id == account.customer_id)).all()
        party = Party(account.id, "customer", account.customer_id, account.email,
                      {c.contract_id: c for c in contracts}, {account.customer_id})
        return party
    premises = set(db.scalars(select(ManagerPremises.premises_id)
                              .where(ManagerPremises.manager_id == account.manager_id)).all())
    contracts = db.scalars(select(Contract).where(Contract.premises_id.in_(sorted(premises)))).all() \
        if premises else []
    customers = {c.customer_id for c in contracts}
    full = set(customers)
    if customers:
        for cust, prem in db.execute(select(Contract.customer_id, Contract.premises_id)
                                     .where(Contract.customer_id.in_(sorted(customers)))):
            if prem not in premises:
                full.discard(cust)
    return Party(account.id, "manager", f"manager {account.manager_id}", account.email,
                 {c.contract_id: c for c in contracts}, full)


def invoices(db: Session, party: Party) -> list[Invoice]:
    if not party.contracts:
        return []
    return list(db.scalars(select(Invoice).where(Invoice.contract_id.in_(sorted(party.contracts)),
                                                 Invoice.status == "issued")
                           .order_by(Invoice.issue_date.desc(), Invoice.number.desc())).all())


def invoice(db: Session, party: Party, invoice_id: int) -> Invoice:
    inv = db.get(Invoice, invoice_id)
    if inv is None or inv.status != "issued" or inv.contract_id not in party.contracts:
        raise HTTPException(404)
    return inv


def ticket(db: Session, party: Party, ticket_id: int) -> Ticket:
    t = db.get(Ticket, ticket_id)
    if t is None or t.customer_id not in party.customer_ids:
        raise HTTPException(404)
    if party.kind == "manager" and t.premises_id not in party.premises_ids and t.account_id != party.account_id:
        raise HTTPException(404)
    return t


def meters_of(db: Session, party: Party, contract_ids: list[str] | None = None) -> list[Meter]:
    premises = sorted({party.contracts[c].premises_id for c in (contract_ids or party.contracts)})
    if not premises:
        return []
    return list(db.scalars(select(Meter).where(Meter.premises_id.in_(premises))
                           .order_by(Meter.premises_id, Meter.install_date)).all())


@dataclass
class Money:
    """A customer's balance and which invoices/notes the payments cover (oldest due first)."""

    paid_total: Decimal
    charged_total: Decimal
    paid_invoice_ids: set[int]
    paid_note_ids: set[int]

    @property
    def balance(self) -> Decimal:
        return self.paid_total - self.charged_total


def money(db: Session, customer_id: str) -> Money:
    pays = db.scalars(select(Payment.amount).where(Payment.customer_id == customer_id)).all()
    paid = sum((Decimal(p) for p in pays), Decimal("0.00"))
    items: list[tuple[dt.date, str, int, Decimal]] = []
    for i in db.execute(select(Invoice.id, Invoice.due_date, Invoice.gross)
                        .where(Invoice.customer_id == customer_id, Invoice.status == "issued")):
        items.append((i.due_date, "i", i.id, Decimal(i.gross)))
    for n in db.execute(select(Note.id, Note.due_date, Note.amount).where(Note.customer_id == customer_id)):
        items.append((n.due_date, "n", n.id, Decimal(n.amount)))
    done_i, done_n = settle(paid, items)
    charged = sum((a for *_, a in items), Decimal("0.00"))
    return Money(paid, charged, done_i, done_n)


def settle(paid: Decimal, items: list[tuple[dt.date, str, int, Decimal]]) -> tuple[set[int], set[int]]:
    """The invoices (kind ``i``) and notes (``n``) that ``paid`` covers, oldest due first, stopping at
    the first one it cannot cover whole: a transfer without a title settles the oldest debt."""
    left = paid
    done_i: set[int] = set()
    done_n: set[int] = set()
    for _due, kind, ident, amount in sorted(items):
        if left < amount:
            break
        left -= amount
        (done_i if kind == "i" else done_n).add(ident)
    return done_i, done_n
