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

if TYPE_CHECKING:
    from decoders import KeyStore, Telegram

def _switches_show_no_type() -> None:
    """A switch takes no value, so its help line should not read ``--pty <bool>``.

    typer's rich help prints the Python type of every option, flags included (``--help <bool>``); this
    drops it for flags only, everywhere, instead of a ``metavar=""`` on each one.
    """
    from typer import core

    shown = core.TyperOption.display_type_rich

    def display_type_rich(self: core.TyperOption, ctx: typer.Context) -> str | None:
        if getattr(self, "is_flag", False) and not getattr(self, "count", False):
            return None
        return shown(self, ctx)

    core.TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_switches_show_no_type()


def _plain_values_without_pydantic() -> None:
    """typer coerces each parameter value through a pydantic TypeAdapter built on first use;
    importing pydantic and building the adapters took about half of `amr decode`'s start-up
    (0.1-0.15 s). For the plain annotations (str, list[str], Path, an Enum) the adapter only
    runs typer's own helpers, so those run directly here; every other annotation, and any value
    of an unexpected type, keeps typer's adapter. A value of None needs no adapter at all (typer
    returns it before using one), which keeps `amr decode --help` free of pydantic.
    tests/test_cli_startup.py holds the results and error messages to typer's own. These are
    typer internals (0.2x): if they are not there, typer keeps its own way entirely.
    """
    from dataclasses import dataclass
    from enum import Enum

    try:
        from typer import core
        from typer._click.exceptions import BadParameter
        from typer._click.utils import _escape_control_characters
        from typer._param_types import coerce_cli_choice, coerce_cli_path

        typer_build = core.build_runtime_param
        typer_process = core._TyperParameter.process_value
        if not hasattr(core._TyperParameter, "get_runtime_param"):
            return
    except (ImportError, AttributeError):  # another typer: nothing to speed up here
        return

    @dataclass(frozen=True)
    class Plain(core.RuntimeParam):  # type: ignore[misc]
        descriptor: Any = None  # for typer's own way with a value of another type

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            ann, info = self.annotation, self.parameter_info
            if ann is str and type(value) is str:
                return value
            if ann == list[str] and type(value) in (list, tuple) and all(type(v) is str for v in value):
                return list(value)
            if ann is Path and type(value) is str:
                return coerce_cli_path(Path(value), info, path_type=Path, param=param, ctx=ctx)
            if isinstance(ann, type) and issubclass(ann, Enum) and (type(value) is str or type(value) is ann):
                try:
                    return coerce_cli_choice(value, choices=list(ann), case_sensitive=info.case_sensitive, ctx=ctx)
                except ValueError as exc:  # the adapter's wording: pydantic's prefix, controls escaped
                    raise BadParameter(_escape_control_characters(f"Value error, {exc}"), ctx=ctx,
                                       param=param) from None
            return typer_build(self.descriptor)._coerce_value(value, param, ctx)

    def build(descriptor: Any) -> Any:
        ann, info = descriptor.annotation, descriptor.parameter_info
        plain = (ann is str or ann == list[str] or (ann is Path and info.path_type is None)
                 or (isinstance(ann, type) and issubclass(ann, Enum)))
        if plain and info.parser is None and descriptor.file_annotation is None:
            return Plain(annotation=ann, parameter_info=info, descriptor=descriptor)
        return typer_build(descriptor)

    def get_runtime_param(self: Any) -> Any:
        if self._runtime_param is None:
            self._runtime_param = build(self.type_descriptor)
        return self._runtime_param

    def process_value(self: Any, ctx: Any, value: Any) -> Any:
        if value is None:  # typer's coerce returns this before it uses the adapter
            value = () if self.multiple or self.nargs == -1 else None
            if self.required and self.value_is_missing(value):
                raise core._click.exceptions.MissingParameter(ctx=ctx, param=self)
            return value if self.callback is None else self.callback(ctx, self, value)
        return typer_process(self, ctx, value)

    core._TyperParameter.get_runtime_param = get_runtime_param  # type: ignore[method-assign]
    core._TyperParameter.process_value = process_value  # type: ignore[method-assign]


_plain_values_without_pydantic()

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


def _lines(stream: Any, source: str) -> Iterator[tuple[str, str, int]]:
    """Telegram lines with their source and line number, read lazily; blank lines and `#`
    comments skipped. The location is formatted only for a line that fails."""
    for lineno, line in enumerate(stream, start=1):
        s = line.strip()
        if s and not s.startswith("#"):
            yield s, source, lineno


def _file_lines(file: Path) -> Iterator[tuple[str, str, int]]:
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


def _inputs(telegrams: list[str], file: Path | None) -> Iterator[tuple[str, str, int]]:
    """Arguments in order (`-` = stdin at that place), then the file: (text, source, line number),
    line number 0 for an argument."""
    for i, arg in enumerate(telegrams, start=1):
        if arg == "-":
            yield from _lines(sys.stdin, "stdin")
        else:
            yield arg, f"argument {i}", 0
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

    def results() -> Iterator[Telegram]:
        for text, source, lineno in _inputs(telegrams or [], file):
            try:
                raw = parse_hex(text)
            except DecodeError as exc:
                yield Telegram(error=f"{exc.message} ({_where(source, lineno)})", reason="invalid")
                continue
            t = decoder.decode_safe(raw)
            if t.error is not None:
                t.error = f"{t.error} [{_where(source, lineno)}]"
            yield t

    failed = 0
    seen = 0
    if output is OutputFormat.table:
        rows = list(results())  # a table needs every row for its column widths: meant for short inputs
        failed = sum(t.error is not None for t in rows)
        seen = len(rows)
        _table(rows)
    else:
        out = getattr(sys.stdout, "buffer", None)  # a test runner's replacement stdout may be text-only
        write = out.write if out is not None else lambda b: sys.stdout.write(b.decode())
        live = "-" in (telegrams or [])  # a feed on stdin: each object leaves as soon as it is decoded
        batch: list[bytes] = []  # otherwise lines leave in batches: one write call per batch
        for seen, t in enumerate(results(), start=1):  # noqa: B007 (`seen` is read after the loop)
            batch.append(t.json_line())
            failed += t.error is not None
            if live or len(batch) >= 256:
                write(b"".join(batch))
                batch.clear()
                if live:
                    sys.stdout.flush()
        write(b"".join(batch))
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
