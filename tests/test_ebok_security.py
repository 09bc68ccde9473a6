"""Security of the portal through direct HTTP requests to the real app on a real database.

Refused registration that does not say which field was wrong, no login before activation, forged CSRF,
the 11th failed login in a minute, other customers' objects by id (404), nothing secret in any log,
and bad input (over-long fields, HTML, non-numeric readings) answered clearly with nothing changed.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from db_urls import db_url  # noqa: F401  (fixture)
from ebok_helpers import (
    PASSWORD,
    billed_db,
    csrf_of,
    customer_client,
    invoice_of,
    login,
    mails,
    make_app,
    register,
    session,
)
from fastapi.testclient import TestClient
from ingest_data import KEYS, snapshot
from sqlalchemy import func, select

from ingest.ebok.models import AuditEntry, PortalAccount, Ticket


@pytest.fixture
def portal(db_url: str, tmp_path: Path):  # noqa: F811
    billed_db(db_url, tmp_path / "folder")
    mail_dir = tmp_path / "mail"
    app = make_app(db_url, mail_dir, base_url="http://testserver")
    return db_url, app, mail_dir


def _accounts(url: str) -> int:
    with session(url) as s:
        return s.scalar(select(func.count()).select_from(PortalAccount))


def test_wrong_invoice_value_or_number_is_refused_without_saying_which(portal) -> None:
    url, app, mail_dir = portal
    inv = invoice_of(url, "123456")
    c = TestClient(app)
    wrong_value = register(c, url, inv.number, f"{inv.gross + 1:.2f}", "a@example.pl")
    wrong_number = register(c, url, inv.number + "9", f"{inv.gross:.2f}", "a@example.pl")
    assert wrong_value.status_code == wrong_number.status_code == 400
    msg = "Nie można założyć konta z podanymi danymi. Sprawdź dane i spróbuj ponownie."
    assert msg in wrong_value.text and msg in wrong_number.text
    for page in (wrong_value.text, wrong_number.text):
        assert "kwota" not in page.split(msg)[0][-300:].lower()
    assert _accounts(url) == 0 and mails(mail_dir) == []
    # a wrong picture code is refused too
    page = c.get("/register")
    r = c.post("/register", data={"csrf": csrf_of(page.text), "invoice_number": inv.number,
                                  "gross": f"{inv.gross:.2f}", "email": "a@example.pl", "password": PASSWORD,
                                  "password2": PASSWORD, "terms": "yes", "captcha": "00000"})
    assert r.status_code == 400 and "Kod z obrazka jest nieprawidłowy" in r.text and _accounts(url) == 0


def test_unactivated_account_cannot_log_in_and_taken_email_looks_like_success(portal) -> None:
    url, app, mail_dir = portal
    inv = invoice_of(url, "123456")
    c = TestClient(app)
    r = register(c, url, inv.number, f"{inv.gross:.2f}".replace(".", ","), "anna@example.pl")
    assert r.status_code == 200 and "wysłaliśmy" in r.text
    r = login(c, "123456")
    assert r.status_code == 401 and "nie zostało aktywowane" in r.text
    r = login(c, "anna@example.pl")
    assert r.status_code == 401
    # registering the same customer again answers exactly like success; the owner gets a notice
    again = register(TestClient(app), url, inv.number, f"{inv.gross:.2f}", "other@example.pl")
    assert again.status_code == 200 and "wysłaliśmy" in again.text
    assert _accounts(url) == 1
    assert [m["To"] for m in mails(mail_dir)] == ["anna@example.pl", "anna@example.pl"]


def test_forged_csrf_token_is_refused_and_changes_nothing(portal) -> None:
    url, app, mail_dir = portal
    c = customer_client(app, url, mail_dir, "123456", "anna@example.pl")
    page = c.get("/tickets")
    token = csrf_of(page.text)
    before = snapshot(url)
    for forged in ("", token[:-2] + "xx", "x" * 43):
        r = c.post("/tickets", data={"csrf": forged, "kind": "failure", "contract_id": "K1", "subject": "s",
                                     "body": "b"})
        assert r.status_code == 403 and "Formularz wygasł" in r.text
    r = c.post("/einvoice", data={"csrf": "forged", "contract_id": "K1"})
    assert r.status_code == 403
    after = snapshot(url)
    assert {k: v for k, v in after.items() if k != "portal_sessions"} == \
        {k: v for k, v in before.items() if k != "portal_sessions"}
    # another session's token does not work either
    other = TestClient(app)
    r = other.post("/login", data={"csrf": token, "login_id": "123456", "password": PASSWORD})
    assert r.status_code == 403


def test_eleventh_failed_login_in_a_minute_is_throttled(portal) -> None:
    url, app, mail_dir = portal
    customer_client(app, url, mail_dir, "123456", "anna@example.pl")
    c = TestClient(app)
    codes = [login(c, "123456", "wrong-password-1").status_code for _ in range(10)]
    assert codes == [401] * 10
    r = login(c, "123456", "wrong-password-1")
    assert r.status_code == 429 and "Zbyt wiele prób" in r.text
    r = login(c, "123456")  # even the right password waits
    assert r.status_code == 429
    with session(url) as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "login_failed")) == 10


def test_other_customers_objects_by_id_are_404(portal) -> None:
    url, app, mail_dir = portal
    anna = customer_client(app, url, mail_dir, "123456", "anna@example.pl")
    jan = customer_client(app, url, mail_dir, "234567", "jan@example.pl")
    page = jan.get("/tickets")
    r = jan.post("/tickets", data={"csrf": csrf_of(page.text), "kind": "failure", "contract_id": "K2",
                                   "subject": "Awaria", "body": "Brak wody"}, follow_redirects=False)
    assert r.status_code == 303
    with session(url) as s:
        jan_ticket = s.scalars(select(Ticket)).one().id
    jan_inv = invoice_of(url, "234567")
    for path in (f"/invoices/{jan_inv.id}", f"/invoices/{jan_inv.id}/pdf", f"/invoices/{jan_inv.id}/pay",
                 "/contracts/K2", f"/tickets/{jan_ticket}", "/invoices/999999", "/contracts/NOPE"):
        assert anna.get(path).status_code == 404, path
        # and the owner does see their own
    for path in (f"/invoices/{jan_inv.id}", f"/invoices/{jan_inv.id}/pdf", "/contracts/K2", f"/tickets/{jan_ticket}"):
        assert jan.get(path).status_code == 200, path
    # a form naming another customer's contract or meter is refused the same way
    page = anna.get("/tickets")
    assert anna.post("/tickets", data={"csrf": csrf_of(page.text), "kind": "failure", "contract_id": "K2",
                                       "subject": "x", "body": "y"}).status_code == 404
    page = anna.get("/readings/submit")
    assert anna.post("/readings/submit", data={"csrf": csrf_of(page.text), "meter_id": "00055555",
                                               "value": "99999"}).status_code == 404
    assert anna.get("/invoices").text.count("/pdf") == 1


def test_no_password_or_key_in_any_log(portal, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture) -> None:
    url, app, mail_dir = portal
    caplog.set_level(logging.DEBUG)
    c = customer_client(app, url, mail_dir, "123456", "anna@example.pl")
    login(TestClient(app), "123456", "Wrong-Password-XYZ")
    c.get("/contracts/K1")
    with session(url) as s:
        audit = " ".join(f"{a.action} {a.detail}" for a in s.scalars(select(AuditEntry)).all())
    out, err = capfd.readouterr()
    mail_text = " ".join(p.read_text(errors="replace") for p in mail_dir.glob("*.eml"))
    everything = "\n".join([caplog.text, out, err, audit, mail_text])
    assert "login_failed" in audit and "login" in audit
    for secret in (PASSWORD, "Wrong-Password-XYZ", *KEYS, KEYS[0].lower()):
        assert secret not in everything


def test_bad_input_is_answered_clearly_and_changes_nothing(portal) -> None:
    url, app, mail_dir = portal
    c = customer_client(app, url, mail_dir, "123456", "anna@example.pl")
    before = snapshot(url)
    page = c.get("/tickets")
    r = c.post("/tickets", data={"csrf": csrf_of(page.text), "kind": "failure", "contract_id": "K1",
                                 "subject": "x" * 201, "body": "b"})
    assert r.status_code == 400 and "Pole jest za długie: Temat" in r.text
    r = c.post("/tickets", data={"csrf": csrf_of(page.text), "kind": "nonsense", "contract_id": "K1",
                                 "subject": "x", "body": "b"})
    assert r.status_code == 400
    page = c.get("/readings/submit")
    for value in ("abc", "12,3,4", "1e5", "", "9" * 30):
        r = c.post("/readings/submit", data={"csrf": csrf_of(page.text), "meter_id": "00099999", "value": value})
        assert r.status_code == 400 and ("musi być liczbą" in r.text or "za długie" in r.text), value
    after = snapshot(url)
    assert {k: v for k, v in after.items() if k not in ("portal_sessions", "portal_audit")} == \
        {k: v for k, v in before.items() if k not in ("portal_sessions", "portal_audit")}
    # HTML typed into a field is shown as text, never as markup
    r = c.post("/tickets", data={"csrf": csrf_of(page.text), "kind": "quality", "contract_id": "K1",
                                 "subject": "<img src=x onerror=alert(1)>", "body": "<script>alert(2)</script>"})
    assert r.status_code == 200
    assert "<script>alert(2)</script>" not in r.text and "&lt;script&gt;alert(2)&lt;/script&gt;" in r.text
    assert "<img src=x" not in r.text
