"""`amr collector` on replayed captures and stdin, and its answers to bad input (one clear line, exit 2)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from mosquitto_broker import Broker, free_port, mosquitto  # noqa: F401  (fixture)
from typer.testing import CliRunner

import cli_simulate

ROOT = Path(__file__).resolve().parents[1]
AMR = [sys.executable, "-c", "from cli import app; app()"]


def amr(*args: str, stdin: bytes | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*AMR, *args], cwd=ROOT, input=stdin.decode() if stdin else None, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli") / "town"
    res = CliRunner().invoke(cli_simulate.app, ["town", "--meters", "80", "--seed", "5", "--out", str(folder)])
    assert res.exit_code == 0, res.output
    return folder


@pytest.fixture(scope="module")
def capture(town: Path) -> tuple[Path, int]:
    """An iM871A capture of the town's drive and its number of intact telegrams."""
    out = town.parent / "im871a.bin"
    res = CliRunner().invoke(cli_simulate.app, ["dongle", "--town", str(town), "--dongle", "im871a", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out, int(res.output.split()[0])


def _one_error_line(res: subprocess.CompletedProcess[str]) -> str:
    assert res.returncode == 2, (res.returncode, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert "Traceback" not in res.stderr
    return lines[0]


def test_replay_a_capture_file_commits_everything_then_status_and_export(capture: tuple[Path, int], town: Path,
                                                                         tmp_path: Path) -> None:
    cap, sent = capture
    box = tmp_path / "outbox.sqlite"
    res = amr("collector", "run", "--port", str(cap), "--dongle", "im871a", "--van-id", "v1", "--outbox", str(box),
              "--no-sync", "--no-live", "--route", str(town / "route.csv"), "--missed", str(tmp_path / "missed.csv"))
    assert res.returncode == 0, res.stderr
    accepted = [x for x in res.stdout.splitlines() if x.startswith("accepted seq=")]
    assert len(accepted) == sent
    m = re.search(r"^(\d+) frames heard, (\d+) new records .*route (\d+) of (\d+) read; (\d+) missed", res.stdout,
                  re.M)
    assert m, res.stdout[-500:]
    heard, records, read, route, missed = map(int, m.groups())
    assert heard == sent and read + missed == route
    missed_rows = (tmp_path / "missed.csv").read_text().splitlines()
    assert missed_rows[0] == "meter_id,address,lat,lon" and len(missed_rows) == missed + 1

    st = amr("collector", "status", "--outbox", str(box))
    assert st.returncode == 0, st.stderr
    assert f"{records} unsynced of {records} records ({sent} receptions)" in st.stdout
    assert "dongle im871a" in st.stdout

    ex = amr("collector", "export", "--outbox", str(box), "--out", str(tmp_path / "handover.jsonl"))
    assert ex.returncode == 0, ex.stderr
    rows = [json.loads(x) for x in (tmp_path / "handover.jsonl").read_text().splitlines()]
    assert len(rows) == records and sum(r["heard_count"] for r in rows) == sent


def test_stdin_hex_lines(capture: tuple[Path, int], town: Path, tmp_path: Path) -> None:
    hexfile = tmp_path / "frames.hex"
    res = CliRunner().invoke(cli_simulate.app, ["dongle", "--town", str(town), "--dongle", "hex", "--out",
                                                str(hexfile)])
    assert res.exit_code == 0, res.output
    sent = int(res.output.split()[0])
    run = amr("collector", "run", "--port", "-", "--dongle", "hex", "--van-id", "v1", "--outbox",
              str(tmp_path / "o.sqlite"), "--no-sync", "--no-live", stdin=hexfile.read_bytes())
    assert run.returncode == 0, run.stderr
    assert re.search(rf"^{sent} frames heard", run.stdout, re.M), run.stdout[-300:]


def test_unreachable_broker_gets_one_line_and_collecting_goes_on(capture: tuple[Path, int], tmp_path: Path) -> None:
    cap, sent = capture
    res = amr("collector", "run", "--port", str(cap), "--dongle", "im871a", "--van-id", "v1", "--outbox",
              str(tmp_path / "o.sqlite"), "--no-live", "--broker", f"mqtt://127.0.0.1:{free_port()}")
    assert res.returncode == 0, res.stderr
    sync_lines = [x for x in res.stdout.splitlines() if x.startswith("sync:")]
    assert len(sync_lines) == 1 and "unreachable" in sync_lines[0], sync_lines
    assert re.search(rf"^{sent} frames heard, .* outbox \d+ unsynced", res.stdout, re.M)


@pytest.mark.parametrize(("args", "names"), [
    (["--port", "-", "--dongle", "im999"], ["--dongle", "im999"]),
    (["--port", "/dev/ttyNOSUCH0", "--dongle", "im871a"], ["/dev/ttyNOSUCH0", "No such file"]),
    (["--port", "/nonexistent/capture.bin", "--dongle", "cul"], ["/nonexistent/capture.bin", "No such file"]),
    (["--port", "-", "--dongle", "im871a", "--mode", "x9"], ["--mode", "x9"]),
    (["--port", "-", "--dongle", "cul", "--mode", "c1"], ["cul cannot receive C1"]),
    (["--port", "-", "--dongle", "auto"], ["--dongle auto", "capture file or stdin"]),
    (["--port", "-", "--dongle", "hex", "--broker", "http://x"], ["--broker"]),
])
def test_bad_input_gets_one_clear_line(tmp_path: Path, args: list[str], names: list[str]) -> None:
    line = _one_error_line(amr("collector", "run", "--van-id", "v", "--outbox", str(tmp_path / "o.sqlite"),
                               "--no-live", *args))
    for n in names:
        assert n in line, line


@pytest.mark.parametrize(("text", "names"), [
    ("meter_id,address,lat,lon\n12345678,ul. A 1,50.1,18.9\n1234567,ul. A 2,50.1,18.9\n", ["line 3", "meter_id"]),
    ("meter_id,address,lat,lon\n12345678,ul. A 1,north,18.9\n", ["line 2", "column lat", "north"]),
    ("meter_id,address\n12345678,ul. A 1\n", ["line 1", "lat"]),
    ("meter_id,address,lat,lon\n12345678,a,1,2\n12345678,b,1,2\n", ["line 3", "twice"]),
])
def test_malformed_route_file(tmp_path: Path, text: str, names: list[str]) -> None:
    route = tmp_path / "route.csv"
    route.write_text(text)
    line = _one_error_line(amr("collector", "run", "--port", "-", "--dongle", "hex", "--van-id", "v", "--outbox",
                               str(tmp_path / "o.sqlite"), "--route", str(route)))
    assert str(route) in line
    for n in names:
        assert n in line, line


def test_status_of_a_missing_outbox(tmp_path: Path) -> None:
    assert "no outbox" in _one_error_line(amr("collector", "status", "--outbox", str(tmp_path / "none.sqlite")))


def test_depot_sync_hands_the_outbox_to_ingest_without_the_dongle(capture: tuple[Path, int], town: Path,
                                                                  tmp_path: Path, mosquitto: Broker) -> None:  # noqa: F811
    """`run --no-sync`, then `amr collector sync` into a real `amr ingest serve`: every record archived once."""
    from db_urls import create_schema, sqlite_url
    from ingest_radio import Ingest
    from test_ingest_e2e import _rows

    cap, _sent = capture
    box = tmp_path / "outbox.sqlite"
    res = amr("collector", "run", "--port", str(cap), "--dongle", "im871a", "--van-id", "v1", "--outbox", str(box),
              "--no-sync", "--no-live")
    assert res.returncode == 0, res.stderr
    records = int(re.search(r"^\d+ frames heard, (\d+) new records", res.stdout, re.M).group(1))
    url = sqlite_url(tmp_path)
    create_schema(url)
    assert amr("import", "folder", str(town), "--db", url, timeout=120).returncode == 0

    # No broker yet: the time allowed runs out, one clear line, everything stays in the outbox.
    late = amr("collector", "sync", "--van-id", "v1", "--broker", f"mqtt://127.0.0.1:{free_port()}",
               "--outbox", str(box), "--timeout", "2")
    assert late.returncode == 1 and "Traceback" not in late.stderr
    assert f"error: {records} of {records} records still unsynced" in late.stderr
    assert sum(x.startswith("sync:") and "unreachable" in x for x in late.stdout.splitlines()) == 1, late.stdout

    ingest = Ingest(mosquitto.port, url, tmp_path / "ingest.log").start()
    try:
        done = amr("collector", "sync", "--van-id", "v1", "--broker", f"mqtt://127.0.0.1:{mosquitto.port}",
                   "--outbox", str(box), "--timeout", "120", timeout=180)
        again = amr("collector", "sync", "--van-id", "v1", "--broker", f"mqtt://127.0.0.1:{mosquitto.port}",
                    "--outbox", str(box))
    finally:
        ingest.stop()
    assert done.returncode == 0, done.stderr
    assert f"all {records} records receipted by ingest" in done.stdout
    assert again.returncode == 0 and "nothing to sync" in again.stdout
    st = amr("collector", "status", "--outbox", str(box))
    assert f"0 unsynced of {records} records" in st.stdout and "0 batches awaiting a receipt" in st.stdout
    assert _rows(url, "SELECT count(*), count(DISTINCT van_id || ':' || batch_seq || ':' || seq) FROM raw_frames") \
        == [(records, records)]
    assert _rows(url, "SELECT count(*) FROM quarantine")[0][0] + _rows(
        url, "SELECT count(*) FROM readings WHERE raw_frame_id IS NOT NULL")[0][0] <= records


def test_depot_sync_of_a_missing_outbox(tmp_path: Path) -> None:
    line = _one_error_line(amr("collector", "sync", "--van-id", "v1", "--broker", "mqtt://127.0.0.1:1",
                               "--outbox", str(tmp_path / "none.sqlite")))
    assert "none.sqlite" in line and "no outbox there" in line


def test_depot_sync_is_refused_while_another_process_syncs_the_outbox(capture: tuple[Path, int],
                                                                     tmp_path: Path) -> None:
    import fcntl

    from collector.sync import sync_lock_path

    cap, _sent = capture
    box = tmp_path / "outbox.sqlite"
    assert amr("collector", "run", "--port", str(cap), "--dongle", "im871a", "--van-id", "v1", "--outbox", str(box),
               "--no-sync", "--no-live").returncode == 0
    with sync_lock_path(box).open("a+") as fh:  # as a running `collector run` with --broker holds it
        fcntl.flock(fh, fcntl.LOCK_EX)
        line = _one_error_line(amr("collector", "sync", "--van-id", "v1", "--broker", "mqtt://127.0.0.1:1",
                                   "--outbox", str(box)))
    assert "another process is syncing" in line and "outbox.sqlite" in line
