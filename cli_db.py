"""``amr db``: create or upgrade the ingest database schema (Alembic), and the database helpers of the CLI.

Every database command takes ``--db URL`` or ``AMR_DB_URL``; without either it uses ``amr.db`` (SQLite)
in the working directory.  Database trouble ends in one ``error:`` line (password hidden) and exit
code 2, never a traceback: billing staff should learn that the server is down or the schema is missing,
not where in SQLAlchemy that was noticed.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Annotated, Any

import typer

app = typer.Typer(help="The ingest database: schema upgrades.", no_args_is_help=True)

DEFAULT_URL = "sqlite:///amr.db"
DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL (default: $AMR_DB_URL or sqlite:///amr.db).")]


def fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


def resolve_url(db: str | None) -> str:
    """``--db``, else ``AMR_DB_URL``, else SQLite in the working directory (contract 3).

    A bare file path (no ``scheme://``) means an SQLite file, because that is what a clerk copies from
    the demo's summary or a colleague's e-mail.
    """
    url = db or os.environ.get("AMR_DB_URL") or DEFAULT_URL
    return url if "://" in url else f"sqlite:///{url}"


def missing_sqlite_file(url: str) -> str | None:
    """The path of an SQLite database file that does not exist, else None.

    SQLite creates a missing file on connect, so a typo in ``--db`` would leave an empty file behind
    and end in a puzzling "no such table"; commands that read say what is really wrong instead.
    """
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:
        return None
    name = parsed.database or ""
    if not parsed.drivername.startswith("sqlite") or name in ("", ":memory:") or name.startswith("file:"):
        return None
    return None if os.path.exists(name) else name


def shown(url: str) -> str:
    """The URL with its password hidden, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparsable URL>"


def engine_for(db: str | None, *, create: bool = False) -> Any:
    """An engine for the resolved URL, or a clean exit when the URL is malformed or the file is missing.

    Only ``amr db upgrade`` passes ``create``: every other command needs a database that exists.
    """
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    from ingest.models.base import make_engine

    url = resolve_url(db)
    missing = None if create else missing_sqlite_file(url)
    if missing is not None:
        raise fail(f"database file {missing} does not exist; create it with `amr db upgrade --db {shown(url)}` "
                   "(or run `amr demo`, which leaves one in amr-demo/)")
    try:
        return make_engine(url)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise fail(f"--db {shown(url)}: not a usable database URL ({exc})") from None


@contextlib.contextmanager
def db_errors(engine: Any) -> Iterator[None]:
    """Turn database failures into one clear line: unreachable server, missing schema, other errors."""
    from sqlalchemy.exc import OperationalError, ProgrammingError, SQLAlchemyError

    where = engine.url.render_as_string(hide_password=True)
    try:
        yield
    except (OperationalError, ProgrammingError) as exc:
        text = str(exc.orig if getattr(exc, "orig", None) is not None else exc).strip().splitlines()[0]
        if "no such table" in text or ("does not exist" in text and "relation" in text):
            raise fail(f"database {where} has no ingest schema ({text}); run `amr db upgrade --db URL` first") \
                from None
        raise fail(f"database {where}: {text}") from None
    except SQLAlchemyError as exc:
        text = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise fail(f"database {where}: {text}") from None


def upgrade(url: str, revision: str = "head") -> None:
    """Run the Alembic migrations of ``ingest/migrations`` on ``url`` up to ``revision``."""
    from alembic import command

    from ingest.migrations import alembic_config

    command.upgrade(alembic_config(url), revision)


@app.command("upgrade")
def upgrade_cmd(db: DbOpt = None,
                revision: Annotated[str, typer.Option(help="Target revision.")] = "head") -> None:
    """Create the schema in an empty database, or bring an older one up to date."""
    engine = engine_for(db, create=True)
    with db_errors(engine):
        upgrade(resolve_url(db), revision)
    typer.echo(f"database {shown(resolve_url(db))} is at revision {revision}")


def billing_run_db(period: str, db: str, contracts: list[str] | None, issue_date: str | None, due_days: int,
                   number_pattern: str | None, allow_estimates: bool = False) -> Any:
    """``amr billing run --db``: bill from the database, store the run, print a summary.

    Returns the engine result, its rules and the customers, so the command can also write the files.
    """
    import datetime as dt

    from sqlalchemy.orm import Session

    from billing_rules.engine import bill
    from billing_rules.types import BillingDataError
    from cli_billing import refuse_all_estimates
    from ingest.billing_db import DEFAULT_NUMBER_PATTERN, BillingRefused, load_inputs, store_run
    from ingest.billing_inputs import BillingInputError

    try:
        issue = dt.date.fromisoformat(issue_date) if issue_date else None
    except ValueError:
        raise fail(f"--issue-date must be a date YYYY-MM-DD, got {issue_date!r}") from None
    if due_days < 0:
        raise fail(f"--due-days must be 0 or more, got {due_days}")
    if contracts:
        raise fail("--contract cannot be combined with --db: a stored run covers every contract of the period")
    engine = engine_for(db)
    try:
        with db_errors(engine), Session(engine) as session:
            try:
                inputs, rules = load_inputs(session, period)
                refuse_all_estimates(inputs, period, allow_estimates)
                result = bill(inputs, rules, period, None)
                stored = store_run(session, period, result, issue_date=issue, due_days=due_days,
                                   pattern=number_pattern or DEFAULT_NUMBER_PATTERN)
            except (BillingInputError, BillingDataError, BillingRefused) as exc:
                session.rollback()
                raise fail(str(exc)) from None
            session.commit()
    finally:
        engine.dispose()
    verb = "replaced the draft run" if stored.replaced else "stored as draft run"
    typer.echo(f"{period}: {stored.invoices} invoices, {stored.lines} lines, {stored.exceptions} exceptions, "
               f"{stored.registers} billed registers; {verb} {stored.run_id} in {shown(resolve_url(db))}")
    if stored.later:
        typer.echo(f"note: {', '.join(stored.later)} started from the registers this re-run replaced; "
                   "re-run those drafts too")
    return result, rules, inputs.customers
