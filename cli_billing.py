"""``amr billing``: run billing on a folder of input files, list exceptions, explain an invoice.

Thin on purpose: files are read and validated by ``ingest.billing_inputs``, numbers come from
``billing_rules``.  Any input problem ends with one line on stderr naming the file, row and column,
and exit code 2, because billing staff fix data, not stack traces.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from billing_rules.engine import bill
from billing_rules.explain import explain as explain_text
from billing_rules.types import BillingDataError, BillingResult, Rules
from ingest.billing_inputs import BillingInputError, load_folder

app = typer.Typer(help="Billing: invoice lines, exceptions report and step-by-step explanations.",
                  no_args_is_help=True)

DataOpt = Annotated[Path, typer.Option("--data", help="Folder with the input CSV/Parquet files.")]
PeriodOpt = Annotated[str, typer.Option("--period", help="Closing month of the run, YYYY-MM.")]
ReadingsOpt = Annotated[Path | None, typer.Option("--readings", help="Extra readings file (CSV or Parquet) "
                                                                       "from another system.")]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


def _check_period(period: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        raise _fail(f"--period must be a month as YYYY-MM, got {period!r}")
    return period


def _run(data: Path, period: str, contracts: list[str] | None,
         readings: Path | None) -> tuple[BillingResult, Rules]:
    _check_period(period)
    try:
        inputs, rules = load_folder(data, readings)
    except BillingInputError as exc:
        raise _fail(str(exc)) from None
    contracts_file = inputs.files.get("contracts", "contracts.csv")
    for contract_id in contracts or []:
        if not (inputs.contracts["contract_id"] == contract_id).any():
            raise _fail(f"{contracts_file}, column contract_id: unknown contract {contract_id!r}")
    try:
        return bill(inputs, rules, period, contracts or None), rules
    except BillingDataError as exc:
        file = inputs.files.get(exc.file, exc.file)
        raise _fail(f"{file}, column {exc.column}: {exc.message}") from None
    except Exception as exc:  # a bug, not bad input: still one line, but exit 1 and ask for a report
        typer.echo(f"error: internal billing error ({type(exc).__name__}: {exc}); please report it "
                   f"with the data folder", err=True)
        raise typer.Exit(code=1) from None


def _write(frame: pd.DataFrame, path: Path) -> None:
    if path.suffix not in (".csv", ".parquet"):
        raise _fail(f"{path}: output must end in .csv or .parquet")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False, date_format="%Y-%m-%d")
    except OSError as exc:
        raise _fail(f"{path}: cannot write: {exc.strerror or exc}") from None


@app.command()
def run(
    period: PeriodOpt,
    out: Annotated[Path | None, typer.Option("--out", help="Invoice lines file, .csv or .parquet "
                                             "(required with --data).")] = None,
    data: DataOpt = Path("."),
    contract: Annotated[list[str] | None, typer.Option("--contract", help="Bill only these contracts.")] = None,
    exceptions_out: Annotated[Path | None, typer.Option("--exceptions-out", help="Exceptions file "
                                                          "(default: next to --out).")] = None,
    readings: ReadingsOpt = None,
    db: Annotated[str | None, typer.Option("--db", help="Bill from the ingest database (URL) and store the "
                                           "invoices there; --data is then not read.")] = None,
    issue_date: Annotated[str | None, typer.Option(help="With --db: invoice issue date (default today).")] = None,
    due_days: Annotated[int, typer.Option(help="With --db: days from issue to due date.")] = 14,
    number_pattern: Annotated[str | None, typer.Option(help="With --db: invoice number pattern, default "
                                                       "{customer_id}/{year}/{month:02}/{seq:02}.")] = None,
) -> None:
    """Bill every contract whose cycle closes in PERIOD and write invoice lines and exceptions.

    Also writes the registers billed at the period end (FILE-registers.csv/.parquet); put it into the
    data folder as billed_registers for the next run so estimates are reconciled.  With --db the run is
    stored in the database (the next period starts from its registers) and files are written only
    when --out is given.
    """
    if out is not None and out.suffix not in (".csv", ".parquet"):
        raise _fail(f"{out}: --out must end in .csv or .parquet")
    if db is not None:
        import cli_db

        result = cli_db.billing_run_db(_check_period(period), db, contract, issue_date, due_days, number_pattern)
        if out is None:
            return
    elif out is None:
        raise _fail("--out is required with --data")
    else:
        result, _ = _run(data, period, contract, readings)
    exc_path = exceptions_out or out.with_name(f"{out.stem}-exceptions{out.suffix}")
    reg_path = out.with_name(f"{out.stem}-registers{out.suffix}")
    _write(result.lines, out)
    _write(result.exceptions, exc_path)
    _write(result.registers, reg_path)
    invoices = result.lines.groupby(["contract_id", "period"]).ngroups
    typer.echo(f"{invoices} invoices, {len(result.lines)} lines -> {out}; "
               f"{len(result.exceptions)} exceptions -> {exc_path}; registers -> {reg_path}")


@app.command()
def exceptions(
    period: PeriodOpt,
    data: DataOpt = Path("."),
    contract: Annotated[list[str] | None, typer.Option("--contract", help="Only these contracts.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write to .csv/.parquet instead of stdout.")] = None,
    readings: ReadingsOpt = None,
) -> None:
    """List the exceptions of the run closing in PERIOD (missing reads, estimates, alarms …)."""
    result, _ = _run(data, period, contract, readings)
    if out is not None:
        _write(result.exceptions, out)
        typer.echo(f"{len(result.exceptions)} exceptions -> {out}")
        return
    result.exceptions.to_csv(sys.stdout, index=False)


@app.command()
def explain(
    contract_id: Annotated[str, typer.Argument(help="Contract to explain.")],
    period: PeriodOpt,
    data: DataOpt = Path("."),
    readings: ReadingsOpt = None,
) -> None:
    """Print, step by step, which readings, rules and prices produced each invoice line."""
    result, rules = _run(data, period, [contract_id], readings)
    typer.echo(explain_text(result, rules, contract_id))
