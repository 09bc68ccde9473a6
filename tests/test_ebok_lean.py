"""The invoice list's one-statement path (``ingest.ebok.lean``) shows exactly what the general ORM path shows.

Issue 12 moved ``/invoices`` off the ORM for speed; these tests hold it to the old page: the same HTML
byte for byte for a customer with paid and unpaid invoices and a note, in Polish and English, and the
general path (redirect to the login page) for a missing or expired session.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from db_urls import db_url  # noqa: F401  (fixture)
from ebok_helpers import bill, billed_db, customer_client, make_app, session
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from ingest.ebok import lean
from ingest.ebok.models import Note, Payment, PortalSession
from ingest.ebok.security import digest
from ingest.models.billing import Invoice


@pytest.fixture
def anna(db_url: str, tmp_path: Path) -> tuple[str, Any, TestClient]:  # noqa: F811
    billed_db(db_url, tmp_path / "folder")
    bill(db_url, "2026-11", "2026-12-02")  # a second invoice of Anna's, left unpaid
    with session(db_url) as s:
        oldest = s.scalars(select(Invoice).where(Invoice.customer_id == "123456")
                           .order_by(Invoice.due_date)).first()
        s.add(Payment(customer_id="123456", booked_on=dt.date(2026, 11, 20), amount=oldest.gross,
                      account_nrb="0" * 26, title="woda", bank_ref="REF-1"))
        s.add(Note(number="NO/2026/000001", customer_id="123456", issue_date=dt.date(2026, 12, 1),
                   due_date=dt.date(2026, 12, 15), amount=Decimal("3.50"), description="odsetki"))
        s.commit()
    mail_dir = tmp_path / "mail"
    app = make_app(db_url, mail_dir, base_url="http://testserver")
    return db_url, app, customer_client(app, db_url, mail_dir, "123456", "anna@example.pl")


def _general(monkeypatch: pytest.MonkeyPatch, client: TestClient) -> str:
    """The page from the general path (``lean`` declining), for comparison."""
    with monkeypatch.context() as m:
        m.setattr(lean, "invoice_list", lambda *_: None)
        r = client.get("/invoices")
    assert r.status_code == 200
    return r.text


def test_lean_page_equals_the_general_page(anna, monkeypatch: pytest.MonkeyPatch) -> None:
    url, _app, client = anna
    calls: list[Any] = []
    real = lean.invoice_list

    def counted(*args: Any) -> Any:
        calls.append(out := real(*args))
        return out

    monkeypatch.setattr(lean, "invoice_list", counted)
    fast = client.get("/invoices")
    assert fast.status_code == 200 and calls and calls[0] is not None  # the lean path answered
    assert fast.text == _general(monkeypatch, client)
    with session(url) as s:
        n = len(s.scalars(select(Invoice).where(Invoice.customer_id == "123456")).all())
    assert n == 2 and fast.text.count("/pdf") == 2
    assert fast.text.count(">zapłacona<") == 1 and fast.text.count(">niezapłacona<") == 1
    client.get("/lang/en?next=/invoices")
    english = client.get("/invoices")
    assert "Invoices" in english.text and english.text == _general(monkeypatch, client)


def test_expired_or_missing_session_goes_to_login(anna) -> None:
    url, app, client = anna
    with session(url) as s:
        s.execute(update(PortalSession).where(PortalSession.token_hash == digest(client.cookies["ebok_session"]))
                  .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
        s.commit()
    r = client.get("/invoices", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    stranger = TestClient(app)
    r = stranger.get("/invoices", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
