"""Two adjustments to typer that every `amr` command shares, applied once before commands are declared.

- A switch takes no value, so its help line should not read ``--pty <bool>``.
- Plain option values (str, list[str], Path, Enum) skip pydantic, which halves `amr decode`'s start-up.

Both touch typer internals; each checks that they are there and otherwise leaves typer as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer


def adjust() -> None:
    _switches_show_no_type()
    _plain_values_without_pydantic()


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
