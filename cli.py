"""`amr`: one command for crews, billing staff and testers. Thin: parsing and printing only."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

import cli_billing
import cli_db
import cli_ebok
import cli_import
import cli_ingest
import cli_queries
import cli_simulate
from decoders import DecodeError, Decoder, KeyStore, KeyStoreError, Telegram, parse_hex

app = typer.Typer(
    help="Drive-by AMR: decode wM-Bus telegrams, collect, ingest and bill water readings.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

app.add_typer(cli_billing.app, name="billing")
app.add_typer(cli_simulate.app, name="simulate")
app.add_typer(cli_db.app, name="db")
app.add_typer(cli_import.app, name="import")
app.add_typer(cli_ebok.app, name="ebok")
cli_ebok.register_import(cli_import.app)
app.add_typer(cli_ingest.app, name="ingest")
cli_queries.register(app)


class OutputFormat(StrEnum):
    json = "json"
    table = "table"


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line error for a human and return the exit to raise (no traceback)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _read_lines(text: str, source: str) -> list[tuple[str, str]]:
    """Telegram lines with their location; blank lines and `#` comments are skipped."""
    out = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        out.append((s, f"{source}:{lineno}"))
    return out


def _load_keys(keys: Path | None) -> KeyStore:
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


def _table(rows: list[tuple[str, Telegram]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for col in ("#", "id", "mfct", "media", "driver", "total_m3", "target_m3", "target_date", "flow_m3h",
                "alarms", "error"):
        table.add_column(col)

    def fmt(v: object) -> str:
        return "" if v is None else str(v)

    for i, (_, t) in enumerate(rows, start=1):
        table.add_row(str(i), fmt(t.id), fmt(t.manufacturer), fmt(t.media), fmt(t.driver), fmt(t.total_m3),
                      fmt(t.target_m3), fmt(t.target_date), fmt(t.flow_m3h), " ".join(t.alarms), fmt(t.error))
    Console(width=200).print(table)


@app.command()
def decode(
    telegrams: Annotated[list[str] | None, typer.Argument(help="Telegrams in hex, or - to read stdin.")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="One telegram per line.")] = None,
    key: Annotated[str | None, typer.Option(help="AES-128 key (32 hex digits) for every telegram.")] = None,
    keys: Annotated[Path | None, typer.Option(help="CSV with header id,key[,manufacturer].")] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="json = JSON Lines; table.")] = OutputFormat.json,
    driver: Annotated[str | None, typer.Option(help="Force a manufacturer driver (see `amr drivers`).")] = None,
) -> None:
    """Decode wM-Bus / OMS / wired M-Bus telegrams into JSON Lines, one object per telegram."""
    lines: list[tuple[str, str]] = []
    for i, arg in enumerate(telegrams or [], start=1):
        if arg == "-":
            lines += _read_lines(sys.stdin.read(), "stdin")
        else:
            lines.append((arg, f"argument {i}"))
    if file is not None:
        try:
            lines += _read_lines(file.read_text(encoding="utf-8-sig"), str(file))
        except OSError as exc:
            raise fail(f"cannot read {file}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise fail(f"{file} is not a text file of hex telegrams") from None
    if not lines:
        raise fail("no telegrams given: pass hex arguments, --file FILE or -")
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
    results: list[tuple[str, Telegram]] = []
    failed = 0
    for text, where in lines:
        try:
            raw = parse_hex(text)
        except DecodeError as exc:
            t = Telegram(error=f"{exc.message} ({where})", reason="invalid")
        else:
            t = decoder.decode_safe(raw)
            if t.error is not None:
                t.error = f"{t.error} [{where}]"
        failed += t.error is not None
        results.append((where, t))
    if output is OutputFormat.table:
        _table(results)
    else:
        out = sys.stdout
        for _, t in results:
            out.write(json.dumps(t.to_json(), ensure_ascii=False))
            out.write("\n")
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
        for r in rows:
            typer.echo(json.dumps(r))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(rows)} drivers")
    for col in ("driver", "signatures", "fields"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["name"], "\n".join(r["signatures"]), ", ".join(r["fields"]))
    Console(width=200).print(table)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
