"""`amr` start-up: no pydantic for plain parameters, and values coerced exactly as typer would.

cli.py coerces str, list[str], Path and Enum parameters without typer's pydantic adapters (their
import and construction were half of `amr decode`'s start-up); these tests hold every such
parameter of every command to typer's own results and error messages.
"""

from __future__ import annotations

import subprocess
import sys
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
import typer
from typer._click import Context
from typer._click.exceptions import BadParameter
from typer._coercion import build_runtime_param

import cli

ROOT = Path(__file__).resolve().parent.parent


def _pydantic_loaded(*args: str) -> bool:
    code = ("import sys, cli\ntry:\n    cli.app(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "print('pydantic' in sys.modules, file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, timeout=60)
    return r.stderr.strip().splitlines()[-1] == "True"


def test_help_and_a_decode_run_do_not_import_pydantic(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text("1844AE4C4455223368077A55000000041389E20100023B0000\n")
    (tmp_path / "k.csv").write_text("id,key\n")
    assert not _pydantic_loaded("--help")
    assert not _pydantic_loaded("decode", "--help")
    assert not _pydantic_loaded("decode", "--file", str(tmp_path / "t.txt"), "--keys", str(tmp_path / "k.csv"),
                                "--format", "json")
    assert _pydantic_loaded("billing", "--help") is False


def _params() -> list[tuple[Any, Any]]:
    """(command, parameter) for every parameter of every command."""
    out = []
    todo = [typer.main.get_command(cli.app)]
    while todo:
        cmd = todo.pop()
        todo += list(getattr(cmd, "commands", {}).values())
        out += [(cmd, p) for p in cmd.params if hasattr(p, "type_descriptor")]
    return out


def _samples(annotation: Any, tmp: Path) -> list[Any]:
    if annotation is str:
        return ["abc", "", "zażółć", " x "]
    if annotation == list[str]:
        return [["a", "b"], ("c",), []]
    if annotation is Path:
        (tmp / "f.txt").write_text("x")
        return [str(tmp / "f.txt"), str(tmp), str(tmp / "missing" / "x"), "", "-", Path("rel")]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        values = [m.value for m in annotation]
        return [*values, *(str(v).upper() for v in values), "bogus", next(iter(annotation))]
    return []


def _outcome(runtime: Any, value: Any, param: Any, ctx: Context) -> tuple[str, Any]:
    try:
        result = runtime.coerce(value, param=param, ctx=ctx)
    except BadParameter as exc:
        return "error", exc.format_message()
    return type(result).__name__, result


@pytest.mark.parametrize("none_too", [False, True])
def test_plain_parameters_coerce_as_typer_does(tmp_path: Path, none_too: bool) -> None:
    checked = 0
    for cmd, param in _params():
        samples = _samples(param.type_descriptor.annotation, tmp_path)
        if none_too:
            samples = [None]
        ctx = Context(cmd)
        for value in samples:
            ours = _outcome(param.get_runtime_param(), value, param, ctx)
            typers = _outcome(build_runtime_param(param.type_descriptor), value, param, ctx)
            assert ours == typers, (cmd.name, param.name, value)
            checked += 1
    assert checked > (50 if none_too else 200)


def test_bad_choice_message_is_typers() -> None:
    r = subprocess.run([sys.executable, "-c", "import cli; cli.app()", "decode", "--format", "xml", "00"],
                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "Invalid value for '--format': Value error, 'xml' is not one of 'json'," in r.stderr
