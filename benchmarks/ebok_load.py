"""Load on the eBOK invoice list: N concurrent logged-in customers for D seconds, on SQLite and PostgreSQL.

Set-up per database: ``amr simulate town`` (enough meters for N customers), ``amr import folder``,
``amr billing run --db`` for two months (issued), N portal accounts created and activated.  The portal
runs as ``amr ebok serve`` in its own process on loopback; the load generator (asyncio + httpx, in this
process) logs each customer in through the login form, then every customer requests ``/invoices``:
paced so that all together offer ``--rate`` requests/s (open loop, the target's shape), and back to
back (closed loop, the maximum).  Printed: requests/s, p50/p99 latency, errors.  Target (issue 12): p99
under 200 ms at 200 requests/s.

    .venv/bin/python benchmarks/ebok_load.py --clients 200 --duration 60 [--workers 2] \
        --pg postgresql+psycopg://postgres@127.0.0.1:5432/amr_test_ebok

Why the portal is fast or slow: ``benchmarks/ebok_profile.py`` profiles one ``/invoices`` request.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from ebok_helpers import wait_until_serving  # noqa: E402

from simulators.demo.broker import free_port  # noqa: E402

PASSWORD = "Benchmark-Password-1"


def amr(*args: object) -> None:
    subprocess.run([str(ROOT / ".venv/bin/amr"), *map(str, args)], check=True, stdout=subprocess.DEVNULL)


def prepare(url: str, work: Path, clients: int) -> list[str]:
    """A billed database with ``clients`` active customer accounts; returns their user numbers."""
    sys.path.insert(0, str(ROOT))
    import ingest.models  # noqa: F401
    from ingest.models.base import Base, make_engine

    if url.startswith("postgresql"):
        from sqlalchemy import create_engine, text

        e = create_engine(url, isolation_level="AUTOCOMMIT")
        with e.connect() as c:
            c.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            c.execute(text("CREATE SCHEMA public"))
        e.dispose()
    town = work / "town"
    amr("simulate", "town", "--meters", int(clients * 1.6) + 40, "--seed", 7, "--out", town)
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    amr("import", "folder", town, "--db", url)
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from ingest.billing_db import issue_period
    from ingest.ebok.models import PortalAccount
    from ingest.ebok.security import hash_password
    from ingest.models.billing import Invoice

    for period, issue in (("2026-09", "2026-10-02"), ("2026-10", "2026-11-03")):
        amr("billing", "run", "--period", period, "--db", url, "--issue-date", issue)
        with Session(engine) as s:
            issue_period(s, period)
            s.commit()
    hashed = hash_password(PASSWORD)
    with Session(engine) as s:
        ids = sorted(set(s.scalars(select(Invoice.customer_id)).all()))[:clients]
        for cid in ids:
            s.add(PortalAccount(customer_id=cid, email=f"{cid.lower()}@bench.example", password_hash=hashed,
                                status="active"))
        s.commit()
    engine.dispose()
    if len(ids) < clients:
        raise SystemExit(f"only {len(ids)} invoiced customers in the town; raise --meters")
    return ids


async def login(client, base: str, cid: str) -> None:  # type: ignore[no-untyped-def]
    page = await client.get(f"{base}/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = await client.post(f"{base}/login", data={"csrf": csrf, "login_id": cid, "password": PASSWORD})
    if not str(r.url).endswith("/dashboard"):
        raise RuntimeError(f"login of {cid} failed: {r.status_code}")


async def load(base: str, ids: list[str], duration: float, rate: float) -> tuple[list[float], int, float]:
    """Every customer requests the invoice list; paced to ``rate`` requests/s in all (open loop), or back
    to back when ``rate`` is 0 (closed loop: the server's maximum)."""
    import httpx

    clients = [httpx.AsyncClient(follow_redirects=True, timeout=30) for _ in ids]
    sem = asyncio.Semaphore(8)

    async def one(c, cid):  # type: ignore[no-untyped-def]
        async with sem:
            await login(c, base, cid)

    await asyncio.gather(*(one(c, cid) for c, cid in zip(clients, ids, strict=True)))
    latencies: list[float] = []
    errors = 0
    kinds: dict[str, int] = {}
    stop = time.perf_counter() + duration

    interval = len(ids) / rate if rate else 0.0

    async def worker(c, k: int) -> None:  # type: ignore[no-untyped-def]
        nonlocal errors
        due = time.perf_counter() + interval * k / len(ids)
        while time.perf_counter() < stop:
            if interval:
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                due = max(due + interval, time.perf_counter())
            t0 = time.perf_counter()
            try:
                r = await c.get(f"{base}/invoices")
                ok = r.status_code == 200 and "/pdf" in r.text
                kind = f"HTTP {r.status_code}" + ("" if r.status_code != 200 else " without the list")
            except httpx.HTTPError as exc:
                ok, kind = False, type(exc).__name__
            latencies.append(time.perf_counter() - t0)
            errors += not ok
            if not ok:
                kinds[kind] = kinds.get(kind, 0) + 1

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(c, k) for k, c in enumerate(clients)))
    elapsed = time.perf_counter() - t0
    for c in clients:
        await c.aclose()
    if kinds:
        print("errors:", ", ".join(f"{k} ×{n}" for k, n in sorted(kinds.items())), flush=True)
    return latencies, errors, elapsed


def run_one(label: str, url: str, clients: int, duration: float, rates: list[float], workers: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        ids = prepare(url, work, clients)
        setup = time.perf_counter() - t0
        port = free_port()
        server = subprocess.Popen([str(ROOT / ".venv/bin/amr"), "ebok", "serve", "--db", url, "--port", str(port),
                                   "--mail-dir", str(work / "mail"), "--workers", str(workers),
                                   # idle connections wait while the other customers log in
                                   "--keep-alive", "75"], stdout=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_serving(base, server, 30)
            for rate in rates:
                lat, errors, elapsed = asyncio.run(load(base, ids, duration, rate))
                lat.sort()
                n = len(lat)

                def p(q: float, lat: list[float] = lat, n: int = n) -> float:
                    return lat[min(n - 1, int(q * n))] * 1000

                offered = f"{rate:g} req/s offered" if rate else "closed loop"
                print(f"{label:<10} workers={workers} clients={clients} {offered:<20} duration={elapsed:.1f}s "
                      f"requests={n} req/s={n / elapsed:,.1f} p50={p(0.50):.1f}ms p99={p(0.99):.1f}ms "
                      f"max={lat[-1] * 1000:.1f}ms errors={errors} (set-up {setup:.1f}s)", flush=True)
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--pg", help="PostgreSQL URL (its public schema is dropped and recreated)")
    ap.add_argument("--skip-sqlite", action="store_true")
    ap.add_argument("--rate", type=float, action="append",
                    help="offered requests/s in all (repeatable; 0 = closed loop); default 200 and 0")
    ap.add_argument("--workers", type=int, default=1, help="portal processes (amr ebok serve --workers)")
    args = ap.parse_args()
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as d:
            run_one("sqlite", f"sqlite:///{d}/ebok.db", args.clients, args.duration, args.rate or [200.0, 0.0],
                    args.workers)
    if args.pg:
        run_one("postgresql", args.pg, args.clients, args.duration, args.rate or [200.0, 0.0], args.workers)


if __name__ == "__main__":
    main()
