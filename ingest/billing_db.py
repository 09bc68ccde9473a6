"""Billing from the database: load the engine's frames from SQL, store invoices, lines, exceptions, registers.

The inputs are read from the tables into the same raw shapes the billing folder has and pass through
``billing_inputs.parse_tables`` — the very validation and typing ``--data`` uses — so the engine gets
identical frames whichever way the data came, and ``--db`` bills exactly what ``--data`` bills.

Hand-over between periods needs no copying: the registers billed by every earlier run are fed back as
``billed_registers``, so the next period opens where the last one closed.  A run stays a draft until it
is issued (``issue_period``); re-running a draft period replaces it whole, an issued period is refused.

A contract's settlement (paper or e-invoice, which selects the abonament rate) is the one in force in the
billed period: a switch made in the portal takes effect from the next billing period
(``settlement_changes``), so a period that ends before the switch's effective date is billed, and its
invoices marked, with the value from before the switch (``settlements_in_force``).

Invoice numbers come from a pattern (``DEFAULT_NUMBER_PATTERN``, Python format fields ``customer_id``,
``year``, ``month``, ``seq``, ``contract_id``, ``period``).  The default begins with the customer id,
which the portal treats as the user number, and numbers the customer's invoices of the closing month
01, 02, …
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from billing_rules.engine import bill
from billing_rules.types import SOURCES, BillingInputs, BillingResult, Rules
from ingest.billing_inputs import LOCAL_TZ, SCHEMAS, make_rules, parse_tables
from ingest.models.billing import BilledRegister, BillingException, BillingRun, Invoice, InvoiceLine
from ingest.models.master import (
    Abonament,
    BillingPeriodRow,
    Contract,
    Customer,
    Meter,
    Norm,
    Premises,
    SettlementChange,
    Tariff,
)

DEFAULT_NUMBER_PATTERN = "{customer_id}/{year}/{month:02}/{seq:02}"
DEFAULT_DUE_DAYS = 14  # payment term printed on the invoice; a utility's regulations may set another
CENT = Decimal("0.01")


class BillingRefused(ValueError):
    """The run cannot be stored (issued period, bad number pattern); the message says why."""


@dataclass
class StoredRun:
    run_id: int
    period: str
    invoices: int
    lines: int
    exceptions: int
    registers: int
    replaced: bool
    later: list[str]  # periods billed after this one: they started from registers this run replaced


def _frame(session: Session, name: str, model: Any, order: list[Any], columns: list[str] | None = None) -> pd.DataFrame:
    cols = columns or [c.name for c in SCHEMAS[name]]
    table = model.__table__
    rows = session.execute(select(*(table.c[c] for c in cols)).order_by(*order)).all()
    return pd.DataFrame.from_records(rows, columns=cols).astype(object)


def _readings(session: Session) -> pd.DataFrame:
    from ingest.models.base import Base

    t = Base.metadata.tables["readings"]
    cols = ["meter_id", "read_at", "total_m3", "target_m3", "target_date", "source", "alarms"]
    rows = session.execute(select(*(t.c[c] for c in cols)).where(t.c.source.in_(SOURCES)).order_by(t.c.id)).all()
    frame = pd.DataFrame.from_records(rows, columns=cols)
    # instants are stored in UTC (naive on SQLite); billing days are Polish local days
    at = pd.to_datetime(frame["read_at"], utc=True)
    frame["read_at"] = at.dt.tz_convert(LOCAL_TZ).dt.tz_localize(None)
    for c in ("meter_id", "target_date", "source", "alarms"):
        frame[c] = frame[c].astype(object)
    return frame


def _billed_registers(session: Session, period: str) -> pd.DataFrame:
    """Registers billed by runs of earlier closing months: the next period starts from them."""
    cols = ["meter_id", "boundary_date", "register_m3", "basis"]
    q = (select(*(BilledRegister.__table__.c[c] for c in cols))
         .join(BillingRun, BillingRun.id == BilledRegister.run_id)
         .where(BillingRun.period < period).order_by(BillingRun.period, BilledRegister.id))
    frame = pd.DataFrame.from_records(session.execute(q).all(), columns=cols).astype(object)
    # one register per meter and boundary: a later run's value wins
    return frame.drop_duplicates(["meter_id", "boundary_date"], keep="last").reset_index(drop=True)


def last_day(period: str) -> dt.date:
    """The last day of the closing month ``YYYY-MM``: every contract-period billed in the run ends by it."""
    year, month = int(period[:4]), int(period[5:7])
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def settlements_in_force(session: Session, day: dt.date) -> dict[str, str]:
    """contract_id → the settlement in force on ``day``.

    ``contracts.settlement`` is the latest choice; while a change's ``effective_from`` is still after
    ``day``, the value before the earliest such change applies.  Effective dates are first days of
    billing periods, so a billed period never straddles one and its last day speaks for all of it.
    """
    current = dict(session.execute(select(Contract.contract_id, Contract.settlement)).all())
    pending = session.execute(select(SettlementChange.contract_id, SettlementChange.previous)
                              .where(SettlementChange.effective_from > day)
                              .order_by(SettlementChange.contract_id, SettlementChange.effective_from.desc(),
                                        SettlementChange.id.desc())).all()
    for contract_id, previous in pending:  # the last one assigned is the earliest pending change
        current[contract_id] = previous
    return current


def load_inputs(session: Session, period: str,
                settings: dict[str, Any] | None = None) -> tuple[BillingInputs, Rules]:
    """The engine's typed inputs from the database, validated by the folder loader's own parser."""
    raw = {
        "customers": _frame(session, "customers", Customer, [Customer.customer_id]),
        "premises": _frame(session, "premises", Premises, [Premises.premises_id]),
        "contracts": _frame(session, "contracts", Contract, [Contract.contract_id]),
        "meters": _frame(session, "meters", Meter, [Meter.meter_id]),
        "readings": _readings(session),
        "tariffs": _frame(session, "tariffs", Tariff, [Tariff.tariff_group, Tariff.valid_from]),
        "abonaments": _frame(session, "abonaments", Abonament, [Abonament.id]),
        "billing_periods": _frame(session, "billing_periods", BillingPeriodRow,
                                  [BillingPeriodRow.contract_id, BillingPeriodRow.period_start]),
        "billed_registers": _billed_registers(session, period),
    }
    in_force = settlements_in_force(session, last_day(period))
    raw["contracts"]["settlement"] = raw["contracts"]["contract_id"].map(in_force).astype(object)
    norms = _frame(session, "norms", Norm, [Norm.norm_category, Norm.sewered])
    if len(norms):
        raw["norms"] = norms
    files = {name: f"database table {name}" for name in raw}
    inputs, norm_table = parse_tables(raw, files, {name: False for name in raw})
    return inputs, make_rules(settings, norm_table)


def run_from_db(session: Session, period: str, contract_ids: list[str] | None = None,
                settings: dict[str, Any] | None = None) -> tuple[BillingResult, Rules]:
    """Bill ``period`` on the database's inputs (nothing is stored; see ``store_run``)."""
    inputs, rules = load_inputs(session, period, settings)
    return bill(inputs, rules, period, contract_ids), rules


def _money(value: Any) -> Decimal:
    return (Decimal(round(float(value) * 100)) * CENT).quantize(CENT)


def _date(value: Any) -> dt.date:
    return pd.Timestamp(value).date()


def _number(pattern: str, **fields: Any) -> str:
    try:
        return pattern.format(**fields)
    except (KeyError, IndexError, ValueError) as exc:
        raise BillingRefused(f"invoice number pattern {pattern!r} cannot be filled: {exc!r}; fields are "
                             "customer_id, year, month, seq, contract_id, period") from None


def check_pattern(pattern: str) -> None:
    """Refuse a pattern that cannot be filled or cannot tell two invoices of a customer apart."""
    a = _number(pattern, customer_id="123456", year=2026, month=10, seq=1, contract_id="K1", period="2026-10")
    b = _number(pattern, customer_id="123456", year=2026, month=10, seq=2, contract_id="K2", period="2026-10")
    if a == b:
        raise BillingRefused(f"invoice number pattern {pattern!r} gives one number to two invoices; "
                             "it needs {seq} or {contract_id}")


def _clear_run(session: Session, run_id: int) -> None:
    inv = select(Invoice.id).where(Invoice.run_id == run_id)
    session.execute(delete(InvoiceLine).where(InvoiceLine.invoice_id.in_(inv)))
    session.execute(delete(Invoice).where(Invoice.run_id == run_id))
    session.execute(delete(BillingException).where(BillingException.run_id == run_id))
    session.execute(delete(BilledRegister).where(BilledRegister.run_id == run_id))
    session.execute(delete(BillingRun).where(BillingRun.id == run_id))


def store_run(session: Session, period: str, result: BillingResult, *, issue_date: dt.date | None = None,
              due_days: int = DEFAULT_DUE_DAYS, pattern: str = DEFAULT_NUMBER_PATTERN,
              settlements: dict[str, str] | None = None) -> StoredRun:
    """Store a run's invoices, lines, exceptions and registers, replacing a draft run of the period."""
    check_pattern(pattern)
    existing = session.execute(select(BillingRun).where(BillingRun.period == period)).scalar_one_or_none()
    replaced = False
    if existing is not None:
        if existing.status == "issued":
            when = f" on {existing.issued_at:%Y-%m-%d}" if existing.issued_at else ""
            raise BillingRefused(f"period {period} was issued{when}; its invoices are final and cannot be "
                                 "billed again (issue a correction instead)")
        _clear_run(session, existing.id)
        replaced = True
    session.flush()
    run = BillingRun(period=period, status="draft")
    session.add(run)
    session.flush()
    issue = issue_date or dt.date.today()
    due = issue + dt.timedelta(days=due_days)
    year, month = int(period[:4]), int(period[5:7])
    lines = result.lines
    if settlements is None:  # e-invoice or paper, as in force in the billed period
        settlements = settlements_in_force(session, last_day(period))
    invoices: list[dict[str, Any]] = []
    if len(lines):
        heads = (lines.groupby(["customer_id", "contract_id", "period_start", "period_end"], sort=True)
                 .agg(premises_id=("premises_id", "first"), net=("net_pln", "sum"), vat=("vat_pln", "sum"))
                 .reset_index())
        seq: dict[str, int] = {}
        for h in heads.itertuples(index=False):
            seq[h.customer_id] = seq.get(h.customer_id, 0) + 1
            net, vat = _money(h.net), _money(h.vat)
            invoices.append({
                "number": _number(pattern, customer_id=h.customer_id, year=year, month=month,
                                  seq=seq[h.customer_id], contract_id=h.contract_id, period=period),
                "run_id": run.id, "customer_id": h.customer_id, "contract_id": h.contract_id,
                "premises_id": h.premises_id, "period": period, "period_start": _date(h.period_start),
                "period_end": _date(h.period_end), "issue_date": issue, "due_date": due, "net": net, "vat": vat,
                "gross": net + vat, "status": "draft", "settlement": settlements.get(h.contract_id),
            })
        numbers = [i["number"] for i in invoices]
        clash = session.execute(select(Invoice.number).where(Invoice.number.in_(numbers[:30000]))).first()
        if len(set(numbers)) != len(numbers) or clash is not None:
            raise BillingRefused(f"invoice number pattern {pattern!r} repeats a number "
                                 f"({clash[0] if clash else 'within this run'})")
        session.execute(insert(Invoice), invoices)
        ids = {(c, s): i for i, c, s in session.execute(
            select(Invoice.id, Invoice.contract_id, Invoice.period_start).where(Invoice.run_id == run.id))}
        rows = []
        for ln in lines.itertuples(index=False):
            rows.append({
                "invoice_id": ids[(ln.contract_id, _date(ln.period_start))], "line_no": int(ln.line_no),
                "item": str(ln.item), "basis": None if pd.isna(ln.basis) else str(ln.basis),
                "tariff_group": ln.tariff_group, "price_from": None if pd.isna(ln.price_from) else _date(ln.price_from),
                "price_to": None if pd.isna(ln.price_to) else _date(ln.price_to), "quantity": float(ln.quantity),
                "unit": str(ln.unit), "unit_price_net": Decimal(repr(float(ln.unit_price_net))).quantize(
                    Decimal("0.0001")), "net": _money(ln.net_pln), "vat_rate_pct": Decimal(repr(float(
                        ln.vat_rate_pct))).quantize(CENT), "vat": _money(ln.vat_pln), "gross": _money(ln.gross_pln),
            })
        session.execute(insert(InvoiceLine), rows)
    exc_rows = [{"run_id": run.id, **{k: (None if pd.isna(v) else str(v)) for k, v in rec.items()}}
                for rec in result.exceptions.to_dict("records")]
    if exc_rows:
        session.execute(insert(BillingException), exc_rows)
    reg_rows = [{"run_id": run.id, "meter_id": str(r["meter_id"]), "boundary_date": _date(r["boundary_date"]),
                 "register_m3": float(r["register_m3"]), "basis": None if pd.isna(r["basis"]) else str(r["basis"])}
                for r in result.registers.to_dict("records")]
    if reg_rows:
        session.execute(insert(BilledRegister), reg_rows)
    session.flush()
    later = list(session.execute(select(BillingRun.period).where(BillingRun.period > period, BillingRun.origin == "run")
                                 .order_by(BillingRun.period)).scalars()) if replaced else []
    return StoredRun(run.id, period, len(invoices), len(lines), len(exc_rows), len(reg_rows), replaced, later)


def issue_period(session: Session, period: str, when: dt.datetime | None = None) -> int:
    """Mark the period's run and its invoices issued (final); returns the number of invoices issued."""
    run = session.execute(select(BillingRun).where(BillingRun.period == period)).scalar_one_or_none()
    if run is None:
        raise BillingRefused(f"period {period} has no billing run to issue; run `amr billing run --db` first")
    if run.status == "issued":
        raise BillingRefused(f"period {period} is already issued")
    run.status = "issued"
    run.issued_at = when or dt.datetime.now(dt.UTC)
    session.execute(update(Invoice).where(Invoice.run_id == run.id).values(status="issued"))
    session.flush()
    return int(session.execute(select(func.count()).select_from(Invoice).where(Invoice.run_id == run.id)).scalar_one())
