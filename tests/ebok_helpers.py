"""Shared set-up of the eBOK tests: a billed database, a portal app, and form helpers.

The database is filled the way an operator fills it: ``amr import folder`` (the small hand-written
folder of ``ingest_data`` or a simulated town), ``amr billing run --db`` and issuing the period.  The
portal is the real FastAPI app on that database, driven in-process through HTTP (``TestClient``) or
served by uvicorn on a free port for the browser.
"""

from __future__ import annotations

import email
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ingest_data import amr, write_folder
from sqlalchemy import select
from sqlalchemy.orm import Session

from simulators.demo.broker import free_port

PASSWORD = "Zielona-Woda-2026"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def create_tables(url: str) -> None:
    """The schema through the migration (``amr db upgrade``), as an operator creates it."""
    from ingest_data import make_schema

    make_schema(url)


def billed_db(url: str, folder: Path, period: str = "2026-10", issue: str = "2026-11-03") -> Path:
    """Schema + the small folder of ``ingest_data`` imported, billed for ``period`` and issued."""
    create_tables(url)
    write_folder(folder)
    r = amr("import", "folder", folder, "--db", url)
    assert r.exit_code == 0, r.stderr
    bill(url, period, issue)
    return folder


def bill(url: str, period: str, issue: str) -> None:
    # The small folder's readings end on 2026-09-30: October is billed on estimates, on purpose.
    r = amr("billing", "run", "--period", period, "--db", url, "--issue-date", issue, "--allow-estimates")
    assert r.exit_code == 0, r.stderr
    from ingest.billing_db import issue_period

    with session(url) as s:
        issue_period(s, period)
        s.commit()


@contextmanager
def session(url: str) -> Iterator[Session]:
    import ingest.models  # noqa: F401
    from ingest.models.base import make_engine

    engine = make_engine(url)
    try:
        with Session(engine) as s:
            yield s
    finally:
        engine.dispose()


def invoice_of(url: str, customer_id: str) -> Any:
    from ingest.models.billing import Invoice

    with session(url) as s:
        return s.scalars(select(Invoice).where(Invoice.customer_id == customer_id)
                         .order_by(Invoice.issue_date.desc())).first()


def make_app(url: str, mail_dir: Path | None, smtp: str | None = None, clock: Any = None, **settings: Any) -> Any:
    from ingest.ebok.app import create_app
    from ingest.ebok.config import Settings
    from ingest.ebok.mail import Mailer

    return create_app(url, Mailer("eBOK <ebok@test>", smtp, mail_dir), Settings(**settings), clock=clock)


def csrf_of(html: str) -> str:
    m = CSRF.search(html)
    assert m, "page has no CSRF field"
    return m.group(1)


def captcha_of(url: str, client: Any) -> str:
    """The picture code the server drew for this client's session (what a human reads off the image)."""
    from ingest.ebok.models import PortalSession
    from ingest.ebok.security import digest

    assert client.get("/captcha.svg").status_code == 200
    with session(url) as s:
        row = s.get(PortalSession, digest(client.cookies.get("ebok_session")))
        assert row is not None and row.captcha
        return row.captcha


def mails(folder: Path) -> list[email.message.Message]:
    return [email.message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]


def body(msg: email.message.Message) -> str:
    part = msg.get_body(preferencelist=("plain",)) if hasattr(msg, "get_body") else msg
    return part.get_content() if hasattr(part, "get_content") else str(part.get_payload(decode=True), "utf-8")


def register(client: Any, url: str, number: str, gross: str, mail: str, password: str = PASSWORD) -> Any:
    page = client.get("/register")
    code = captcha_of(url, client)
    return client.post("/register", data={
        "csrf": csrf_of(page.text), "invoice_number": number, "gross": gross, "email": mail,
        "password": password, "password2": password, "phone": "", "terms": "yes", "captcha": code})


def login(client: Any, login_id: str, password: str = PASSWORD) -> Any:
    page = client.get("/login")
    return client.post("/login", data={"csrf": csrf_of(page.text), "login_id": login_id, "password": password})


def activation_link(folder: Path, to: str) -> str:
    for msg in reversed(mails(folder)):
        if msg["To"] == to:
            m = re.search(r"https?://\S+/activate/\S+", body(msg))
            if m:
                return m.group(0)
    raise AssertionError(f"no activation mail to {to}")


def wait_until_serving(base: str, server: Any, seconds: float) -> None:
    """Wait for a portal process (``amr ebok serve``) to answer ``/login``; fail if it exits or never does."""
    import httpx

    deadline = time.monotonic() + seconds
    while True:
        try:
            httpx.get(f"{base}/login", timeout=2)
            return
        except httpx.HTTPError:
            assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
            time.sleep(0.2)


@contextmanager
def served(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yields the base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def activate(client: Any, folder: Path, to: str) -> None:
    link = activation_link(folder, to)
    r = client.get(link.split("testserver", 1)[1] if "testserver" in link else link)
    assert r.status_code == 200 and "aktywowane" in r.text, r.text


def customer_client(app: Any, url: str, mail_dir: Path, customer_id: str, mail: str) -> Any:
    """A TestClient logged in as ``customer_id`` (registered with its latest invoice, activated)."""
    from fastapi.testclient import TestClient

    client = TestClient(app)
    inv = invoice_of(url, customer_id)
    r = register(client, url, inv.number, f"{inv.gross:.2f}", mail)
    assert r.status_code == 200 and "wysłaliśmy" in r.text, r.text
    activate(client, mail_dir, mail)
    r = login(client, customer_id)
    assert r.status_code == 200 and r.url.path == "/dashboard", r.text
    return client
