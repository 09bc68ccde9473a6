"""`amr decode` end to end through the real console entry point (contract 1)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IPERL = "1844AE4C4455223368077A55000000041389E20100023B0000"


def amr(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import cli; cli.app()", *args],
        input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=60,
    )


def lines(out: str) -> list[dict]:
    return [json.loads(x) for x in out.splitlines() if x.strip()]


def test_arguments_with_separators() -> None:
    spaced = " ".join(IPERL[i : i + 2] for i in range(0, len(IPERL), 2)).replace("7A", "|7A")
    r = amr("decode", spaced, "18_44AE4C4455223368077A55000000041389E20100023B0000")
    assert r.returncode == 0, r.stderr
    objs = lines(r.stdout)
    assert [o["id"] for o in objs] == ["33225544", "33225544"]
    assert objs[0]["total_m3"] == 123.529 and objs[0]["error"] is None
    assert objs[0]["records"][0]["vif"] == "13"


def test_file_and_stdin_and_keys(tmp_path: Path, vectors: list[dict]) -> None:
    v = next(v for v in vectors if v["id"] == "19228217")
    (tmp_path / "t.txt").write_text(f"# comment\n\n{v['telegram_hex']}\n")
    (tmp_path / "keys.csv").write_text(f"id,key\n19228217,{v['key']}\n")
    r = amr("decode", "--file", str(tmp_path / "t.txt"), "--keys", str(tmp_path / "keys.csv"))
    assert r.returncode == 0, r.stderr
    (obj,) = lines(r.stdout)
    assert obj["total_m3"] == pytest.approx(v["expect"]["total_m3"]) and obj["decrypted"] is True
    assert v["key"] not in r.stdout + r.stderr
    r = amr("decode", "-", "--key", v["key"], stdin=v["telegram_hex"] + "\n")
    assert r.returncode == 0 and lines(r.stdout)[0]["encryption"] == "mode5"


def test_failures_are_objects_in_order_exit_1(vectors: list[dict]) -> None:
    kaden = next(v for v in vectors if v["id"] == "19228217")["telegram_hex"]
    r = amr("decode", IPERL, "44", "zz", kaden)
    assert r.returncode == 1
    objs = lines(r.stdout)
    assert len(objs) == 4 and "Traceback" not in r.stderr
    assert objs[0]["error"] is None
    assert "too short" in objs[1]["error"] and "argument 2" in objs[1]["error"]
    assert "not hex" in objs[2]["error"]
    assert "no key for meter 19228217" in objs[3]["error"]


def test_bad_usage_is_a_clear_message(tmp_path: Path) -> None:
    r = amr("decode", "--file", str(tmp_path / "missing.txt"))
    assert r.returncode == 2 and "cannot read" in r.stderr and "Traceback" not in r.stderr
    (tmp_path / "k.csv").write_text("id,key\n1234,00\n")
    r = amr("decode", IPERL, "--keys", str(tmp_path / "k.csv"))
    assert r.returncode == 2 and "line 2, column id" in r.stderr
    r = amr("decode", IPERL, "--key", "nothex")
    assert r.returncode == 2 and "--key" in r.stderr


def test_table_format() -> None:
    r = amr("decode", "--format", "table", IPERL)
    assert r.returncode == 0 and "33225544" in r.stdout and "123.529" in r.stdout


def test_drivers_lists_every_driver_with_signatures_and_fields() -> None:
    r = amr("drivers", "--format", "json")
    assert r.returncode == 0, r.stderr
    rows = lines(r.stdout)
    names = {row["name"] for row in rows}
    assert {"apator162", "izar", "kamwater", "mkradio3", "qwater"} <= names
    izar = next(row for row in rows if row["name"] == "izar")
    assert izar["signatures"] and izar["fields"]


def test_forced_driver_and_unknown_driver(vectors: list[dict]) -> None:
    v = next(v for v in vectors if v["driver"] == "izarv2")
    r = amr("decode", "--driver", "izarv2", v["telegram_hex"])  # an alias resolves
    assert r.returncode == 0 and lines(r.stdout)[0]["driver"] == "izar"
    r = amr("decode", "--driver", "nosuch", IPERL)
    assert r.returncode == 2 and "unknown driver 'nosuch'" in r.stderr and "Traceback" not in r.stderr


def test_version() -> None:
    r = amr("--version")
    assert r.returncode == 0 and r.stdout.startswith("amr ")


def test_stdin_is_a_stream_each_object_leaves_before_the_next_line_arrives() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import cli; cli.app()", "decode", "-"], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        for _ in range(3):
            proc.stdin.write(IPERL + "\n")
            proc.stdin.flush()
            obj = json.loads(proc.stdout.readline())  # blocks forever if the CLI waited for the end
            assert obj["id"] == "33225544"
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()


def test_decode_help_imports_no_decoder_json_or_billing_stack() -> None:
    """`cli` itself imports only stdlib and typer (billing/simulate sub-apps stubbed out here:
    their own start-up is theirs); the decoder, orjson and rich load inside the commands."""
    code = ("import sys, types, typer\n"
            "for n in ('cli_billing', 'cli_simulate'):\n"
            "    m = types.ModuleType(n); m.app = typer.Typer(); sys.modules[n] = m\n"
            "import cli\n"
            "heavy = ('decoders', 'orjson', 'pandas', 'numpy', 'sqlalchemy', 'rich')\n"
            "print(sorted(m for m in heavy if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_file_of_comments_only_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text("# nothing\n\n")
    r = amr("decode", "--file", str(tmp_path / "t.txt"))
    assert r.returncode == 2 and "no telegram" in r.stderr


def test_json_is_valid_even_for_nan_values() -> None:
    # real32 NaN (00 00 C0 7F) in a plain OMS record: printed as null, never as the invalid token NaN
    frame = "1444AE4C4455223368077A55000000" + "0513" + "0000C07F"
    r = amr("decode", frame)
    assert r.returncode == 0, r.stdout
    (obj,) = lines(r.stdout)
    assert obj["records"][0]["value"] is None
