"""Where one ``/invoices`` request of the eBOK portal spends its time: cProfile in-process, no network.

The load benchmark (``ebok_load.py``) says how fast the portal is; this says why.  It prepares a billed
database the same way (``ebok_load.prepare``), logs one customer in through the real app, then calls the
ASGI app directly (no HTTP server, no test client) ``--requests`` times under cProfile and prints the
mean time per request and the functions with the most cumulative time.

    .venv/bin/python benchmarks/ebok_profile.py --requests 500
    .venv/bin/python benchmarks/ebok_profile.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/amr_x
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


async def call(app: Any, path: str, cookie: str) -> tuple[int, bytes]:
    """One GET through the ASGI interface, as uvicorn would make it."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"127.0.0.1"), (b"cookie", f"ebok_session={cookie}".encode())],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8080)}
    status = 0
    body = bytearray()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(msg: dict[str, Any]) -> None:
        nonlocal status
        if msg["type"] == "http.response.start":
            status = msg["status"]
        elif msg["type"] == "http.response.body":
            body.extend(msg.get("body", b""))

    await app(scope, receive, send)
    return status, bytes(body)


def profile(url: str, requests: int, top: int) -> None:
    from ebok_load import PASSWORD, prepare
    from fastapi.testclient import TestClient

    from ingest.ebok.app import create_app
    from ingest.ebok.mail import Mailer

    with tempfile.TemporaryDirectory() as tmp:
        ids = prepare(url, Path(tmp), 20)
        app = create_app(url, Mailer("eBOK <x@y.z>", None, Path(tmp) / "mail"))
        with TestClient(app) as client:
            import re

            page = client.get("/login")
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            r = client.post("/login", data={"csrf": csrf, "login_id": ids[0], "password": PASSWORD})
            assert r.url.path == "/dashboard", r.status_code
            cookie = client.cookies["ebok_session"]

            async def many(n: int) -> None:
                for _ in range(n):
                    status, body = await call(app, "/invoices", cookie)
                    assert status == 200 and b"/pdf" in body, status

            asyncio.run(many(50))  # warm-up: caches, compiled templates, pooled connections
            t0 = time.perf_counter()
            asyncio.run(many(requests))
            plain = (time.perf_counter() - t0) / requests
            # cProfile sees only this thread: run FastAPI's thread-pool hops inline while profiling
            import anyio.to_thread

            threaded = anyio.to_thread.run_sync

            async def inline(func: Any, *args: Any, **_kw: Any) -> Any:
                return func(*args)

            anyio.to_thread.run_sync = inline  # type: ignore[assignment]
            t0 = time.perf_counter()
            asyncio.run(many(requests))
            unthreaded = (time.perf_counter() - t0) / requests
            prof = cProfile.Profile()
            prof.enable()
            asyncio.run(many(requests))
            prof.disable()
            anyio.to_thread.run_sync = threaded
        print(f"{url.split(':')[0]}: {plain * 1000:.2f} ms per /invoices request (without the profiler), "
              f"{unthreaded * 1000:.2f} ms with the thread-pool hops inline")
        pstats.Stats(prof).sort_stats("cumulative").print_stats(top)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--top", type=int, default=45)
    ap.add_argument("--pg", help="PostgreSQL URL (its public schema is dropped and recreated)")
    args = ap.parse_args()
    if args.pg:
        profile(args.pg, args.requests, args.top)
    else:
        with tempfile.TemporaryDirectory() as d:
            profile(f"sqlite:///{d}/ebok.db", args.requests, args.top)


if __name__ == "__main__":
    main()
