"""The login throttle lives in the database, so every portal process counts the same failures.

Two app instances on one database stand for two processes in-process; ``amr ebok serve --workers 2``
is then started for real and tried over a fresh connection each time, which the kernel hands to
either process (which one is not observable from outside, hence the in-process test as well).  The
11th failed login within a minute is refused (429) in every case.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
from db_urls import db_url  # noqa: F401  (fixture)
from ebok_helpers import billed_db, customer_client, free_port, login, make_app, session, wait_until_serving
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ingest.ebok.models import ThrottleEvent
from ingest.ebok.security import Throttle
from ingest.models.base import make_engine

ROOT = Path(__file__).resolve().parents[1]


def test_two_apps_on_one_database_share_the_throttle(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    billed_db(db_url, tmp_path / "folder")
    first = make_app(db_url, tmp_path / "mail", base_url="http://testserver")
    customer_client(first, db_url, tmp_path / "mail", "123456", "anna@example.pl")
    second = make_app(db_url, tmp_path / "mail", base_url="http://testserver")
    a, b = TestClient(first), TestClient(second)
    codes = [login(a if n % 2 else b, "123456", "wrong-password-1").status_code for n in range(10)]
    assert codes == [401] * 10
    assert login(b, "123456", "wrong-password-1").status_code == 429
    assert login(a, "123456").status_code == 429  # even the right password waits
    with session(db_url) as s:
        keys = s.scalars(select(ThrottleEvent.key)).all()
    # two keys per failed login (client address, login name) and one for the registration, all digests: no
    # login names or addresses in the table
    assert len(keys) == 2 * 10 + 1 and all(re.fullmatch(r"[0-9a-f]{64}", k) for k in keys)


def test_the_window_slides(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    from ebok_helpers import create_tables

    create_tables(db_url)
    engine = make_engine(db_url)
    try:
        t = Throttle(engine, "login", limit=2, window=1.0)
        other = Throttle(engine, "register", limit=2, window=1.0)
        t.hit("ip:1")
        assert not t.blocked("ip:1")
        t.hit("ip:1")
        assert t.blocked("ip:1") and t.blocked("ip:2", "ip:1") and not t.blocked("ip:2")
        assert not other.blocked("ip:1")  # scopes count apart
        time.sleep(1.1)
        assert not t.blocked("ip:1")
        t.hit("ip:3")  # a hit clears events older than the window
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(ThrottleEvent)).scalar_one() == 1
    finally:
        engine.dispose()


def test_eleventh_failed_login_is_throttled_across_two_server_processes(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    billed_db(db_url, tmp_path / "folder")
    customer_client(make_app(db_url, tmp_path / "mail", base_url="http://testserver"), db_url, tmp_path / "mail",
                    "123456", "anna@example.pl")
    port = free_port()
    amr = str(Path(sys.executable).parent / "amr")
    server = subprocess.Popen([amr, "ebok", "serve", "--db", db_url, "--port", str(port), "--mail-dir",
                               str(tmp_path / "mail"), "--workers", "2"], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, server, 60)

        def attempt(password: str) -> int:
            # a fresh client each time: a new connection (and session), so both processes take turns
            with httpx.Client(base_url=base, timeout=10) as c:
                page = c.get("/login")
                csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
                r = c.post("/login", data={"csrf": csrf, "login_id": "123456", "password": password})
                return r.status_code

        assert [attempt("wrong-password-1") for _ in range(10)] == [401] * 10
        assert attempt("wrong-password-1") == 429
        assert attempt("Zielona-Woda-2026") == 429
    finally:
        server.terminate()
        try:
            out, _ = server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            out, _ = server.communicate()
    assert "2 processes" in out, out


def test_serve_on_a_0001_database_asks_for_the_upgrade(db_url: str) -> None:  # noqa: F811
    from ingest_data import amr

    import cli_db

    cli_db.upgrade(db_url, "0001")
    r = amr("ebok", "serve", "--db", db_url)
    assert r.exit_code == 2 and "no table portal_throttle, settlement_changes" in r.stderr, r.stderr
    assert "amr db upgrade" in r.stderr and "Traceback" not in r.stderr
