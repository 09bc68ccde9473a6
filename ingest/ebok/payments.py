"""Booking bank statements: MT940 (parsed by the maintained ``mt-940`` library) or a simple CSV.

A payment belongs to the customer whose virtual account number it was sent to, so no title has to be
read.  The statement is checked whole before anything is booked: a file that is not MT940, a CSV row
with a bad date, amount or NRB check digits rejects the file with the row named, and the database is
unchanged.  Each booked credit has a stable bank reference, so importing the same statement twice books
it once.  Credits to no known virtual account are listed as unmatched and left for staff.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.ebok import nrb
from ingest.ebok.models import Payment, VirtualAccount
from ingest.models.master import Customer

CSV_COLUMNS = ("booked_on", "amount", "account", "title", "reference")
NRB_IN_TEXT = re.compile(r"(?:PL)?((?:\d[ ]?){25}\d)")


class StatementError(ValueError):
    """The statement cannot be booked; the message names the file and the place."""


@dataclass
class Credit:
    booked_on: dt.date
    amount: Decimal
    account: str | None
    title: str
    bank_ref: str
    place: str


@dataclass
class BookingReport:
    booked: int = 0
    already: int = 0
    unmatched: list[str] = field(default_factory=list)
    total: Decimal = Decimal("0.00")


def ensure_virtual_accounts(db: Session, sort_code: str, prefix: str) -> dict[str, str]:
    """NRB → customer for every customer, creating the missing virtual accounts."""
    have = {v.customer_id: v.nrb for v in db.scalars(select(VirtualAccount)).all()}
    for cid in db.scalars(select(Customer.customer_id)).all():
        if cid not in have:
            have[cid] = nrb.virtual_nrb(sort_code, prefix, cid)
            db.add(VirtualAccount(customer_id=cid, nrb=have[cid]))
    db.flush()
    return {v: k for k, v in have.items()}


def _find_account(text: str, known: dict[str, str]) -> str | None:
    for m in NRB_IN_TEXT.finditer(text or ""):
        digits = m.group(1).replace(" ", "")
        if digits in known:
            return digits
    return None


def read_mt940(path: Path, known: dict[str, str]) -> list[Credit]:
    import mt940

    text = path.read_text(encoding="utf-8", errors="replace")
    if ":20:" not in text or (":61:" not in text and ":60F:" not in text):
        raise StatementError(f"{path}: not an MT940 statement (no :20: / :60F: / :61: fields)")
    try:
        statement = mt940.models.Transactions()
        statement.parse(text)
    except Exception as exc:  # the library raises plain ValueError/RuntimeError on broken fields
        raise StatementError(f"{path}: MT940 cannot be parsed: {exc}") from None
    ref = statement.data.get("transaction_reference")
    if not ref:
        raise StatementError(f"{path}: MT940 statement has no :20: transaction reference")
    credits: list[Credit] = []
    for i, t in enumerate(statement, start=1):
        d = t.data
        amount = d.get("amount")
        if amount is None or d.get("date") is None:
            raise StatementError(f"{path}: transaction {i}: :61: line has no date or amount")
        value = Decimal(amount.amount)
        if d.get("status", "C") not in ("C", "RD") or value <= 0:
            continue  # debits of the collection account are not customer payments
        details = " ".join(str(d.get(k) or "") for k in ("transaction_details", "extra_details", "customer_reference"))
        date = d["date"]
        credits.append(Credit(dt.date(date.year, date.month, date.day), value.quantize(Decimal("0.01")),
                              _find_account(details, known), re.sub(r"~\d\d", " ", details).strip()[:300],
                              f"mt940:{ref}:{d.get('bank_reference') or ''}:{i}", f"{path} transaction {i}"))
    return credits


def read_csv(path: Path) -> list[Credit]:
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    header = next(iter(csv.reader(io.StringIO(text.splitlines()[0] if text else "")))) if text else ()
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise StatementError(f"{path}: missing column(s) {', '.join(missing)} (expected {', '.join(CSV_COLUMNS)})")
    problems: list[str] = []
    credits: list[Credit] = []
    for n, row in enumerate(rows, start=2):
        try:
            day = dt.date.fromisoformat(row["booked_on"].strip())
        except ValueError:
            problems.append(f"{path}: row {n}, column booked_on: {row['booked_on']!r} is not a YYYY-MM-DD date")
            continue
        try:
            amount = Decimal(row["amount"].strip().replace(",", "."))
        except InvalidOperation:
            problems.append(f"{path}: row {n}, column amount: {row['amount']!r} is not a number")
            continue
        if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
            problems.append(f"{path}: row {n}, column amount: {row['amount']!r} is not a positive amount in grosze")
            continue
        try:
            account = nrb.validate(row["account"])
        except nrb.NrbError as exc:
            problems.append(f"{path}: row {n}, column account: {exc}")
            continue
        ref = row["reference"].strip()
        if not ref:
            problems.append(f"{path}: row {n}, column reference: empty (each bank entry needs its reference)")
            continue
        credits.append(Credit(day, amount, account, row["title"].strip()[:300], f"csv:{ref}", f"{path} row {n}"))
    if problems:
        raise StatementError("\n".join(problems))
    return credits


def book(db: Session, path: Path, sort_code: str, prefix: str) -> BookingReport:
    """Read and book ``path`` (MT940 unless it ends in .csv) in the caller's transaction."""
    known = ensure_virtual_accounts(db, sort_code, prefix)
    credits = read_csv(path) if path.suffix.lower() == ".csv" else read_mt940(path, known)
    report = BookingReport()
    existing = set(db.scalars(select(Payment.bank_ref).where(
        Payment.bank_ref.in_([c.bank_ref for c in credits]))).all()) if credits else set()
    for c in credits:
        if c.bank_ref in existing:
            report.already += 1
            continue
        if c.account is None or c.account not in known:
            report.unmatched.append(f"{c.place}: {c.amount} PLN on {c.booked_on} to no customer's virtual account "
                                    f"({c.title[:60]!r})")
            continue
        db.add(Payment(customer_id=known[c.account], booked_on=c.booked_on, amount=c.amount, account_nrb=c.account,
                       title=c.title, bank_ref=c.bank_ref))
        existing.add(c.bank_ref)
        report.booked += 1
        report.total += c.amount
    return report
