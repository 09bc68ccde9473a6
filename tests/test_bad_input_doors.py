"""Bad input at every door of the system, each answered by one clear message and no traceback (issue 13).

The doors and where each is proved:

- garbage on the serial port: here, through a real pseudo-terminal into ``amr collector run``;
- a malformed batch on the broker: ``test_ingest_e2e.py::test_consumer_end_to_end`` (quarantined with its
  reason while the consumer keeps storing the next batch);
- a corrupt CSV import: here (binary, Windows-1250, ';'-separated, unterminated quote, empty), and one
  test per bad-row kind in ``test_importers.py``;
- a missing database file: here, for every command that reads the database, the portal's included;
- an unreachable broker: ``test_ingest_e2e.py::test_unreachable_broker_and_database_are_reported_and_retried``
  (ingest) and ``test_collector_cli.py::test_unreachable_broker_gets_one_line_and_collecting_goes_on`` (van).
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from ingest_data import amr

from simulators.dongles import Reception, RtlWmbus

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"


def _frames(n: int) -> list[bytes]:
    """Distinct CRC-free frames from the public vectors (wM-Bus ones only)."""
    rows = [json.loads(x) for x in (FIXTURES / "wmbus-water.jsonl").read_text().splitlines() if x.strip()]
    seen: list[bytes] = []
    for r in rows:
        if r.get("frame") == "wmbus" and not r.get("prior_telegrams_hex"):
            f = bytes.fromhex(r["telegram_hex"])
            if f[0] == len(f) - 1 and f not in seen:
                seen.append(f)
    assert len(seen) >= n
    return seen[:n]


def test_garbage_on_the_serial_port_is_counted_and_the_frames_between_are_kept(tmp_path: Path) -> None:
    frames = _frames(6)
    enc, rng = RtlWmbus(), random.Random(13)
    master, slave = os.openpty()
    outbox = tmp_path / "outbox.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", "from cli import app; app()", "collector", "run",
                             "--port", os.ttyname(slave), "--dongle", "rtl-wmbus", "--van-id", "van-doors",
                             "--outbox", str(outbox), "--no-sync", "--no-live"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)  # type: ignore[arg-type]
    reader.start()

    def wait_for(done: Callable[[], bool], seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not done() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)

    try:
        # Write only once the port is open and listening: opening a port discards what waited in it.
        wait_for(lambda: any(x.startswith("dongle listening") for x in lines), 60)
        for f in frames:
            os.write(master, enc.garbage(rng, 40))  # a line of noise
            os.write(master, bytes(rng.randrange(256) for _ in range(25)) + b"\n")  # raw binary junk
            os.write(master, enc.telegram(f, Reception()).data)
        os.write(master, b"T1;1;1;2026-12-04 10:00:00.000;97;148;ZZZZ\n")  # the right shape, not hex
        wait_for(lambda: sum(x.startswith("accepted seq=") for x in lines) >= len(frames), 60)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        reader.join(timeout=10)
        assert proc.stderr is not None
        err = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
        os.close(slave)
    out = "".join(lines)
    assert "Traceback" not in out + err, err
    accepted = [x for x in out.splitlines() if x.startswith("accepted seq=")]
    assert len(accepted) == len(frames), out
    summary = out.strip().splitlines()[-1]
    assert summary.startswith(f"{len(frames)} frames heard"), summary
    faults = re.search(r"faults: (.*?)(;|$)", summary)
    assert faults and "bad_lines" in faults.group(1), summary  # the noise is named and counted, not hidden


@pytest.mark.parametrize(("content", "message"), [
    (bytes(range(256)) * 2, "not UTF-8 text (byte 0x80 on line 2)"),
    ("customer_id,name\n123456,Kołodziej\n".encode("cp1250"),
     'not UTF-8 text (byte 0xb3 on line 2); save it as "CSV UTF-8"'),
    (b"customer_id;name\n123456;Nowak\n", "columns are separated by ';'"),
    (b'customer_id,name\n"123456,Nowak\n', "cannot be read: Error tokenizing data"),
    (b"", "cannot be read: No columns to parse from file"),
], ids=["binary", "cp1250", "semicolons", "open-quote", "empty"])
def test_a_corrupt_csv_is_rejected_whole_with_its_reason(tmp_path: Path, content: bytes, message: str) -> None:
    db = f"sqlite:///{tmp_path / 'amr.db'}"
    assert amr("db", "upgrade", "--db", db).exit_code == 0
    (tmp_path / "customers.csv").write_bytes(content)
    result = amr("import", "customers", str(tmp_path / "customers.csv"), "--db", db)
    assert result.exit_code == 2
    assert "customers.csv: rejected, nothing imported" in result.stderr and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    listed = amr("invoices", "list", "--db", db, "--format", "json")
    assert listed.exit_code == 0 and json.loads(listed.stdout) == []


@pytest.mark.parametrize("args", [
    ["readings", "show", "123456"],
    ["meters", "unread", "--since", "2026-01-01"],
    ["alarms", "--since", "2026-01-01"],
    ["quarantine", "list"],
    ["invoices", "list"],
    ["billing", "run", "--period", "2026-10"],
    ["ingest", "redecode"],
    ["import", "folder", "."],
    ["ebok", "serve"],
    ["ebok", "tickets", "list"],
], ids=lambda a: " ".join(a[:2]))
def test_a_missing_database_file_is_named_and_not_created(tmp_path: Path, args: list[str]) -> None:
    missing = tmp_path / "amr-demo" / "amr.db"  # a typo'd or not yet created demo database
    result = amr(*args, "--db", str(missing))
    assert result.exit_code == 2, result.stdout
    assert f"database file {missing} does not exist" in result.stderr and "amr db upgrade" in result.stderr, \
        result.stderr
    assert not missing.exists()
