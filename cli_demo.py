"""`amr demo`: the whole job on embedded defaults, in one command (thin; the plan is in simulators.demo)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for everything the demo writes.")] = Path("amr-demo"),
    meters: Annotated[int, typer.Option("--meters", help="Meters in the simulated town.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; the same seed gives the same town and drive.")]
    = 7,
    period: Annotated[str, typer.Option("--period", help="The month billed (YYYY-MM; default: last month). The "
                                        "van drives today.")] = "",
    dongle: Annotated[str, typer.Option("--dongle", help="The virtual USB receiver the van uses.")] = "im871a",
    db: Annotated[str | None, typer.Option("--db", envvar="AMR_DB_URL",
                                           help="Database URL (default: SQLite in --out).")] = None,
    broker: Annotated[str | None, typer.Option("--broker", envvar="AMR_BROKER_URL",
                                               help="MQTT broker URL (default: a local one the demo starts).")]
    = None,
    local_broker: Annotated[str, typer.Option("--local-broker", help="Which broker the demo starts without "
                                              "--broker: auto (Mosquitto when installed), mosquitto or amqtt.")]
    = "auto",
) -> None:
    """Simulate a town, drive a van past it with a virtual dongle, collect, sync, ingest and bill.

    Every stage is the real `amr` command a utility runs; the summary names the files it leaves.
    """
    import re

    from simulators.demo.report import run_with_progress

    if period and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        typer.echo(f"error: --period {period!r} is not YYYY-MM", err=True)
        raise typer.Exit(2)
    if meters < 10:
        typer.echo(f"error: --meters must be at least 10, got {meters}", err=True)
        raise typer.Exit(2)
    if local_broker not in ("auto", "mosquitto", "amqtt"):
        typer.echo(f"error: --local-broker must be auto, mosquitto or amqtt, got {local_broker!r}", err=True)
        raise typer.Exit(2)
    code = run_with_progress(out, meters=meters, seed=seed, period=period, dongle=dongle, db=db, broker=broker,
                             broker_kind=local_broker)
    raise typer.Exit(code)
