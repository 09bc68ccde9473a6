"""``amr simulate``: generate a simulated town (billing inputs, radio side, ground truth).

Thin: all numbers come from ``simulators.town`` and ``simulators.town.consumption``. Bad arguments end
with one line on stderr and exit code 2, like ``amr billing``.
"""

from __future__ import annotations

import datetime as dt
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # numpy/pandas-heavy simulators load only when a command runs: `amr --help` stays fast
    from simulators.dongles import Faults
    from simulators.drive import Drive

# Spelled out here, not imported, so that `--help` can list them without loading the simulators;
# tests/test_sim_town.py checks they equal simulators.dongles.ENCODERS / FAULT_KINDS and
# simulators.dongles.pty.VIRTUAL_DONGLES.
DONGLES = ("im871a", "iu891a", "amb8465", "amb8465-transparent", "rc1180", "cul", "rtl_wmbus", "hex")
FAULTS = ("silence", "garbage", "reply", "truncate", "bad_check")

app = typer.Typer(help="Simulators: a town and its true consumption, drives, dongle byte streams, pty dongles.",
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
    radio.csv, keys.csv and route.csv (drive-by side) and events.csv (ground-truth leak/backflow/magnet
    episodes)."""
    from simulators.town.consumption import month_ends, simulate, write_events, write_readings
    from simulators.town.folder import TownParams, write_params
    from simulators.town.population import build_town, write_town
    from simulators.town.route import write_route

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
        counts["route"] = write_route(tw, out)
        write_params(TownParams(meters, seed, d0, d1), out)
    except OSError as exc:
        raise _fail(f"{out}: cannot write: {exc.strerror or exc}") from None
    took = time.perf_counter() - t0
    typer.echo(f"{counts['meters']} meters, {counts['premises']} premises, {counts['readings']} readings, "
               f"{counts['events']} events -> {out} ({took:.1f} s)")


def _faults(spec: str | None) -> Faults | None:
    """``garbage=0.01,truncate=0.005,...`` (per-frame probabilities) into `Faults`."""
    if not spec:
        return None
    from simulators.dongles import Faults

    values: dict[str, float] = {}
    for part in spec.split(","):
        name, _, value = part.partition("=")
        name = name.strip()
        if name not in FAULTS:
            raise _fail(f"--faults: unknown fault {name!r}; known: {', '.join(FAULTS)}")
        try:
            values[name] = float(value)
        except ValueError:
            raise _fail(f"--faults: {name} needs a probability, got {value!r}") from None
        if not 0.0 <= values[name] <= 1.0:
            raise _fail(f"--faults: {name}={values[name]} is not a probability between 0 and 1")
    return Faults(**values)


def _speed(value: str) -> float | None:
    if value.lower() in ("max", "unlimited", "0"):
        return None
    try:
        speed = float(value)
    except ValueError:
        raise _fail(f"--speed must be a factor such as 60, or 'max', got {value!r}") from None
    if speed <= 0:
        raise _fail(f"--speed must be positive or 'max', got {value!r}")
    return speed


def _time(value: str) -> dt.time:
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise _fail(f"--start must be a time HH:MM, got {value!r}") from None


def _drive(town_dir: Path, day: str | None, start: str, van_kmh: float, seed: int) -> Drive:
    from simulators.drive import DriveSpec, simulate_drive
    from simulators.town.folder import TownFolderError, open_town

    if van_kmh <= 0:
        raise _fail(f"--van-kmh must be positive, got {van_kmh}")
    try:
        tw, truth, params = open_town(town_dir)
    except TownFolderError as exc:
        raise _fail(str(exc)) from None
    spec = DriveSpec(day=_date("--day", day) if day else params.end, start=_time(start), speed_kmh=van_kmh,
                     seed=seed)
    try:
        return simulate_drive(tw, truth, spec)
    except ValueError as exc:
        raise _fail(str(exc)) from None


TownDir = Annotated[Path, typer.Option("--town", help="A folder written by 'amr simulate town'.")]
DayOpt = Annotated[str | None, typer.Option("--day", help="Drive day YYYY-MM-DD (default: the town's last day).")]
StartOpt = Annotated[str, typer.Option("--start", help="Time the van sets off (local time).")]
VanOpt = Annotated[float, typer.Option("--van-kmh", help="Van speed along the streets.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed for schedules, fading and GPS noise.")]
FaultsOpt = Annotated[str | None, typer.Option(
    "--faults", help=f"Inject dongle faults: comma-separated KIND=probability per frame, KIND one of "
    f"{', '.join(FAULTS)}; e.g. 'garbage=0.01,truncate=0.005'.")]


@app.command()
def drive(
    town_dir: TownDir,
    out: Annotated[Path, typer.Option("--out", help="Folder for sent/heard/coverage/track files.")],
    day: DayOpt = None,
    start: StartOpt = "08:00",
    van_kmh: VanOpt = 30.0,
    seed: SeedOpt = 1,
    dongle: Annotated[str | None, typer.Option(
        "--dongle", help=f"Also write this dongle's byte stream; one of {', '.join(DONGLES)}.")] = None,
    faults: Annotated[str | None, typer.Option(
        "--faults", help=f"With --dongle: inject faults into its byte stream, comma-separated KIND=probability "
        f"per frame, KIND one of {', '.join(FAULTS)}; e.g. 'garbage=0.01,truncate=0.005'.")] = None,
) -> None:
    """Drive the whole town once: write what was sent, what should be heard and the true registers."""
    from simulators.drive.output import write_drive

    if dongle is not None and dongle not in DONGLES:
        raise _fail(f"--dongle: unknown dongle {dongle!r}; known: {', '.join(DONGLES)}")
    fault_spec = _faults(faults)
    if faults and dongle is None:
        raise _fail("--faults acts on a dongle's byte stream: give --dongle NAME as well")
    t0 = time.perf_counter()
    result = _drive(town_dir, day, start, van_kmh, seed)
    try:
        write_drive(result, out, dongle=dongle, faults=fault_spec, seed=seed)
    except OSError as exc:
        raise _fail(f"{out}: cannot write: {exc.strerror or exc}") from None
    s = result.summary
    typer.echo(f"drive {s['day']} {s['start']}: {s['distance_km']} km in {s['duration_h']} h; "
               f"{s['meters_heard']} of {s['meters_sending']} sending meters heard, {s['meters_missed']} missed; "
               f"{s['transmissions_sent']} sent, {s['transmissions_in_range']} in range, {s['frames_heard']} heard "
               f"({s['repeats_heard']} repeats), {s['too_weak']} too weak, {s['collisions']} collisions "
               f"-> {out} ({time.perf_counter() - t0:.1f} s)")


@app.command()
def dongle(
    town_dir: TownDir,
    name: Annotated[str, typer.Option(
        "--dongle", help=f"Which receiver to imitate; one of {', '.join(DONGLES)}.")] = "im871a",
    speed: Annotated[str, typer.Option("--speed", help="Time factor (60 = a minute per second) or 'max'.")] = "60",
    pty: Annotated[bool, typer.Option("--pty", metavar="", help="Serve on a pseudo-terminal and print its path.")]
    = False,
    nmea: Annotated[bool, typer.Option("--nmea", metavar="", help="With --pty: a GPS puck on a second pty.")]
    = False,
    out: Annotated[Path | None, typer.Option("--out", help="Without --pty: write the byte stream here.")] = None,
    day: DayOpt = None,
    start: StartOpt = "08:00",
    van_kmh: VanOpt = 30.0,
    seed: SeedOpt = 1,
    faults: FaultsOpt = None,
    exit_when_done: Annotated[bool, typer.Option(
        "--exit-when-done", metavar="", help="Exit once the drive is streamed and the client has closed the port.")]
    = False,
    stall_after: Annotated[int | None, typer.Option(
        "--stall-after", help="With --pty: go silent after N telegrams until the host writes to the stick again "
        "(a reset), as worn USB sticks do.")] = None,
) -> None:
    """A virtual dongle: answers the stick's command protocol on a pty, then streams the drive."""
    from simulators.dongles import ENCODERS, build_stream
    from simulators.dongles.pty import VIRTUAL_DONGLES, PtyDongleServer
    from simulators.drive.output import nmea_schedule

    if name not in VIRTUAL_DONGLES:
        raise _fail(f"--dongle: unknown dongle {name!r}; known: {', '.join(VIRTUAL_DONGLES)}")
    if stall_after is not None and stall_after < 1:
        raise _fail(f"--stall-after must be at least 1, got {stall_after}")
    if not pty and out is None:
        raise _fail("give --pty to serve a pseudo-terminal, or --out FILE to write the byte stream")
    if nmea and not pty:
        raise _fail("--nmea serves a GPS puck on a second pseudo-terminal: give --pty as well")
    factor = _speed(speed)
    fault_spec = _faults(faults)
    result = _drive(town_dir, day, start, van_kmh, seed)
    if not pty:
        assert out is not None
        stream = build_stream(ENCODERS[name](), result.receptions(), fault_spec, seed)
        try:
            out.write_bytes(stream.data)
        except OSError as exc:
            raise _fail(f"{out}: cannot write: {exc.strerror or exc}") from None
        typer.echo(f"{len(stream.intact_frames())} intact telegrams, {len(stream.faults)} faults, "
                   f"{len(stream.data)} bytes -> {out}")
        return
    server = PtyDongleServer(VIRTUAL_DONGLES[name](), result.receptions(), speed=factor, faults=fault_spec,
                             seed=seed, nmea=nmea_schedule(result) if nmea else None, started_at=result.started_utc,
                             exit_when_done=exit_when_done, stall_after=stall_after)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: server.stop())

    def ready() -> None:
        typer.echo(f"{name}: {server.path}")
        if server.gps_path:
            typer.echo(f"gps: {server.gps_path}")
        sys.stdout.flush()

    report = server.serve(on_ready=ready)
    for line in report.log:
        typer.echo(f"  {line}", err=True)
    typer.echo(f"{report.telegrams_written} telegrams written, {report.telegrams_lost_closed} lost while the port "
               f"was closed, {report.replies_written} replies, {report.faults} faults, "
               f"{report.nmea_sentences} NMEA sentences")
