"""``amr simulate``: generate a simulated town (billing inputs, radio side, ground truth).

Thin: all numbers come from ``simulators.town`` and ``simulators.consumption``. Bad arguments end
with one line on stderr and exit code 2, like ``amr billing``.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import typer

from simulators.consumption import month_ends, simulate, write_events, write_readings
from simulators.town import build_town, write_town

app = typer.Typer(help="Simulators: a town of customers, premises, meters and their true consumption.",
                  no_args_is_help=True)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


def _date(option: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _fail(f"{option} must be a date YYYY-MM-DD, got {value!r}") from None


@app.callback()
def _group() -> None:
    """Simulators (a group, so that ``town`` stays a subcommand until more simulators join it)."""


@app.command()
def town(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the CSV files into.")],
    meters: Annotated[int, typer.Option("--meters", help="Number of meters (whole houses; at most this many).")]
    = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; the same seed gives the same bytes.")] = 1,
    start: Annotated[str, typer.Option("--start", help="First day of the consumption period.")] = "2026-01-01",
    end: Annotated[str, typer.Option("--end", help="Last day of the consumption period.")] = "2026-12-31",
    readings_at: Annotated[list[str] | None, typer.Option(
        "--readings-at", help="Read day (repeatable); default: the last day of every month.")] = None,
) -> None:
    """Write customers, premises, contracts, meters, tariffs, abonaments, readings (billing inputs),
    radio.csv and keys.csv (drive-by side) and events.csv (ground-truth leak/backflow/magnet episodes)."""
    d0, d1 = _date("--start", start), _date("--end", end)
    if d1 < d0:
        raise _fail(f"--end {d1} is before --start {d0}")
    if meters < 1:
        raise _fail(f"--meters must be at least 1, got {meters}")
    if seed < 0:
        raise _fail(f"--seed must be >= 0, got {seed}")
    days = [_date("--readings-at", v) for v in readings_at] if readings_at else month_ends(d0, d1)
    for day in days:
        if not d0 <= day <= d1:
            raise _fail(f"--readings-at {day} is outside --start {d0} .. --end {d1}")
    if out.exists() and not out.is_dir():
        raise _fail(f"--out {out} exists and is not a folder")
    t0 = time.perf_counter()
    tw = build_town(meters, seed, d0, d1)
    truth = simulate(tw, seed)
    try:
        counts = write_town(tw, out)
        counts["readings"] = write_readings(truth, tw, days, out / "readings.csv")
        counts["events"] = write_events(truth, out / "events.csv")
    except OSError as exc:
        raise _fail(f"{out}: cannot write: {exc.strerror or exc}") from None
    took = time.perf_counter() - t0
    typer.echo(f"{counts['meters']} meters, {counts['premises']} premises, {counts['readings']} readings, "
               f"{counts['events']} events -> {out} ({took:.1f} s)")
