"""`amr collector map` and `amr readings plot`: the crew's coverage map and the clerk's consumption chart.

Thin: loading is in `collector.map.load` and `ingest.chart_data`, drawing in `collector.map.render` and
`ingest.charts`. They are registered on the `collector` and `readings` command groups by `cli.py`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def coverage_map(
    out: Annotated[Path, typer.Option("--out", help="The map: FILE.html (self-contained) or FILE.png.")],
    route: Annotated[Path, typer.Option("--route", help="CSV meter_id,address,lat,lon of the route.")],
    outbox: Annotated[Path | None, typer.Option("--outbox", help="Draw from this van outbox.")] = None,
    db: Annotated[str | None, typer.Option("--db", help="Or draw from the ingest database (URL).")] = None,
    van_id: Annotated[str | None, typer.Option("--van-id", help="With --db: only this van's frames.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="With --db: frames received since (ISO date).")]
    = None,
    png: Annotated[bool, typer.Option("--png", metavar="", help="Also write FILE.png next to the HTML.")] = False,
) -> None:
    """Draw the route, the meters read and missed, alarms and the van's track; works offline."""
    from collector.coverage import RouteError, load_route
    from collector.map import render_html, render_png
    from collector.map.load import from_database, from_outbox
    from collector.map.render import counts

    if (outbox is None) == (db is None):
        raise _fail("give exactly one of --outbox (the van's) or --db (the office's)")
    if out.suffix not in (".html", ".png"):
        raise _fail(f"--out {out}: must end in .html or .png")
    try:
        meters_on_route = load_route(route)
    except RouteError as exc:
        raise _fail(str(exc)) from None
    if outbox is not None:
        if not outbox.exists():
            raise _fail(f"--outbox {outbox}: no such file")
        meters, track = from_outbox(outbox, meters_on_route)
        source = f"outbox {outbox.name}"
    else:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            meters, track = from_database(db or "", meters_on_route, van_id, since)
        except SQLAlchemyError as exc:
            raise _fail(f"--db: {str(exc).splitlines()[0]}") from None
        source = "ingest database"
    title = f"Coverage of {route.stem} ({source})"
    try:
        if out.suffix == ".html":
            out.write_text(render_html(meters, track, title), encoding="utf-8")
        if out.suffix == ".png" or png:
            out.with_suffix(".png").write_bytes(render_png(meters, track, title))
    except OSError as exc:
        raise _fail(f"{out}: cannot write: {exc.strerror or exc}") from None
    c = counts(meters)
    typer.echo(f"{len(meters)} meters: {c['read']} read, {c['alarm']} with an alarm, {c['missed']} missed; "
               f"{len(track)} track points -> {out}" + (f" and {out.with_suffix('.png')}" if png else ""))


def readings_plot(
    ident: Annotated[str, typer.Argument(help="A meter id (8 digits) or a contract id.")],
    out: Annotated[Path, typer.Option("--out", help="PNG file to write.")],
    db: Annotated[str | None, typer.Option("--db", envvar="AMR_DB_URL", help="Database URL.")] = None,
) -> None:
    """Readings over time with their sources, estimates, replacements, alarms and billing periods."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError

    from ingest.chart_data import ChartError, chart_rows
    from ingest.charts import readings_png

    url = db or "sqlite:///amr.db"
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        raise _fail(f"--db {url}: no such database file")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            title, rows, periods, reps = chart_rows(conn, ident)
    except ChartError as exc:
        raise _fail(str(exc)) from None
    except SQLAlchemyError as exc:
        raise _fail(f"--db: {str(exc).splitlines()[0]}") from None
    finally:
        engine.dispose()
    try:
        out.write_bytes(readings_png(title, rows, periods, reps))
    except OSError as exc:
        raise _fail(f"{out}: cannot write: {exc.strerror or exc}") from None
    typer.echo(f"{title}: {len(rows)} readings, {len(periods)} billing periods, {len(reps)} replacements -> {out}")
