"""Property managers: what a manager of all, or only part, of a customer's premises may see and do.

Customer 234567 has premises P2 and P3; the manager runs P1 (all of customer 123456's premises) and P2
(only part of 234567's).  For 234567 the manager must not see balance, payments or notes, must not switch
e-invoices or ask to change the customer's data — through the browser and through direct requests —
while everything else about P2 stays available, and P3 is invisible.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from db_urls import db_url  # noqa: F401  (fixture)
from ebok_helpers import PASSWORD, bill, create_tables, csrf_of, login, mails, make_app, served, session
from fastapi.testclient import TestClient
from ingest_data import FILES, amr, write_folder
from sqlalchemy import select

from ingest.ebok.models import Ticket
from ingest.models.master import Contract

CHROMIUM = Path("/usr/bin/chromium")


def _folder(folder: Path) -> None:
    write_folder(folder, premises_csv=FILES["premises.csv"] + "P3,\"ul. Leśna 3, Miasteczko\",1,T1-3,true\n",
                 contracts_csv=FILES["contracts.csv"].replace(",e-invoice,", ",paper,")
                 + "K3,234567,P3,G1,1,paper,2022-01-01\n")


@pytest.fixture
def setup(db_url: str, tmp_path: Path):  # noqa: F811
    create_tables(db_url)
    _folder(tmp_path / "folder")
    assert amr("import", "folder", tmp_path / "folder", "--db", db_url).exit_code == 0
    bill(db_url, "2026-10", "2026-11-03")
    statement = tmp_path / "bank.csv"
    from ingest.ebok import nrb

    rows = ["booked_on,amount,account,title,reference"]
    for n, cid in enumerate(("123456", "234567"), start=1):
        rows.append(f"2026-11-05,10.00,{nrb.virtual_nrb('10201026', '1000', cid)},wpłata {cid},REF{n}")
    statement.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert amr("import", "payments", statement, "--db", db_url).exit_code == 0
    for cid in ("123456", "234567"):
        r = amr("ebok", "notes", "add", "--db", db_url, "--customer", cid, "--amount", "3.21",
                "--description", f"odsetki {cid}")
        assert r.exit_code == 0, r.stderr
    mail_dir = tmp_path / "mail"
    r = amr("ebok", "managers", "add", "--db", db_url, "--company", "Zarząd Nieruchomości Sp. z o.o.",
            "--email", "zarzad@example.pl", "--premises", "P1", "--premises", "P2", "--mail-dir", mail_dir)
    assert r.exit_code == 0, r.stderr
    r = amr("ebok", "managers", "add", "--db", db_url, "--company", "X", "--email", "x@example.pl",
            "--premises", "NOPE", "--mail-dir", mail_dir)
    assert r.exit_code == 2 and "premises NOPE do not exist" in r.stderr
    app = make_app(db_url, mail_dir, base_url="http://testserver")
    link = re.search(r"http://\S+/reset/\S+", mails(mail_dir)[0].get_payload()).group(0)
    return db_url, app, mail_dir, link.split("127.0.0.1:8080", 1)[-1].split("testserver", 1)[-1]


def _manager(app, path: str) -> TestClient:  # type: ignore[no-untyped-def]
    c = TestClient(app)
    page = c.get(path)
    assert page.status_code == 200, page.text
    r = c.post(path, data={"csrf": csrf_of(page.text), "password": PASSWORD, "password2": PASSWORD})
    assert "Hasło zostało zmienione" in r.text
    assert login(c, "zarzad@example.pl").url.path == "/dashboard"
    return c


def test_manager_sees_only_assigned_premises_and_no_money_of_partial_customer(setup) -> None:
    url, app, _mail, reset_path = setup
    m = _manager(app, reset_path)
    dash = m.get("/dashboard").text
    assert 'id="balance-123456"' in dash and 'id="balance-234567"' not in dash
    assert "Saldo tego klienta jest niedostępne" in dash
    assert "K1" in dash and "K2" in dash and "K3" not in dash
    assert m.get("/contracts/K2").status_code == 200 and m.get("/contracts/K3").status_code == 404
    pays = m.get("/payments").text
    assert "wpłata 123456" in pays and "wpłata 234567" not in pays and "Niedostępne dla zarządcy" in pays
    notes = m.get("/notes").text
    assert "odsetki 123456" in notes and "odsetki 234567" not in notes
    inv = m.get("/invoices").text
    from ingest.models.billing import Invoice

    with session(url) as s:
        by_contract = {i.contract_id: i for i in s.scalars(select(Invoice)).all()}
    assert by_contract["K1"].number in inv and by_contract["K2"].number in inv
    if "K3" in by_contract:
        assert by_contract["K3"].number not in inv
        assert m.get(f"/invoices/{by_contract['K3'].id}").status_code == 404
    # paid/unpaid of the partial customer's invoice is not shown either (it would reveal payments)
    row_k2 = inv.split(f'data-number="{by_contract["K2"].number}"')[1].split("</tr>")[0]
    row_k1 = inv.split(f'data-number="{by_contract["K1"].number}"')[1].split("</tr>")[0]
    assert "zapłacona" not in row_k2 and "<td>—</td>" in row_k2 and "zapłacona" in row_k1


def test_manager_cannot_switch_einvoice_or_change_data_of_partial_customer(setup) -> None:
    url, app, _mail, reset_path = setup
    m = _manager(app, reset_path)
    page = m.get("/einvoice")
    r = m.post("/einvoice", data={"csrf": csrf_of(page.text), "contract_id": "K2"})
    assert r.status_code == 403 and "niedostępna dla zarządcy" in r.text
    with session(url) as s:
        assert s.get(Contract, "K2").settlement == s.get(Contract, "K3").settlement == "paper"
    page = m.get("/tickets")
    r = m.post("/tickets", data={"csrf": csrf_of(page.text), "kind": "data_change", "contract_id": "K2",
                                 "subject": "Zmiana adresu", "body": "Nowy adres"})
    assert r.status_code == 403
    with session(url) as s:
        assert s.scalars(select(Ticket)).all() == []
    # everything else is available: a failure report on P2, data change and e-invoice for the full customer
    r = m.post("/tickets", data={"csrf": csrf_of(page.text), "kind": "failure", "contract_id": "K2",
                                 "subject": "Wyciek", "body": "Wyciek na klatce"}, follow_redirects=False)
    assert r.status_code == 303
    r = m.post("/tickets", data={"csrf": csrf_of(page.text), "kind": "data_change", "contract_id": "K1",
                                 "subject": "Zmiana telefonu", "body": "Nowy numer"}, follow_redirects=False)
    assert r.status_code == 303
    r = m.post("/einvoice", data={"csrf": csrf_of(page.text), "contract_id": "K1"}, follow_redirects=False)
    assert r.status_code == 303
    with session(url) as s:
        assert s.get(Contract, "K1").settlement == "e-invoice"
    r = m.post("/einvoice", data={"csrf": csrf_of(page.text), "contract_id": "K3"})
    assert r.status_code == 404
    # staff list and close the tickets
    listed = amr("ebok", "tickets", "list", "--db", url)
    assert listed.exit_code == 0 and listed.stdout.count("\n") == 3
    number = listed.stdout.splitlines()[1].split("\t")[0]
    assert amr("ebok", "tickets", "close", number, "--db", url).exit_code == 0
    again = amr("ebok", "tickets", "close", number, "--db", url)
    assert again.exit_code == 2 and "already closed" in again.stderr


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (apt-get install chromium)")
def test_manager_restrictions_in_browser(setup, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright
    from test_ebok_browser import ARGS, _shot

    url, app, _mail, reset_path = setup
    with served(app) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 800})
        page.goto(base + reset_path)
        page.fill("input[name=password]", PASSWORD)
        page.fill("input[name=password2]", PASSWORD)
        page.click("form.form button[type=submit]")
        page.goto(f"{base}/login")
        page.fill("input[name=login_id]", "zarzad@example.pl")
        page.fill("input[name=password]", PASSWORD)
        page.click("form.form button[type=submit]")
        assert "Saldo tego klienta jest niedostępne" in page.content()
        _shot(page, tmp_path, "20-manager-dashboard")
        page.goto(f"{base}/payments")
        assert "wpłata 234567" not in page.content() and "wpłata 123456" in page.content()
        page.goto(f"{base}/einvoice")
        row = page.locator("tr", has_text="K2")
        assert row.locator("button").count() == 0 and "niedostępna dla zarządcy" in row.inner_text()
        assert page.locator("tr", has_text="K1").locator("button").count() == 1
        _shot(page, tmp_path, "21-manager-einvoice-refused")
        page.goto(f"{base}/tickets")
        page.select_option("select[name=kind]", "data_change")
        page.select_option("select[name=contract_id]", "K2")
        page.fill("input[name=subject]", "Zmiana")
        page.fill("textarea[name=body]", "Nowe dane")
        page.click("form.form button[type=submit]")
        assert "niedostępna dla zarządcy" in page.content()
        page.goto(f"{base}/contracts/K3")
        assert "Nie znaleziono" in page.content()
        browser.close()
    with session(url) as s:
        assert s.get(Contract, "K2").settlement == s.get(Contract, "K3").settlement == "paper"
        assert s.scalars(select(Ticket)).all() == []
