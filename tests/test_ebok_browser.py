"""The whole customer journey in a real browser (Debian's Chromium driven by Playwright).

Simulated town → ``amr import folder`` → ``amr billing run --db`` (October, issued) → the portal served by
uvicorn, e-mail through a real SMTP server (aiosmtpd) → register with a real invoice number and value →
activation mail → activate → confirmation mail → log in → invoices with the billed amounts → PDF text →
garden reading accepted, lower main reading refused with the validator's reason in Polish → e-invoice
from 1 December → one ticket of each kind with e-mail receipts → ``amr billing run --db`` for November
deducts the garden reading exactly and still charges the paper abonament (the switch counts from the
next period).  Screenshots go to the test's folder and to
``test-output/screenshots/ebok`` in the checkout (``$AMR_SCREENSHOTS/ebok`` when set), for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from db_urls import db_url  # noqa: F401  (fixture)
from ebok_helpers import PASSWORD, bill, create_tables, free_port, invoice_of, make_app, served, session
from ingest_data import amr
from sqlalchemy import select

CHROMIUM = Path("/usr/bin/chromium")
SCREENS = Path(os.environ.get("AMR_SCREENSHOTS")
               or Path(__file__).resolve().parents[1] / "test-output" / "screenshots") / "ebok"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CLOCK = dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)  # the customer reads the meters on 30 November


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.cond = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import email

        with self.cond:
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            self.cond.notify_all()
        return "250 OK"

    def wait(self, count: int, timeout: float = 15) -> list[Any]:
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.messages) >= count, timeout), \
                f"expected {count} mails, got {len(self.messages)}"
            return list(self.messages)


def _town(tmp: Path, garden_pick: dict[str, str]) -> Path:
    """A simulated town with readings up to 30 November 08:00 (the van's last round before 'today')."""
    town = tmp / "town"
    r = amr("simulate", "town", "--meters", "120", "--seed", "7", "--out", town)
    assert r.exit_code == 0, r.stderr
    meters = pd.read_csv(town / "meters.csv", dtype=str, keep_default_na=False)
    contracts = pd.read_csv(town / "contracts.csv", dtype=str, keep_default_na=False)
    g = meters[(meters.role == "garden") & (meters.removal_date == "") & (meters.registered == "true")
               & (meters.sealed == "true") & (meters.legalised_until >= "2027-01-01")]
    g = g.merge(contracts, on="premises_id")
    g = g[g.cycle_months == "1"]
    assert len(g), "the simulated town has no monthly contract with a deductible garden submeter"
    pick = g.iloc[0]
    garden_pick.update(meter_id=pick.meter_id, contract_id=pick.contract_id, customer_id=pick.customer_id,
                       premises_id=pick.premises_id)
    main = meters[(meters.premises_id == pick.premises_id) & (meters.role == "main") & (meters.removal_date == "")]
    garden_pick["main_id"] = main.iloc[0].meter_id
    # this customer still gets paper invoices, so the journey can switch them to e-invoice
    contracts.loc[contracts.customer_id == pick.customer_id, "settlement"] = "paper"
    contracts.to_csv(town / "contracts.csv", index=False)
    readings = pd.read_csv(town / "readings.csv", dtype=str, keep_default_na=False)
    keep = (readings.read_at < "2026-11-30T12") & ~((readings.meter_id == pick.meter_id)
                                                   & (readings.read_at >= "2026-11-30"))
    readings[keep].to_csv(town / "readings.csv", index=False)
    return town


def _shot(page: Any, out: Path, name: str) -> None:
    path = out / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    SCREENS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SCREENS / path.name)


def _quantity(lines: Any, item: str) -> float:
    return float(sum(float(x.quantity) for x in lines if x.item == item))


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (apt-get install chromium)")
def test_customer_journey_in_browser(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    from aiosmtpd.controller import Controller
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    from ingest.billing_db import run_from_db
    from ingest.ebok import nrb
    from ingest.ebok.messages import reading_reason
    from ingest.ebok.models import PortalSession, Ticket
    from ingest.ebok.security import digest
    from ingest.importers.self_readings import SelfReading, check_self_readings
    from ingest.models.master import Abonament, Contract

    pick: dict[str, str] = {}
    town = _town(tmp_path, pick)
    create_tables(db_url)
    assert amr("import", "folder", town, "--db", db_url).exit_code == 0
    bill(db_url, "2026-10", "2026-11-03")
    inv = invoice_of(db_url, pick["customer_id"])
    assert inv is not None and inv.number.startswith(pick["customer_id"] + "/")
    with session(db_url) as s:
        before, _ = run_from_db(s, "2026-11", [pick["contract_id"]])
    out = tmp_path / "screens"
    out.mkdir()
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    email_addr = "klient@example.pl"
    try:
        app = make_app(db_url, None, smtp=f"smtp://127.0.0.1:{smtp.port}", clock=lambda: CLOCK)
        with served(app) as base, sync_playwright() as pw:
            app.state.settings.base_url = base
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 800})
            # register
            page.goto(f"{base}/register")
            page.fill("input[name=invoice_number]", inv.number)
            page.fill("input[name=gross]", f"{inv.gross:.2f}".replace(".", ","))
            page.fill("input[name=email]", email_addr)
            page.fill("input[name=password]", PASSWORD)
            page.fill("input[name=password2]", PASSWORD)
            page.check("input[name=terms]")
            page.wait_for_function("document.querySelector('img.captcha').complete")
            cookie = next(c["value"] for c in page.context.cookies() if c["name"] == "ebok_session")
            with session(db_url) as s:
                code = s.get(PortalSession, digest(cookie)).captcha
            page.fill("input[name=captcha]", code)
            _shot(page, out, "01-register")
            page.click("button[type=submit]:has-text('Załóż konto')")
            assert "wysłaliśmy" in page.content()
            mails = inbox.wait(1)
            assert mails[0]["To"] == email_addr
            text = mails[0].get_body(("plain",)).get_content()
            link = re.search(r"http://\S+/activate/\S+", text).group(0)
            # not active yet: login refused
            page.goto(f"{base}/login")
            page.fill("input[name=login_id]", pick["customer_id"])
            page.fill("input[name=password]", PASSWORD)
            page.click("form.form button[type=submit]")
            assert "nie zostało aktywowane" in page.content()
            page.goto(link)
            assert "aktywowane" in page.content()
            mails = inbox.wait(2)
            assert "aktywne" in mails[1]["Subject"]
            # log in with the user number
            page.goto(f"{base}/login")
            page.fill("input[name=login_id]", pick["customer_id"])
            page.fill("input[name=password]", PASSWORD)
            _shot(page, out, "02-login")
            page.click("form.form button[type=submit]")
            assert page.url.endswith("/dashboard")
            _shot(page, out, "03-dashboard")
            # invoices with the billed amounts
            page.goto(f"{base}/invoices")
            rows = page.locator("#invoices tbody tr")
            from ingest.ebok.app import zl
            from ingest.models.billing import Invoice

            with session(db_url) as s:
                mine = s.scalars(select(Invoice).where(Invoice.customer_id == pick["customer_id"],
                                                       Invoice.status == "issued")).all()
            assert rows.count() == len(mine) >= 1
            for i in mine:
                row = page.locator(f"#invoices tr[data-number='{i.number}']")
                assert row.locator("td.gross").inner_text().replace("\u00a0", " ") == zl(i.gross).replace(
                    "\u00a0", " ") + " zł"
            _shot(page, out, "04-invoices")
            # PDF
            resp = page.context.request.get(f"{base}/invoices/{inv.id}/pdf")
            assert resp.ok and resp.headers["content-type"] == "application/pdf"
            pdf_text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(resp.body())).pages)
            for needle in (f"Faktura VAT nr {inv.number}", "Data wystawienia: 2026-11-03", "NIP: 5250001009",
                           "Sprzedawca", "Nabywca", f"Do zapłaty: {zl(inv.gross).replace(chr(160), ' ')} zł",
                           "Termin płatności", "Dostawa wody"):
                assert needle in pdf_text.replace("\u00a0", " "), (needle, pdf_text)
            assert re.search(r"Stawka \d+(\.\d+)?%: netto", pdf_text)
            (out / "invoice.pdf").write_bytes(resp.body())
            # payment details and QR
            page.goto(f"{base}/invoices/{inv.id}/pay")
            account = page.locator("#nrb").inner_text()
            assert nrb.validate(account) and page.locator("figure.qr svg").count() == 1
            _shot(page, out, "05-pay")
            page.goto(f"{base}/contracts/{pick['contract_id']}")
            assert page.locator("svg.chart rect").count() >= 1 and "odczyt radiowy" in page.content()
            _shot(page, out, "06-contract-readings")
            # garden reading accepted
            with session(db_url) as s:
                t = __import__("ingest.importers.readings", fromlist=["readings_table"]).readings_table()
                last = {m: s.execute(select(t.c.total_m3).where(t.c.meter_id == m).order_by(t.c.read_at.desc())
                                     ).scalars().first() for m in (pick["meter_id"], pick["main_id"])}
            garden_value = round(last[pick["meter_id"]] + 0.3, 3)
            page.goto(f"{base}/readings/submit")
            page.select_option("select[name=meter_id]", pick["meter_id"])
            page.fill("input[name=value]", f"{garden_value:.3f}".replace(".", ","))
            page.click("form.form button[type=submit]")
            assert "Odczyt został przyjęty" in page.content()
            # a main reading below the last one is refused for the importer's reason, worded in Polish
            low = round(last[pick["main_id"]] - 1.0, 3)
            page.select_option("select[name=meter_id]", pick["main_id"])
            page.fill("input[name=value]", str(low))
            page.click("form.form button[type=submit]")
            with session(db_url) as s:
                verdict = check_self_readings(s, [SelfReading(pick["main_id"], CLOCK, low)], now=CLOCK)[0]
            shown = page.locator("p.error").inner_text()
            assert verdict.code == "below_previous" and verdict.reason not in shown
            assert shown == "Odczyt odrzucony: " + reading_reason("pl", verdict.code, verdict.params), shown
            assert f"stan {low:g} m³ jest niższy niż poprzedni odczyt".replace(".", ",") in shown
            _shot(page, out, "07-reading-rejected")
            # non-numeric reading
            page.fill("input[name=value]", "abc")
            page.click("form.form button[type=submit]")
            assert "musi być liczbą" in page.content()
            # e-invoice
            page.goto(f"{base}/einvoice")
            page.click(f"form:has(input[value='{pick['contract_id']}']) button")
            assert "eFAKTURA włączona od 2026-12-01" in page.content()  # the next monthly period
            _shot(page, out, "08-einvoice")
            with session(db_url) as s:
                assert s.get(Contract, pick["contract_id"]).settlement == "e-invoice"
            # tickets: one of each kind, each receipted by e-mail
            numbers = []
            for n, kind in enumerate(("failure", "quality", "data_change")):
                page.goto(f"{base}/tickets")
                page.select_option("select[name=kind]", kind)
                page.fill("input[name=subject]", f"Temat {kind} <b>bold</b>")
                page.fill("textarea[name=body]", "Brak wody od rana.<script>alert(1)</script>")
                page.click("form.form button[type=submit]")
                numbers.append(page.locator("#ticket-number").inner_text())
                assert page.locator("#ticket-body").inner_text().endswith("<script>alert(1)</script>")
                mails = inbox.wait(3 + n)
                assert numbers[-1] in mails[-1]["Subject"]
            _shot(page, out, "09-ticket")
            page.goto(f"{base}/tickets")
            _shot(page, out, "10-tickets")
            page.goto(f"{base}/lang/en?next=/invoices")
            assert "Invoices" in page.content()
            _shot(page, out, "11-invoices-en")
            browser.close()
    finally:
        smtp.stop()
    with session(db_url) as s:
        assert sorted(t.number for t in s.scalars(select(Ticket)).all()) == sorted(numbers)
        paper = s.scalars(select(Abonament).where(Abonament.settlement == "paper")).first()
    # November's run deducts the garden reading and, the switch counting from 1 December, charges the paper
    # abonament
    r = amr("billing", "run", "--period", "2026-11", "--db", db_url, "--issue-date", "2026-12-02")
    assert r.exit_code == 0, r.stderr
    from ingest.models.billing import Invoice, InvoiceLine

    with session(db_url) as s:
        nov = s.scalars(select(Invoice).where(Invoice.contract_id == pick["contract_id"],
                                              Invoice.period == "2026-11")).one()
        lines = s.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == nov.id)).all()
    # the deduction is the garden's use from October's billed register to November's, and November's is the
    # submitted reading (30 November 18:00 Polish time) carried 6 hours to the period's end at the meter's
    # daily average over the engine's history_days (90) before it: billing rule 6 (billing_rules/consumption.py)
    from ingest.models.billing import BilledRegister, BillingRun

    def register(period: str) -> float:
        with session(db_url) as s:
            return s.scalars(select(BilledRegister.register_m3).join(BillingRun, BillingRun.id == BilledRegister.run_id)
                             .where(BillingRun.period == period, BilledRegister.meter_id == pick["meter_id"])).one()

    start, end = register("2026-10"), register("2026-11")
    with session(db_url) as s:
        t = __import__("ingest.importers.readings", fromlist=["readings_table"]).readings_table()
        back_at, back = s.execute(select(t.c.read_at, t.c.total_m3).where(
            t.c.meter_id == pick["meter_id"], t.c.read_at <= CLOCK - dt.timedelta(days=90))
            .order_by(t.c.read_at.desc())).first()
    days = (CLOCK - (back_at if back_at.tzinfo else back_at.replace(tzinfo=dt.UTC))).total_seconds() / 86400
    carried = garden_value + (garden_value - back) / days * 0.25
    assert abs(end - carried) < 0.001, (end, carried, garden_value, back, days)
    water, sewage = _quantity(lines, "water"), _quantity(lines, "sewage")
    assert abs((water - sewage) - (end - start)) < 0.001, (water, sewage, end, start)
    old_lines = before.lines[before.lines["contract_id"] == pick["contract_id"]]
    assert abs(float(old_lines.loc[old_lines["item"] == "sewage", "quantity"].sum()) - sewage) > 0.001
    abon = [x for x in lines if x.item == "abonament"]
    assert abon and all(Decimal(x.unit_price_net) == Decimal(paper.abonament_month_net) for x in abon)
    assert nov.settlement == "paper"
