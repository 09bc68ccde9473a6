"""`amr`: one command for crews, billing staff and testers. Thin: parsing and printing only.

Start-up matters (`amr --help` answers in well under 0.3 s): at module level only the standard
library and typer are imported; the decoder, JSON encoder and rich load inside the commands.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

import cli_billing
import cli_collector
import cli_db
import cli_demo
import cli_ebok
import cli_import
import cli_ingest
import cli_map
import cli_queries
import cli_simulate
import cli_typer

if TYPE_CHECKING:
    from decoders import KeyStore, Telegram

cli_typer.adjust()

app = typer.Typer(
    help="Drive-by AMR: decode wM-Bus telegrams, collect, ingest and bill water readings.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"amr {version('drive-by-amr')}")
        except PackageNotFoundError:  # running from a source tree that was never installed
            typer.echo("amr (not installed)")
        raise typer.Exit(0)


@app.callback()
def main_options(
    show_version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                               help="Print the version and exit.")] = False,
) -> None:
    """Drive-by AMR: decode wM-Bus telegrams, collect, ingest and bill water readings."""


app.add_typer(cli_billing.app, name="billing")
app.add_typer(cli_simulate.app, name="simulate")
app.add_typer(cli_collector.app, name="collector")
app.add_typer(cli_db.app, name="db")
app.add_typer(cli_import.app, name="import")
app.add_typer(cli_ebok.app, name="ebok")
cli_ebok.register_import(cli_import.app)
app.add_typer(cli_ingest.app, name="ingest")
cli_queries.register(app)
cli_collector.app.command("map")(cli_map.coverage_map)
cli_queries.readings_app.command("plot")(cli_map.readings_plot)
app.command("demo")(cli_demo.demo)


class OutputFormat(StrEnum):
    json = "json"
    table = "table"


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line error for a human and return the exit to raise (no traceback)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _lines(stream: Any, source: str, chunk: int = 512) -> Iterator[list[tuple[str, str, int]]]:
    """Telegram lines with their source and line number, read lazily in chunks (one generator step
    per chunk, not per line; a live feed passes ``chunk=1``); blank lines and `#` comments skipped.
    The location is formatted only for a line that fails."""
    out: list[tuple[str, str, int]] = []
    for lineno, line in enumerate(stream, start=1):
        s = line.strip()
        if s and s[0] != "#":
            out.append((s, source, lineno))
            if len(out) >= chunk:
                yield out
                out = []
    if out:
        yield out


def _file_lines(file: Path) -> Iterator[list[tuple[str, str, int]]]:
    try:
        handle = file.open(encoding="utf-8-sig")
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc.strerror or exc}") from None
    with handle:
        try:
            yield from _lines(handle, str(file))
        except UnicodeDecodeError:
            raise fail(f"{file} is not a text file of hex telegrams") from None
        except OSError as exc:
            raise fail(f"cannot read {file}: {exc.strerror or exc}") from None


def _inputs(telegrams: list[str], file: Path | None) -> Iterator[list[tuple[str, str, int]]]:
    """Arguments in order (`-` = stdin at that place, a line at a time), then the file, as chunks of
    (text, source, line number); line number 0 for an argument."""
    for i, arg in enumerate(telegrams, start=1):
        if arg == "-":
            yield from _lines(sys.stdin, "stdin", chunk=1)
        else:
            yield [(arg, f"argument {i}", 0)]
    if file is not None:
        yield from _file_lines(file)


def _where(source: str, lineno: int) -> str:
    return f"{source}:{lineno}" if lineno else source


def _load_keys(keys: Path | None) -> KeyStore:
    from decoders import KeyStore, KeyStoreError

    if keys is None:
        return KeyStore()
    try:
        text = keys.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise fail(f"cannot read keys file {keys}: {exc.strerror or exc}") from None
    try:
        return KeyStore.from_csv_text(text, source=str(keys))
    except KeyStoreError as exc:
        raise fail(str(exc)) from None


def _table(rows: list[Telegram]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for col in ("#", "id", "mfct", "media", "driver", "total_m3", "target_m3", "target_date", "flow_m3h",
                "alarms", "error"):
        table.add_column(col, overflow="fold")

    def fmt(v: object) -> str:
        return "" if v is None else str(v)

    for i, t in enumerate(rows, start=1):
        table.add_row(str(i), fmt(t.id), fmt(t.manufacturer), fmt(t.media), fmt(t.driver), fmt(t.total_m3),
                      fmt(t.target_m3), fmt(t.target_date), fmt(t.flow_m3h), " ".join(t.alarms), fmt(t.error))
    # the terminal's own width (long cells wrap); piped into a file, rows stay whole
    Console(width=None if sys.stdout.isatty() else 200).print(table)


@app.command()
def decode(
    telegrams: Annotated[list[str] | None, typer.Argument(help="Telegrams in hex, or - to read stdin.")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="One telegram per line.")] = None,
    key: Annotated[str | None, typer.Option(help="AES-128 key (32 hex digits) for every telegram.")] = None,
    keys: Annotated[Path | None, typer.Option(help="CSV with header id,key[,manufacturer].")] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="json = JSON Lines; table.")] = OutputFormat.json,
    driver: Annotated[str | None, typer.Option(help="Force a manufacturer driver (see `amr drivers`).")] = None,
) -> None:
    """Decode wM-Bus / OMS / wired M-Bus telegrams into JSON Lines, one object per telegram.

    JSON output is a stream: each object is written as soon as its telegram is decoded and
    nothing is kept, so memory stays flat however long the file is.
    """
    from decoders import DecodeError, Decoder, Telegram, parse_hex

    if not telegrams and file is None:
        raise fail("no telegrams given: pass hex arguments, --file FILE or -")
    if file is not None and not file.is_file():
        raise fail(f"cannot read {file}: no such file")
    default_key = None
    if key is not None:
        try:
            default_key = parse_hex(key)
        except DecodeError:
            raise fail("--key is not hex (value hidden)") from None
        if len(default_key) not in (8, 16):
            raise fail(f"--key must be 32 hex digits (AES-128), got {len(default_key) * 2}")
    store = _load_keys(keys)
    try:
        decoder = Decoder(store, default_key=default_key, driver=driver)
    except DecodeError as exc:
        raise fail(exc.message) from None

    import gc

    gc.freeze()  # modules, drivers and keys live until exit: the collector's full passes skip them

    def results() -> Iterator[list[Telegram]]:
        decode_safe = decoder.decode_safe
        for chunk in _inputs(telegrams or [], file):
            done: list[Telegram] = []
            for text, source, lineno in chunk:
                try:
                    raw = parse_hex(text)
                except DecodeError as exc:
                    done.append(Telegram(error=f"{exc.message} ({_where(source, lineno)})", reason="invalid"))
                    continue
                t = decode_safe(raw)
                if t.error is not None:
                    t.error = f"{t.error} [{_where(source, lineno)}]"
                done.append(t)
            yield done

    failed = 0
    seen = 0
    if output is OutputFormat.table:
        rows = [t for chunk in results() for t in chunk]  # a table needs every row: meant for short inputs
        failed = sum(t.error is not None for t in rows)
        seen = len(rows)
        _table(rows)
    else:
        out = getattr(sys.stdout, "buffer", None)  # a test runner's replacement stdout may be text-only
        write = out.write if out is not None else lambda b: sys.stdout.write(b.decode())
        live = "-" in (telegrams or [])  # a feed on stdin: each object leaves as soon as it is decoded
        for chunk in results():  # otherwise lines leave a chunk at a time: one write call per chunk
            seen += len(chunk)
            failed += sum(t.error is not None for t in chunk)
            write(b"".join([t.json_line() for t in chunk]))
            if live:
                sys.stdout.flush()
        sys.stdout.flush()
    if not seen:
        raise fail("no telegrams given: the input holds no telegram lines")
    raise typer.Exit(1 if failed else 0)


@app.command()
def drivers(
    output: Annotated[OutputFormat, typer.Option("--format", help="json or table.")] = OutputFormat.table,
) -> None:
    """List the manufacturer drivers, their detection signatures and the fields they yield."""
    from decoders.decoder import default_registry

    reg = default_registry()
    rows = [
        {
            "name": d.name,
            "signatures": [s.describe() for s in d.signatures],
            "fields": list(d.fields),
            "description": d.description,
        }
        for d in reg
    ]
    if output is OutputFormat.json:
        import json

        for r in rows:
            typer.echo(json.dumps(r))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(rows)} drivers")
    for col in ("driver", "signatures", "fields"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["name"], "\n".join(r["signatures"]), ", ".join(r["fields"]))
    # the terminal's own width (long cells wrap); piped into a file, rows stay whole
    Console(width=None if sys.stdout.isatty() else 200).print(table)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
