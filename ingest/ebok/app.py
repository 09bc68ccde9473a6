"""The eBOK FastAPI application: ``create_app(db_url, mailer, settings)``.

Routes are plain synchronous functions (FastAPI runs them in its thread pool) on a SQLAlchemy session per
request; all HTML is rendered by Jinja2 with autoescaping, so text a customer types is shown, never run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import sessionmaker

from ingest.ebok import routes_account, routes_money, routes_service
from ingest.ebok.config import Settings
from ingest.ebok.mail import Mailer
from ingest.ebok.security import Throttle
from ingest.ebok.web import TEMPLATES, CsrfError, LoginRequired, error_page

STATIC = Path(__file__).parent / "static"


def zl(value: Any) -> str:
    """Polish money: ``1 234,56``."""
    return f"{Decimal(value):,.2f}".replace(",", "\u00a0").replace(".", ",")


def local(value: dt.datetime) -> str:
    """An instant as Polish local time (instants are stored in UTC; naive ones from SQLite are UTC)."""
    from zoneinfo import ZoneInfo

    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return f"{aware.astimezone(ZoneInfo('Europe/Warsaw')):%Y-%m-%d %H:%M}"


TEMPLATES.env.filters["zl"] = zl
TEMPLATES.env.filters["local"] = local


def create_app(db_url: str, mailer: Mailer, settings: Settings | None = None,
               clock: Callable[[], dt.datetime] | None = None) -> FastAPI:
    """The portal on ``db_url``; ``clock`` gives the instant of submitted readings (tests fix it to a day)."""
    import ingest.models  # noqa: F401  (every table on Base.metadata)
    from ingest.models.base import make_engine

    settings = settings or Settings()
    app = FastAPI(title="eBOK", docs_url=None, redoc_url=None, openapi_url=None)
    # at most as many connections as the thread pool has threads (anyio's default is 40): a request holds one
    # only inside its thread.  Ten stay open; the invoice list (one statement, ``lean``) returns its connection
    # within a millisecond, so 200 customers at 200 requests/s rarely need more.  Per process: with
    # ``--workers 2`` that is at most 80 of PostgreSQL's default 100 connections
    engine = make_engine(db_url, pool_size=10, max_overflow=30, pool_timeout=10)
    app.state.engine = engine
    app.state.sessions = sessionmaker(engine, expire_on_commit=False)
    app.state.settings = settings
    app.state.mailer = mailer
    app.state.clock = clock or (lambda: dt.datetime.now(dt.UTC))
    app.state.login_throttle = Throttle(engine, "login", settings.login_limit, 60.0)
    app.state.register_throttle = Throttle(engine, "register", settings.register_limit, 60.0)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.include_router(routes_account.router)
    app.include_router(routes_money.router)
    app.include_router(routes_service.router)

    @app.exception_handler(CsrfError)
    def _csrf(request: Request, _exc: CsrfError) -> Response:
        return error_page(request, 403, "csrf_failed")

    @app.exception_handler(LoginRequired)
    def _login(request: Request, _exc: LoginRequired) -> Response:
        from fastapi.responses import RedirectResponse

        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(HTTPException)
    def _http(request: Request, exc: HTTPException) -> Response:
        return error_page(request, exc.status_code, "not_found" if exc.status_code == 404 else "forbidden_manager")

    return app


ENV = {"db": "AMR_EBOK_DB", "smtp": "AMR_EBOK_SMTP", "mail_dir": "AMR_EBOK_MAIL_DIR",
       "config": "AMR_EBOK_CONFIG", "base_url": "AMR_EBOK_BASE_URL"}


def from_environment() -> FastAPI:
    """The app of one ``amr ebok serve --workers N`` process.

    uvicorn starts each worker process by importing an app factory, so ``serve`` hands its options over
    in the ``AMR_EBOK_*`` variables of ``ENV`` (the database URL, mail and settings), already checked.
    """
    import os

    from ingest.ebok.config import load_settings

    config = os.environ.get(ENV["config"])
    settings = load_settings(Path(config) if config else None)
    if os.environ.get(ENV["base_url"]):
        settings.base_url = os.environ[ENV["base_url"]]
    smtp = os.environ.get(ENV["smtp"]) or None
    mailer = Mailer(settings.mail_from, smtp, None if smtp else Path(os.environ.get(ENV["mail_dir"], "ebok-mail")))
    return create_app(os.environ[ENV["db"]], mailer, settings)
