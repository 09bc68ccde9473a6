"""``amr ingest``: the MQTT consumer, quarantine redecoding and offline batch import.

Only stdlib and typer at import time (``amr --help`` stays fast); the database, aiomqtt and the
decoders are imported inside the commands.  Errors are one ``error:`` line and exit code 2.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Annotated

import typer

from cli_db import DbOpt, db_errors, engine_for, fail, resolve_url, shown

app = typer.Typer(help="Ingest: consume van batches from MQTT, redecode the quarantine, import exports.",
                  no_args_is_help=True)


@app.command()
def serve(
    broker: Annotated[str, typer.Option("--broker", help="mqtt://host[:port] or mqtts://… (default $AMR_BROKER_URL).")]
    = "",
    db: DbOpt = None,
    client_id: Annotated[str | None, typer.Option(
        "--client-id", help="Persistent MQTT session id; keep it across restarts (default ingest-HOSTNAME).")] = None,
    group: Annotated[str, typer.Option("--group", help="Shared-subscription group the workers split.")] = "ingest",
    group_max: Annotated[int, typer.Option(
        "--group-max", min=1, help="Batches committed in one transaction at most, when several are waiting "
        "(1: one transaction per batch).")] = 32,  # service.GROUP_MAX
    decode_processes: Annotated[int, typer.Option(
        "--decode-processes", min=0, help="Processes that decode while this one writes to the database "
        "(0: decode in this process).")] = 1,  # service.DECODE_PROCESSES
) -> None:
    """Consume contract-2 batches: one transaction per batch, receipt after commit, then acknowledge."""
    import asyncio

    from ingest.consumer.service import SchemaMissing, parse_broker
    from ingest.consumer.service import serve as run

    url = broker or os.environ.get("AMR_BROKER_URL") or "mqtt://127.0.0.1:1883"
    try:
        parse_broker(url)
    except ValueError as exc:
        raise fail(str(exc)) from None
    engine_for(db).dispose()  # a malformed --db URL fails here, before any retry loop
    cid = client_id or f"ingest-{socket.gethostname()}"
    try:
        asyncio.run(run(url, resolve_url(db), cid, group, group_max=group_max, decode_processes=decode_processes))
    except SchemaMissing as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        typer.echo("ingest stopped", err=True)


@app.command()
def redecode(db: DbOpt = None) -> None:
    """Retry every quarantined frame with today's keys, meters and drivers; report what moved."""
    from sqlalchemy.orm import Session

    from ingest.decode_store import KeyedDecoder
    from ingest.decode_store import redecode as run

    engine = engine_for(db)
    with db_errors(engine), Session(engine) as session:
        report = run(session, KeyedDecoder(session))
        session.commit()
    moved = ", ".join(f"{n} from {r}" for r, n in sorted(report.moved_from.items())) or "none"
    still = ", ".join(f"{n} {r}" for r, n in sorted(report.still.items())) or "none"
    typer.echo(f"redecoded {report.tried} quarantined frames: {report.moved} became readings ({moved}); "
               f"still quarantined: {still}")


@app.command("import-batch")
def import_batch(
    file: Annotated[Path, typer.Argument(help="A collector export: one contract-2 record object per line.")],
    db: DbOpt = None,
    van: Annotated[str | None, typer.Option("--van", help="Van id, for lines that do not carry van_id.")] = None,
) -> None:
    """Load a collector's offline export with the same exactly-once rules as the MQTT path."""
    from sqlalchemy.orm import sessionmaker

    from ingest.consumer.exports import ExportError, read_export
    from ingest.decode_store import KeyedDecoder, store_with_retry

    try:
        batches = read_export(file, van)
    except ExportError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"{file}: cannot read: {exc.strerror or exc}") from None
    engine = engine_for(db)
    sessions = sessionmaker(engine)
    totals = {"stored": 0, "duplicates": 0, "quarantined": 0, "again": 0}
    with db_errors(engine):
        with sessions() as s:
            dec = KeyedDecoder(s)
        for batch in batches:
            r = store_with_retry(sessions, batch, dec, origin="import")
            if r.redelivered:
                totals["again"] += 1
                continue
            totals["stored"] += r.stored
            totals["duplicates"] += r.duplicates
            totals["quarantined"] += r.quarantined
    records = sum(len(b.records) for b in batches)
    typer.echo(f"{file}: {records} records in {len(batches)} batches -> {shown(resolve_url(db))}: "
               f"{totals['stored']} new readings, {totals['duplicates']} duplicates, "
               f"{totals['quarantined']} quarantined, {totals['again']} batches already stored")
