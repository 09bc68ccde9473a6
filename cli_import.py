"""``amr import``: load master data, keys, tariffs and readings files (or a whole folder) into the database.

The formats are the billing input formats (``ingest/billing_inputs.py``), so any folder billing reads
can be imported.  A file with any bad row is rejected whole: every bad row is listed (row, column,
reason) on stderr, exit code 2, and the database is unchanged.  A folder is one transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli_db import DbOpt, db_errors, engine_for, fail

app = typer.Typer(help="Import master data, keys, tariffs and readings (CSV/Parquet) into the database.",
                  no_args_is_help=True)

MAX_SHOWN = 20  # changed values listed after an import; all of them are in master_changes
FileArg = Annotated[Path, typer.Argument(help="CSV or Parquet file in the billing input format.")]


def _run(kind: str | None, path: Path, db: str | None, source: str | None = None) -> None:
    from sqlalchemy.orm import Session

    from ingest.importers import ImportRejected, import_file, import_folder

    engine = engine_for(db)
    try:
        with db_errors(engine), Session(engine) as session:
            try:
                reports = import_folder(session, path) if kind is None else \
                    [import_file(session, kind, path, source=source)]
            except ImportRejected as exc:
                session.rollback()
                raise fail(str(exc)) from None
            session.commit()
    finally:
        engine.dispose()
    for report in reports:
        typer.echo(report.line())
        for flag in report.flagged or []:
            typer.echo(f"  flagged: {flag}")
        for change in (report.changes or [])[:MAX_SHOWN]:
            typer.echo(f"  changed: {change}")
        if len(report.changes or []) > MAX_SHOWN:
            typer.echo(f"  … and {len(report.changes or []) - MAX_SHOWN} more changes (table master_changes)")
    if kind is None:
        used = {r.file for r in reports}
        other = sorted(p.name for p in path.iterdir() if p.is_file() and p.name not in used)
        if other:
            typer.echo(f"not imported (not master data, keys, tariffs or readings): {', '.join(other)}")


def _kind_command(kind: str, doc: str) -> None:
    def command(file: FileArg, db: DbOpt = None) -> None:
        _run(kind, file, db)

    command.__doc__ = doc
    app.command(kind)(command)


for _kind, _doc in (
    ("customers", "Customers: customer_id, name (address, email, phone when known)."),
    ("premises", "Premises: premises_id, address, persons, norm_category, sewered."),
    ("contracts", "Contracts of customers for premises, with tariff group and billing cycle."),
    ("meters", "Meters (8-digit id as printed = radio id), their role, dates and registers."),
    ("keys", "Meter keys, CSV id,key[,manufacturer]; keys are never printed or logged."),
    ("tariffs", "Water and sewage prices per m³ of each tariff group."),
    ("abonaments", "Monthly fixed charges of each tariff group."),
    ("billing_periods", "Custom billing periods of contracts with cycle_months 0."),
    ("norms", "The utility's own norm table (replaces the shipped one for billing from the database)."),
    ("billed_registers", "Registers an earlier billing system closed its periods with (the next run starts there)."),
):
    _kind_command(_kind, _doc)


@app.command("readings")
def readings(
    file: FileArg,
    db: DbOpt = None,
    source: Annotated[str | None, typer.Option("--source", help="van|customer|manual|import; fills a missing "
                                               "source column, or must match it.")] = None,
) -> None:
    """Readings; customer rows also pass the self-reading rules (no drop without rollover or replacement)."""
    _run("readings", file, db, source)


@app.command("folder")
def folder(directory: Annotated[Path, typer.Argument(help="Billing input folder, e.g. from amr simulate town.")],
           db: DbOpt = None) -> None:
    """Every known file of a billing input folder, parents first, in one transaction."""
    _run(None, directory, db)
