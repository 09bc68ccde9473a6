"""e-invoice from the next billing period: the switch is recorded at once, billing honours its effective date.

Anna (contract K1, monthly, paper 9.80 zł / e-invoice 6.10 zł abonament) switches in the portal on
10 November: November is still billed and invoiced on paper, December at the e-invoice rate and e-mailed
as a PDF by ``amr ebok send-invoices``.  Switching back in December counts from January.  The effective
date follows the contract's own cycle, and a database of revision 0001 keeps its earlier switches.
"""

from __future__ import annotations

import datetime as dt
import email
from decimal import Decimal
from email import policy
from pathlib import Path

from db_urls import db_url  # noqa: F401  (fixture)
from ebok_helpers import bill, billed_db, csrf_of, customer_client, make_app, session
from ingest_data import amr, write_folder
from sqlalchemy import select

from ingest.billing_db import settlements_in_force
from ingest.ebok.einvoice import next_period_start
from ingest.ebok.models import EInvoiceRequest
from ingest.models.billing import Invoice, InvoiceLine
from ingest.models.master import BillingPeriodRow, Contract, SettlementChange

UTC = dt.UTC


def _abonament(url: str, period: str) -> tuple[set[Decimal], str | None]:
    with session(url) as s:
        inv = s.scalars(select(Invoice).where(Invoice.contract_id == "K1", Invoice.period == period)).one()
        prices = {x.unit_price_net for x in s.scalars(select(InvoiceLine).where(
            InvoiceLine.invoice_id == inv.id, InvoiceLine.item == "abonament")).all()}
        return prices, inv.settlement


def _switch(client, settlement: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get("/einvoice")
    r = client.post("/einvoice", data={"csrf": csrf_of(page.text), "contract_id": "K1", "settlement": settlement})
    assert r.status_code == 200 and r.url.path == "/einvoice", r.text
    return r.text


def test_switch_counts_from_the_next_period(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    billed_db(db_url, tmp_path / "folder")  # October billed and issued on paper
    today = [dt.datetime(2026, 11, 10, 9, 0, tzinfo=UTC)]
    mail_dir = tmp_path / "mail"
    app = make_app(db_url, mail_dir, base_url="http://testserver", clock=lambda: today[0])
    anna = customer_client(app, db_url, mail_dir, "123456", "anna@example.pl")
    page = _switch(anna, "e-invoice")
    assert "eFAKTURA włączona od 2026-12-01" in page and "Wróć do faktur papierowych" in page
    with session(db_url) as s:
        assert s.get(Contract, "K1").settlement == "e-invoice"  # the latest choice, shown at once
        change = s.scalars(select(SettlementChange)).one()
        assert (change.contract_id, change.previous, change.settlement, change.effective_from) == \
            ("K1", "paper", "e-invoice", dt.date(2026, 12, 1))
        assert s.scalars(select(EInvoiceRequest)).one().email == "anna@example.pl"
        assert settlements_in_force(s, dt.date(2026, 11, 30))["K1"] == "paper"
        assert settlements_in_force(s, dt.date(2026, 12, 31))["K1"] == "e-invoice"
    # November: the old rate, a paper invoice, nothing e-mailed
    bill(db_url, "2026-11", "2026-12-02")
    assert _abonament(db_url, "2026-11") == ({Decimal("9.8000")}, "paper")
    r = amr("ebok", "send-invoices", "--db", db_url, "--period", "2026-11", "--mail-dir", mail_dir / "out")
    assert r.exit_code == 0 and "0 e-invoices sent" in r.stdout, r.stdout
    # December: the e-invoice rate, e-mailed as a PDF to the address given with the switch
    bill(db_url, "2026-12", "2027-01-04")
    assert _abonament(db_url, "2026-12") == ({Decimal("6.1000")}, "e-invoice")
    r = amr("ebok", "send-invoices", "--db", db_url, "--period", "2026-12", "--mail-dir", mail_dir / "out")
    assert r.exit_code == 0 and "1 e-invoices sent" in r.stdout, r.stdout
    msg = email.message_from_bytes(next((mail_dir / "out").glob("*.eml")).read_bytes(), policy=policy.default)
    assert msg["To"] == "anna@example.pl" and "2026/12" in msg["Subject"]
    # back to paper on 15 December: from January
    today[0] = dt.datetime(2026, 12, 15, 9, 0, tzinfo=UTC)
    page = _switch(anna, "paper")
    assert "Faktury papierowe od 2027-01-01" in page and "Włącz eFAKTURĘ" in page
    with session(db_url) as s:
        assert s.get(Contract, "K1").settlement == "paper"
        assert s.scalars(select(EInvoiceRequest)).first() is None  # the consent is withdrawn
        assert settlements_in_force(s, dt.date(2026, 12, 31))["K1"] == "e-invoice"
        assert settlements_in_force(s, dt.date(2027, 1, 31))["K1"] == "paper"
    bill(db_url, "2027-01", "2027-02-02")
    assert _abonament(db_url, "2027-01") == ({Decimal("9.8000")}, "paper")


def test_effective_date_follows_the_contracts_cycle(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    billed_db(db_url, tmp_path / "folder")
    with session(db_url) as s:
        k1, k2 = s.get(Contract, "K1"), s.get(Contract, "K2")
        assert next_period_start(s, k1, dt.date(2026, 12, 31)) == dt.date(2027, 1, 1)  # monthly
        # two-month cycles end in even months (anchor 12): Nov–Dec, so the next one starts in January
        assert next_period_start(s, k2, dt.date(2026, 11, 10)) == dt.date(2027, 1, 1)
        assert next_period_start(s, k2, dt.date(2026, 10, 31)) == dt.date(2026, 11, 1)
        k2.cycle_months, k2.cycle_anchor_month = 3, 1  # quarters ending Jan, Apr, Jul, Oct
        assert next_period_start(s, k2, dt.date(2026, 11, 10)) == dt.date(2027, 2, 1)
        k2.cycle_months = 0  # custom periods: the next listed one, else the next month
        s.add(BillingPeriodRow(contract_id="K2", period_start=dt.date(2026, 11, 16), period_end=dt.date(2027, 2, 15)))
        s.flush()
        assert next_period_start(s, k2, dt.date(2026, 11, 10)) == dt.date(2026, 11, 16)
        assert next_period_start(s, k2, dt.date(2026, 11, 20)) == dt.date(2026, 12, 1)
        s.rollback()


def test_upgrade_from_0001_keeps_earlier_portal_switches(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    from ingest_data import make_schema

    import cli_db
    from ingest.ebok.models import PortalAccount
    from ingest.models.master import MasterChange

    cli_db.upgrade(db_url, "0001")
    assert amr("import", "folder", write_folder(tmp_path / "folder"), "--db", db_url).exit_code == 0
    with session(db_url) as s:  # what the portal wrote before revision 0002
        acc = PortalAccount(customer_id="123456", email="anna@example.pl", password_hash="x", status="active")
        s.add(acc)
        s.flush()
        s.get(Contract, "K1").settlement = "e-invoice"
        s.add(MasterChange(table_name="contracts", row_key="K1", column_name="settlement", old_value="paper",
                           new_value="e-invoice", source=f"ebok account {acc.id}"))
        s.add(EInvoiceRequest(contract_id="K1", account_id=acc.id, email=acc.email,
                              effective_from=dt.date(2026, 11, 1)))
        s.commit()
    make_schema(db_url)  # to head
    with session(db_url) as s:
        change = s.scalars(select(SettlementChange)).one()
        assert (change.contract_id, change.previous, change.settlement, change.effective_from) == \
            ("K1", "paper", "e-invoice", dt.date(2026, 11, 1))
        assert settlements_in_force(s, dt.date(2026, 10, 31))["K1"] == "paper"
        assert settlements_in_force(s, dt.date(2026, 11, 30))["K1"] == "e-invoice"
