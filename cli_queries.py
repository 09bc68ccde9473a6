"""Queries for billing staff: ``amr readings show``, ``amr meters unread``, ``amr alarms``,
``amr quarantine list`` and ``amr invoices list|show|issue``.

Every query takes ``--db`` and ``--format table|csv|json`` (json is one JSON array).  None of them can
print a meter key: the queries never read the key table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

import typer

from cli_db import DbOpt, db_errors, engine_for, fail


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


FormatOpt = Annotated[Format, typer.Option("--format", help="table, csv or json (a JSON array).")]
SinceOpt = Annotated[str, typer.Option("--since", help="Local day YYYY-MM-DD.")]

readings_app = typer.Typer(help="Readings stored in the database.", no_args_is_help=True)
meters_app = typer.Typer(help="Meters in the database.", no_args_is_help=True)
quarantine_app = typer.Typer(help="Frames ingest could not decode, with the reason.", no_args_is_help=True)
invoices_app = typer.Typer(help="Invoices stored by `amr billing run --db`.", no_args_is_help=True)


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fail(f"--since must be a date YYYY-MM-DD, got {value!r}") from None


def _query(db: str | None, fn: Callable[[Any], Any]) -> Any:
    from sqlalchemy.orm import Session

    from ingest.queries import QueryError

    engine = engine_for(db)
    try:
        with db_errors(engine), Session(engine) as session:
            try:
                return fn(session)
            except QueryError as exc:
                raise fail(str(exc)) from None
    finally:
        engine.dispose()


def _print(rows: list[dict[str, Any]], fmt: Format, columns: list[str]) -> None:
    from ingest.queries import render

    typer.echo(render(rows, fmt.value, columns))


@readings_app.command("show")
def readings_show(ident: Annotated[str, typer.Argument(metavar="METER_ID|CONTRACT_ID")], db: DbOpt = None,
                  fmt: FormatOpt = Format.table) -> None:
    """Every reading of a meter, or of the meters of a contract's premises, with its source."""
    from ingest.queries import readings_show as query
    from ingest.queries.staff import READING_COLUMNS

    _print(_query(db, lambda s: query(s, ident)), fmt, READING_COLUMNS)


@meters_app.command("unread")
def meters_unread(since: SinceOpt, db: DbOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Meters in service with no reading since DATE (the next drive's work list)."""
    from ingest.queries import meters_unread as query
    from ingest.queries.staff import UNREAD_COLUMNS

    day = _day(since)
    _print(_query(db, lambda s: query(s, day)), fmt, UNREAD_COLUMNS)


def alarms(since: SinceOpt, db: DbOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Readings with alarms (leak, burst, backflow, magnet …) since DATE, newest first."""
    from ingest.queries import alarms_since
    from ingest.queries.staff import ALARM_COLUMNS

    day = _day(since)
    _print(_query(db, lambda s: alarms_since(s, day)), fmt, ALARM_COLUMNS)


@quarantine_app.command("list")
def quarantine_list(db: DbOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Quarantined frames with reason, attempts and last try."""
    from ingest.queries import quarantine_list as query

    columns, rows = _query(db, query)
    _print(rows, fmt, columns)


@invoices_app.command("list")
def invoices_list(
    db: DbOpt = None, fmt: FormatOpt = Format.table,
    customer: Annotated[str | None, typer.Option(help="Only this customer.")] = None,
    contract: Annotated[str | None, typer.Option(help="Only this contract.")] = None,
    period: Annotated[str | None, typer.Option(help="Only this closing month YYYY-MM.")] = None,
    status: Annotated[str | None, typer.Option(help="draft or issued.")] = None,
) -> None:
    """Stored invoices with number, dates and amounts."""
    from ingest.queries import invoices_list as query
    from ingest.queries.staff import INVOICE_COLUMNS

    _print(_query(db, lambda s: query(s, customer, contract, period, status)), fmt, INVOICE_COLUMNS)


@invoices_app.command("show")
def invoices_show(number: Annotated[str, typer.Argument(help="Invoice number, e.g. 123456/2026/10/01.")],
                  db: DbOpt = None, fmt: FormatOpt = Format.table) -> None:
    """One invoice and its lines."""
    from ingest.queries import invoice_detail, render
    from ingest.queries.staff import INVOICE_COLUMNS, LINE_COLUMNS

    head, lines = _query(db, lambda s: invoice_detail(s, number))
    if fmt is Format.json:
        typer.echo(render([{**head, "lines": lines}], "json", [*INVOICE_COLUMNS, "lines"]))
        return
    if fmt is Format.csv:
        typer.echo(render([{**head, **ln} for ln in lines], "csv", INVOICE_COLUMNS + LINE_COLUMNS))
        return
    typer.echo(render([head], "table", INVOICE_COLUMNS))
    typer.echo("")
    typer.echo(render(lines, "table", LINE_COLUMNS))


@invoices_app.command("issue")
def invoices_issue(period: Annotated[str, typer.Option("--period", help="Closing month YYYY-MM.")],
                   db: DbOpt = None) -> None:
    """Issue the period's draft invoices: they become final and the period can no longer be re-run."""
    from ingest.billing_db import BillingRefused, issue_period

    def run(session: Any) -> int:
        try:
            n = issue_period(session, period)
        except BillingRefused as exc:
            raise fail(str(exc)) from None
        session.commit()
        return n

    n = _query(db, run)
    typer.echo(f"{period}: {n} invoices issued")


def register(app: typer.Typer) -> None:
    """Add the query commands to the ``amr`` app (one call in cli.py)."""
    app.add_typer(readings_app, name="readings")
    app.add_typer(meters_app, name="meters")
    app.add_typer(quarantine_app, name="quarantine")
    app.add_typer(invoices_app, name="invoices")
    app.command("alarms")(alarms)
