"""``amr billing``: run billing on a folder of input files, list exceptions, explain an invoice.

Thin on purpose: files are read and validated by ``ingest.billing_inputs``, numbers come from
``billing_rules``.  Any input problem ends with one line on stderr naming the file, row and column,
and exit code 2, because billing staff fix data, not stack traces.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # pandas and the engine load only when a command runs: `amr --help` stays fast
    import pandas as pd

    from billing_rules.types import BillingInputs, BillingResult, Rules

ESTIMATE_WARNING_SHARE = 0.10  # warn when more metered contracts than this are billed on estimates

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


def _run(data: Path, period: str, contracts: list[str] | None, readings: Path | None,
         allow_estimates: bool = True) -> tuple[BillingResult, Rules, pd.DataFrame]:
    """Load, check and bill; returns the result, the rules and the customers (for the invoice file)."""
    from billing_rules.engine import bill
    from billing_rules.types import BillingDataError
    from ingest.billing_inputs import BillingInputError, load_folder

    _check_period(period)
    try:
        inputs, rules = load_folder(data, readings)
    except BillingInputError as exc:
        raise _fail(str(exc)) from None
    contracts_file = inputs.files.get("contracts", "contracts.csv")
    for contract_id in contracts or []:
        if not (inputs.contracts["contract_id"] == contract_id).any():
            raise _fail(f"{contracts_file}, column contract_id: unknown contract {contract_id!r}")
    refuse_all_estimates(inputs, period, allow_estimates)
    try:
        return bill(inputs, rules, period, contracts or None), rules, inputs.customers
    except BillingDataError as exc:
        file = inputs.files.get(exc.file, exc.file)
        raise _fail(f"{file}, column {exc.column}: {exc.message}") from None
    except Exception as exc:  # a bug, not bad input: still one line, but exit 1 and ask for a report
        typer.echo(f"error: internal billing error ({type(exc).__name__}: {exc}); please report it "
                   f"with the data folder", err=True)
        raise typer.Exit(code=1) from None


def refuse_all_estimates(inputs: BillingInputs, period: str, allow_estimates: bool) -> None:
    """Stop a run whose readings all predate the period, from a folder or the database alike.

    Such a run is nearly always a forgotten import (the van's or the portal's readings of the month are
    not loaded yet), and issuing a month of estimates to every customer is costly to undo.
    """
    from billing_rules.engine import readings_since

    if allow_estimates or not len(inputs.readings) or readings_since(inputs, period) > 0:
        return
    last = str(inputs.readings["read_at"].max())[:10]
    raise _fail(f"{inputs.files.get('readings', 'readings')}: no reading on or after {period}-01 (the last is "
                f"from {last}); every metered contract of {period} would be an estimate. Give "
                f"--allow-estimates to bill it anyway")


def _estimate_warning(result: BillingResult, period: str) -> None:
    """One warning line on stderr when estimates, not readings, carry more than 10 % of the run."""
    from billing_rules.engine import estimate_share

    estimated, metered = estimate_share(result)
    if metered and estimated > ESTIMATE_WARNING_SHARE * metered:
        typer.echo(f"warning: {estimated} of {metered} metered contracts ({100 * estimated / metered:.1f} %) billed "
                   f"on estimates in {period}: are the readings of {period} loaded? "
                   f"(see kind 'estimate' in the exceptions file)", err=True)


def _kinds(result: BillingResult) -> str:
    """Exception counts by kind, e.g. ``estimate 12, missing_reading 3``; ``none`` when empty."""
    counts = result.exceptions["kind"].value_counts().sort_index()
    return ", ".join(f"{kind} {n}" for kind, n in counts.items()) or "none"


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
    allow_estimates: Annotated[bool, typer.Option(
        "--allow-estimates", metavar="", help="Bill a month with no reading on or after its first day "
        "(every metered contract then gets an estimate).")] = False,
    db: Annotated[str | None, typer.Option("--db", envvar="AMR_DB_URL", help="Bill from the ingest database (URL) "
                                           "and store the invoices there; --data is then not read.")] = None,
    issue_date: Annotated[str | None, typer.Option(help="With --db: invoice issue date (default today).")] = None,
    due_days: Annotated[int, typer.Option(help="With --db: days from issue to due date.")] = 14,
    number_pattern: Annotated[str | None, typer.Option(help="With --db: invoice number pattern, default "
                                                       "{customer_id}/{year}/{month:02}/{seq:02}.")] = None,
) -> None:
    """Bill every contract whose cycle closes in PERIOD and write invoice lines and exceptions.

    Also writes one row per invoice (FILE-invoices.csv/.parquet) and the registers billed at the period
    end (FILE-registers.csv/.parquet); put the latter into the data folder as billed_registers for the
    next run so estimates are reconciled. With --db the run is stored in the database (the next period
    starts from its registers) and files are written only when --out is given.
    """
    from billing_rules.invoices import build_invoices, lines_for_output

    if out is not None and out.suffix not in (".csv", ".parquet"):
        raise _fail(f"{out}: --out must end in .csv or .parquet")
    if db is not None:
        import cli_db

        result, rules, customers = cli_db.billing_run_db(_check_period(period), db, contract, issue_date, due_days,
                                                         number_pattern, allow_estimates)
        if out is None:
            typer.echo(f"{period} exceptions by kind: {_kinds(result)}")
            _estimate_warning(result, period)
            return
    elif out is None:
        raise _fail("--out is required with --data")
    else:
        result, rules, customers = _run(data, period, contract, readings, allow_estimates)
    exc_path = exceptions_out or out.with_name(f"{out.stem}-exceptions{out.suffix}")
    reg_path = out.with_name(f"{out.stem}-registers{out.suffix}")
    inv_path = out.with_name(f"{out.stem}-invoices{out.suffix}")
    invoices = build_invoices(result.periods, result.segments, result.lines, customers)
    _write(lines_for_output(result.lines, rules), out)
    _write(invoices, inv_path)
    _write(result.exceptions, exc_path)
    _write(result.registers, reg_path)
    typer.echo(f"{period}: {len(invoices)} invoices -> {inv_path}; {len(result.lines)} lines -> {out}; "
               f"{len(result.exceptions)} exceptions -> {exc_path}; registers -> {reg_path}")
    typer.echo(f"{period} exceptions by kind: {_kinds(result)}")
    _estimate_warning(result, period)


@app.command()
def exceptions(
    period: PeriodOpt,
    data: DataOpt = Path("."),
    contract: Annotated[list[str] | None, typer.Option("--contract", help="Only these contracts.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write to .csv/.parquet instead of stdout.")] = None,
    readings: ReadingsOpt = None,
) -> None:
    """List the exceptions of the run closing in PERIOD (missing reads, estimates, alarms …)."""
    result, _, _ = _run(data, period, contract, readings)
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
    from billing_rules.explain import explain as explain_text

    result, rules, _ = _run(data, period, [contract_id], readings)
    typer.echo(explain_text(result, rules, contract_id))
