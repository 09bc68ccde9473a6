"""`amr collector`: the van side for field crews (thin; the work is in `collector`).

A crew's day: plug the USB stick in and start `amr collector run`; drive; watch the live view (meters
read of the route, the missing ones nearest the van, alarms); at the depot the outbox syncs itself
over MQTT, or `amr collector export` hands it over as a file where there is no network.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

CREW_DAY = """The van: read a USB radio dongle into a durable outbox, sync it, show route coverage.

A crew's day:

1. Plug in the USB stick (and the GPS puck).

2. Start: amr collector run --port /dev/ttyUSB0 --van-id VAN --route route.csv [--gps DEV] [--broker URL]. \
It detects the stick, sets the link mode and commits every frame to the outbox before showing it.

3. Drive: a silent or erring stick is reset and reconfigured, an unplugged one reopened when it returns.

4. Watch coverage: N of M meters read, the missing ones nearest the van, alarms and low batteries; \
the meters still missing are written to a CSV at the end, for the next drive.

5. Sync at the depot: the outbox syncs over MQTT whenever there is a network ('amr collector status' \
shows what is left); 'amr collector sync' hands over what is left without the stick, and \
'amr collector export' hands it over as a file where there is no network.
"""

app = typer.Typer(help=CREW_DAY,
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

DONGLES = ("auto", "im871a", "iu891a", "amb8465", "amb8465-transparent", "rc1180", "cul", "rtl-wmbus", "rtl433",
           "hex", "raw")
MODES = ("t1", "c1", "c1t1", "s1")


def default_outbox() -> Path:
    """$AMR_OUTBOX, else the user's data directory (XDG), where a crew's laptop keeps its state."""
    env = os.environ.get("AMR_OUTBOX")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "amr" / "outbox.sqlite"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


OutboxOpt = Annotated[Path | None, typer.Option("--outbox", help="Outbox file (default: $AMR_OUTBOX or "
                                                "~/.local/share/amr/outbox.sqlite).")]


@app.command()
def run(
    port: Annotated[str, typer.Option("--port", help="Serial device (/dev/ttyUSB0), a capture file, or - for "
                                      "stdin; a file or stdin is replayed and the run ends at its end.")],
    van_id: Annotated[str, typer.Option("--van-id", help="This van's id (its MQTT user name).")],
    dongle: Annotated[str, typer.Option("--dongle", help=f"Receiver: one of {', '.join(DONGLES)}.")] = "auto",
    mode: Annotated[str, typer.Option("--mode", help="Link mode: t1, c1, c1t1 (both) or s1.")] = "c1t1",
    broker: Annotated[str | None, typer.Option("--broker", envvar="AMR_BROKER_URL",
                                               help="mqtt[s]://user:pass@host:port; sync runs while driving.")]
    = None,
    route: Annotated[Path | None, typer.Option("--route", help="CSV meter_id,address,lat,lon of today's "
                                               "route, for the coverage view and the missed-meters file.")] = None,
    missed: Annotated[Path | None, typer.Option("--missed", help="Where to write the meters still unread at the "
                                                "end (default: missed-YYYY-MM-DD.csv next to the route).")] = None,
    gps: Annotated[str | None, typer.Option("--gps", help="Serial NMEA GPS device; stamps lat/lon.")] = None,
    outbox: OutboxOpt = None,
    no_sync: Annotated[bool, typer.Option("--no-sync", metavar="",
                                          help="Only collect; sync later (amr collector sync).")] = False,
    no_live: Annotated[bool, typer.Option("--no-live", metavar="",
                                          help="No live view: one line per accepted frame instead.")] = False,
    silence: Annotated[float, typer.Option("--silence-timeout", help="Seconds without a telegram before the stick "
                                           "is reset and reconfigured.")] = 900.0,
) -> None:
    """Collect telegrams from a dongle into the outbox, syncing and showing route coverage as it goes."""
    import datetime as dt
    import sys

    from collector.coverage import RouteError, load_route
    from collector.service import CollectorOptions, run_collector
    from collector.sync.broker_url import BrokerUrlError, parse_broker_url

    if dongle not in DONGLES:
        raise _fail(f"--dongle: unknown dongle {dongle!r}; known: {', '.join(DONGLES)}")
    if mode.lower() not in MODES:
        raise _fail(f"--mode: unknown link mode {mode!r}; known: {', '.join(MODES)}")
    if broker:
        try:
            parse_broker_url(broker)
        except BrokerUrlError as exc:
            raise _fail(f"--broker: {exc}") from None
    meters = None
    if route is not None:
        try:
            meters = load_route(route)
        except RouteError as exc:
            raise _fail(str(exc)) from None
        missed = missed or route.with_name(f"missed-{dt.date.today().isoformat()}.csv")
    box = outbox or default_outbox()
    try:
        box.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _fail(f"--outbox {box}: cannot create its folder: {exc.strerror or exc}") from None
    opts = CollectorOptions(port=port, dongle=dongle, mode=mode.upper(), van_id=van_id, outbox=box, broker=broker,
                            route=meters, missed_out=missed, gps=gps, sync=not no_sync and broker is not None,
                            live=not no_live and sys.stdout.isatty(), silence_s=silence)
    raise typer.Exit(run_collector(opts))


@app.command()
def status(outbox: OutboxOpt = None) -> None:
    """Outbox depth, last receipt, dongle state and counters."""
    import json

    from collector.outbox import Outbox

    box = outbox or default_outbox()
    if not box.exists():
        raise _fail(f"{box}: no outbox there (has the collector run?)")
    ob = Outbox(box)
    try:
        s = ob.stats()
        dongle = ob.get_status("dongle") or {}
    finally:
        ob.close()
    last = s.last_receipt_at.isoformat(timespec="seconds") if s.last_receipt_at else "never"
    typer.echo(f"outbox {box}: {s.depth} unsynced of {s.total} records ({s.heard} receptions); "
               f"{s.open_batches} batches awaiting a receipt; last receipt {last}; {s.disk_bytes / 1e6:.1f} MB"
               + (" (over the disk limit!)" if s.disk_warning else ""))
    if dongle:
        typer.echo(f"dongle {dongle.get('dongle')} on {dongle.get('port')}: {dongle.get('state')}, mode "
                   f"{dongle.get('mode')}, resets {dongle.get('resets')}, frames {dongle.get('frames')}; "
                   f"counters {json.dumps(dongle.get('counters', {}), sort_keys=True)}; "
                   f"last event: {dongle.get('last_event')} (at {dongle.get('updated_at')})")


@app.command()
def sync(
    van_id: Annotated[str, typer.Option("--van-id", help="This van's id (its MQTT user name).")],
    broker: Annotated[str, typer.Option("--broker", envvar="AMR_BROKER_URL", help="mqtt:// or mqtts://user:pass@host:port.")],
    outbox: OutboxOpt = None,
    timeout: Annotated[float, typer.Option("--timeout", min=1.0, help="Give up after this many seconds; what is "
                                           "left stays in the outbox.")] = 600.0,
) -> None:
    """Sync the outbox without the dongle and exit once ingest has receipted every record (at the depot).

    Refused while another process (`amr collector run`) syncs the same outbox: both would use the
    van's one MQTT session.
    """
    import asyncio

    from collector.sync import SyncBusy
    from collector.sync.broker_url import BrokerUrlError, parse_broker_url
    from collector.sync.depot import sync_until_empty

    try:
        parse_broker_url(broker)
    except BrokerUrlError as exc:
        raise _fail(f"--broker: {exc}") from None
    box = outbox or default_outbox()
    if not box.exists():
        raise _fail(f"{box}: no outbox there (has the collector run?)")
    try:
        done = asyncio.run(sync_until_empty(box, broker, van_id, timeout, typer.echo))
    except SyncBusy as exc:
        raise _fail(f"{exc} (a collector run? it hands the records over itself)") from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    if done.left:
        typer.echo(f"error: {done.left} of {done.records} records still unsynced after {done.seconds:.0f} s; they stay "
                   f"in {box} (run `amr collector sync` again, or `amr collector export` for a file)", err=True)
        raise typer.Exit(1)
    if not done.records:
        typer.echo(f"outbox {box}: nothing to sync (every record already receipted by ingest)")
        return
    typer.echo(f"outbox {box}: all {done.records} records receipted by ingest in {done.seconds:.1f} s")


@app.command()
def export(
    out: Annotated[Path, typer.Option("--out", help="JSON Lines file of contract-2 record objects.")],
    outbox: OutboxOpt = None,
) -> None:
    """Write the unsynced records for a depot without network (`amr ingest import-batch` reads it)."""
    from collector.outbox import export_unsynced_file

    box = outbox or default_outbox()
    if not box.exists():
        raise _fail(f"{box}: no outbox there")
    try:
        n = export_unsynced_file(box, out)
    except OSError as exc:
        raise _fail(f"{out}: cannot write: {exc.strerror or exc}") from None
    typer.echo(f"{n} unsynced records -> {out}")
