"""The invoice list of a logged-in customer in one prepared SQL statement, without the ORM.

``/invoices`` is the page customers open most (issue 12: p99 under 200 ms at 200 requests/s).  The general
request path (``web.open_ctx``) loads the session, the account and the party's contracts as ORM objects,
and the page then asks the ORM for the invoices and, per customer, for payments, invoices and notes:
nine statements and a transaction, each statement built, cache-keyed and turned into objects anew, in
three thread-pool hops.  Profiled, that was 2.7 ms of CPU per page on SQLite; on PostgreSQL the eleven
round trips (BEGIN … ROLLBACK) each wake a server process, which on a small machine is what saturates.

Here one statement, built once at import, answers everything in one round trip on an autocommit
connection (one statement is its own consistent snapshot): the session joined to its account (row kind
``s``), the issued invoices of the customer's own contracts (``l``, as ``party.invoices`` selects them),
and the customer's payments (``p``), issued invoices (``i``) and notes (``n``) for the paid/unpaid status
(``party.money``'s rule, FIFO by due date).  Nothing is written: a valid session is only read.

Everything that is not the plain case — no or expired session, a manager's account, an inactive
account — returns None, and the caller takes the general path, which handles it exactly as before.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from fastapi import Request
from sqlalchemy import Date, DateTime, Integer, Numeric, String, text
from sqlalchemy.engine import Engine

from ingest.ebok import security
from ingest.ebok.party import settle

PAGE = text("""
WITH s AS (
    SELECT s.csrf, s.lang, s.expires_at, a.id AS account_id, a.customer_id, a.email
    FROM portal_sessions s JOIN portal_accounts a ON a.id = s.account_id
    WHERE s.token_hash = :token AND a.status = 'active' AND a.customer_id IS NOT NULL)
SELECT 's' AS kind, s.account_id AS id, s.csrf AS number, s.lang AS contract_id, s.customer_id,
       s.email AS email, s.expires_at AS at, NULL AS period_start, NULL AS period_end, NULL AS issue_date,
       NULL AS due_date, NULL AS amount FROM s
UNION ALL
SELECT 'l', i.id, i.number, i.contract_id, i.customer_id, NULL, NULL, i.period_start, i.period_end,
       i.issue_date, i.due_date, i.gross
FROM invoices i JOIN contracts c ON c.contract_id = i.contract_id JOIN s ON c.customer_id = s.customer_id
WHERE i.status = 'issued'
UNION ALL
SELECT 'i', i.id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, i.due_date, i.gross
FROM invoices i JOIN s ON i.customer_id = s.customer_id WHERE i.status = 'issued'
UNION ALL
SELECT 'n', n.id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, n.due_date, n.amount
FROM portal_notes n JOIN s ON n.customer_id = s.customer_id
UNION ALL
SELECT 'p', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, p.amount
FROM portal_payments p JOIN s ON p.customer_id = s.customer_id
""").columns(kind=String, id=Integer, number=String, contract_id=String, customer_id=String, email=String,
             at=DateTime(timezone=True), period_start=Date, period_end=Date, issue_date=Date, due_date=Date,
             amount=Numeric(12, 2, asdecimal=True))


class Invoice:
    """An invoice row under the names ``invoices.html`` uses (``gross`` for the shared ``amount``)."""

    __slots__ = ("contract_id", "customer_id", "due_date", "gross", "id", "issue_date", "number", "period_end",
                 "period_start")

    def __init__(self, r: Any) -> None:
        self.id, self.number, self.contract_id, self.customer_id = r.id, r.number, r.contract_id, r.customer_id
        self.period_start, self.period_end, self.issue_date = r.period_start, r.period_end, r.issue_date
        self.due_date, self.gross = r.due_date, r.amount


class Customer:
    """Just enough of ``party.Party`` for ``base.html``: a logged-in party is truthy."""

    kind = "customer"

    def __init__(self, account_id: int, customer_id: str, email: str) -> None:
        self.account_id, self.label, self.email = account_id, customer_id, email


def paid_invoice_ids(items: list[Any]) -> set[int]:
    """Invoices the customer's payments cover (``party.settle``, the rule of ``party.money``)."""
    paid = sum((Decimal(r.amount) for r in items if r.kind == "p"), Decimal("0.00"))
    return settle(paid, [(r.due_date, r.kind, r.id, Decimal(r.amount)) for r in items if r.kind != "p"])[0]


def invoice_list(engine: Engine, request: Request) -> dict[str, Any] | None:
    """The values of ``invoices.html`` for the session's customer, or None for the general path."""
    from ingest.ebok.web import COOKIE

    token = request.cookies.get(COOKIE)
    if not token:
        return None
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        rows = conn.execute(PAGE, {"token": security.digest(token)}).all()
    s = next((r for r in rows if r.kind == "s"), None)
    if s is None:
        return None
    expires = s.at if s.at.tzinfo else s.at.replace(tzinfo=dt.UTC)
    if expires < dt.datetime.now(dt.UTC):
        return None
    listed = sorted((r for r in rows if r.kind == "l"), key=lambda r: (r.issue_date, r.number), reverse=True)
    covered = paid_invoice_ids([r for r in rows if r.kind in ("p", "i", "n")])
    return {"invoices": [Invoice(r) for r in listed], "csrf": s.number, "lang": s.contract_id,
            "paid": {r.id: r.id in covered if r.customer_id == s.customer_id else None for r in listed},
            "party": Customer(s.id, s.customer_id, s.email)}
