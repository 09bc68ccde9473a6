"""Staff queries (``amr readings|meters|alarms|quarantine|invoices``) and the rule that no output shows a key."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from db_urls import db_url  # noqa: F401  (fixture)
from ingest_data import KEYS, amr, make_schema, write_folder


@pytest.fixture
def loaded(db_url: str, tmp_path: Path) -> str:  # noqa: F811
    make_schema(db_url)
    assert amr("import", "folder", write_folder(tmp_path / "t"), "--db", db_url).exit_code == 0
    return db_url


def test_readings_show_meter_and_contract_with_sources(loaded: str, tmp_path: Path) -> None:
    path = tmp_path / "self.csv"
    path.write_text("meter_id,read_at,total_m3\n00099999,2026-10-05T19:00:00,4.2\n", encoding="utf-8")
    assert amr("import", "readings", path, "--source", "customer", "--db", loaded).exit_code == 0
    out = amr("readings", "show", "00099999", "--db", loaded, "--format", "json")
    assert out.exit_code == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [(r["total_m3"], r["source"]) for r in rows] == [(4.0, "van"), (4.2, "customer")]
    assert rows[1]["read_at"] == "2026-10-05T19:00:00+02:00"
    contract = amr("readings", "show", "K1", "--db", loaded, "--format", "csv")
    table = list(csv.DictReader(io.StringIO(contract.stdout)))
    assert {r["meter_id"] for r in table} == {"00012346", "00099999"}
    assert list(table[0]) == ["meter_id", "read_at", "total_m3", "target_m3", "target_date", "flow_m3h", "alarms",
                              "source"]
    text = amr("readings", "show", "K1", "--db", loaded)
    assert text.exit_code == 0 and "customer" in text.stdout and "LEAK" in text.stdout
    unknown = amr("readings", "show", "K404", "--db", loaded)
    assert unknown.exit_code == 2 and unknown.stderr == "error: 'K404' is neither a meter id nor a contract id\n"


def test_meters_unread_and_alarms(loaded: str, tmp_path: Path) -> None:
    unread = json.loads(amr("meters", "unread", "--since", "2026-10-01", "--db", loaded, "--format", "json").stdout)
    # the replaced meter left service before the date; the rest were last read on 2026-09-30
    assert [r["meter_id"] for r in unread] == ["00012346", "00055555", "00077777", "00099999"]
    assert unread[0]["last_read_at"] == "2026-09-30T08:00:00+02:00" and unread[0]["last_source"] == "van"
    path = tmp_path / "self.csv"
    path.write_text("meter_id,read_at,total_m3\n00099999,2026-10-05T19:00:00,4.2\n", encoding="utf-8")
    assert amr("import", "readings", path, "--source", "customer", "--db", loaded).exit_code == 0
    unread = json.loads(amr("meters", "unread", "--since", "2026-10-01", "--db", loaded, "--format", "json").stdout)
    assert "00099999" not in [r["meter_id"] for r in unread]
    alarms = json.loads(amr("alarms", "--since", "2026-09-01", "--db", loaded, "--format", "json").stdout)
    assert [(a["meter_id"], a["alarms"], a["premises_id"]) for a in alarms] == [("00012346", "LEAK", "P1")]
    assert json.loads(amr("alarms", "--since", "2026-10-01", "--db", loaded, "--format", "json").stdout) == []
    bad = amr("alarms", "--since", "yesterday", "--db", loaded)
    assert bad.exit_code == 2 and "--since must be a date YYYY-MM-DD" in bad.stderr


def test_invoices_show_in_every_format(loaded: str) -> None:
    assert amr("billing", "run", "--period", "2026-10", "--db", loaded, "--issue-date", "2026-11-02",
               "--allow-estimates").exit_code == 0  # the folder's readings end on 2026-09-30
    shown = json.loads(amr("invoices", "show", "123456/2026/10/01", "--db", loaded, "--format", "json").stdout)
    assert isinstance(shown, list) and len(shown) == 1
    inv = shown[0]
    assert inv["customer_id"] == "123456" and inv["status"] == "draft" and inv["due_date"] == "2026-11-16"
    assert re.fullmatch(r"\d+\.\d\d", inv["gross"]) and len(inv["lines"]) >= 2
    from decimal import Decimal

    assert sum(Decimal(ln["gross"]) for ln in inv["lines"]) == Decimal(inv["gross"])
    table = amr("invoices", "show", "123456/2026/10/01", "--db", loaded)
    assert table.exit_code == 0 and "abonament" in table.stdout
    flat = list(csv.DictReader(io.StringIO(amr("invoices", "show", "123456/2026/10/01", "--db", loaded,
                                               "--format", "csv").stdout)))
    assert len(flat) == len(inv["lines"]) and flat[0]["number"] == "123456/2026/10/01"
    missing = amr("invoices", "show", "999999/2026/10/01", "--db", loaded)
    assert missing.exit_code == 2 and "no invoice numbered '999999/2026/10/01'" in missing.stderr


def test_quarantine_list_shows_reason_and_origin(loaded: str) -> None:
    import datetime as dt

    from sqlalchemy import insert

    from ingest.models.base import make_engine
    from ingest.models.radio import Quarantine, RawFrame

    engine = make_engine(loaded)
    with engine.begin() as conn:
        conn.execute(insert(RawFrame), [{"id": 1, "van_id": "van1", "batch_seq": 7, "seq": 3, "frame": b"\x1e\x44\x01",
                                         "frame_hash": "ab" * 32, "received_at": dt.datetime(2026, 10, 30, 7, 0,
                                                                                             tzinfo=dt.UTC),
                                         "meter_id": "00055555"}])
        conn.execute(insert(Quarantine).values(raw_frame_id=1, van_id="van1", reason="no key",
                                               detail="meter 00055555 has no key", attempts=2))
        conn.execute(insert(Quarantine).values(van_id="van2", payload=b"{not json", reason="corrupt",
                                               detail="batch payload is not JSON", attempts=1))
    engine.dispose()
    out = amr("quarantine", "list", "--db", loaded, "--format", "json")
    assert out.exit_code == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [(r["reason"], r["van_id"], r["batch_seq"], r["frame"], r["payload_bytes"]) for r in rows] == [
        ("no key", "van1", 7, "1e4401", None), ("corrupt", "van2", None, None, 9)]
    assert rows[0]["received_at"] == "2026-10-30T08:00:00+01:00" and rows[0]["attempts"] == 2
    table = amr("quarantine", "list", "--db", loaded)
    assert table.exit_code == 0 and "no key" in table.stdout


def test_no_command_output_shows_a_key(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    """Every importer, billing and query command, good and bad input, on a town with 100+ keys."""
    town = tmp_path / "town"
    assert amr("simulate", "town", "--meters", "80", "--seed", "7", "--out", town).exit_code == 0
    keys = [line.split(",")[1].strip() for line in (town / "keys.csv").read_text().splitlines()[1:] if line]
    keys += list(KEYS)
    assert len(keys) > 40
    make_schema(db_url)
    outputs = []

    def run(*args: object) -> None:
        r = amr(*map(str, args))
        outputs.append(r.stdout + r.stderr)

    run("import", "folder", town, "--db", db_url)
    run("import", "keys", town / "keys.csv", "--db", db_url)
    changed = tmp_path / "keys2.csv"
    changed.write_text((town / "keys.csv").read_text().replace(keys[0], keys[1]), encoding="utf-8")
    run("import", "keys", changed, "--db", db_url)  # a changed key is logged as <hidden>
    bad = tmp_path / "bad_keys.csv"
    first_meter = (town / "keys.csv").read_text().splitlines()[1].split(",")[0]
    bad.write_text(f"id,key\n{first_meter},{keys[2]}XX\n{first_meter},{keys[3][:-1]}\n", encoding="utf-8")
    run("import", "keys", bad, "--db", db_url)
    run("billing", "run", "--period", "2026-10", "--db", db_url, "--out", tmp_path / "o" / "inv.csv")
    meter = first_meter
    for fmt in ("table", "csv", "json"):
        run("readings", "show", meter, "--db", db_url, "--format", fmt)
        run("meters", "unread", "--since", "2026-06-01", "--db", db_url, "--format", fmt)
        run("alarms", "--since", "2026-01-01", "--db", db_url, "--format", fmt)
        run("invoices", "list", "--db", db_url, "--format", fmt)
    text = "\n".join(outputs) + "".join(p.read_text() for p in (tmp_path / "o").iterdir())
    assert "meter_keys: 0 new, 1 updated" in text
    assert "column key: not 32 hex digits (value hidden)" in text
    upper = text.upper()
    leaked = [k for k in keys if k.upper() in upper]
    assert leaked == []
