"""Crashes: SIGKILL `amr ingest serve` at random instants while batches from four vans flow (≥ 20 kills).

Pass criteria, on SQLite and PostgreSQL: every batch receipted; every record archived exactly once;
one reading per distinct telegram (0 lost, 0 duplicated); each corrupt frame quarantined exactly once;
every redelivered batch's receipts equal its first.  The 200-kill version is
``benchmarks/ingest_kill_bench.py``.
"""

from __future__ import annotations

from pathlib import Path

from db_urls import create_schema, db_url  # noqa: F401  (fixture)
from ingest_radio import kill_run, make_town, run_amr
from mosquitto_broker import Broker, mosquitto  # noqa: F401  (fixture)
from test_ingest_e2e import _rows


def check_kill_run(db_url: str, result: dict) -> None:  # noqa: F811
    batches, receipts = result["batches"], result["receipts"]
    assert all((v, s) in receipts for v, s, _ in batches), "a batch was never receipted"
    for got in receipts.values():
        assert all(g == got[0] for g in got), f"a redelivered batch got different receipts: {got}"
    assert _rows(db_url, "SELECT count(*) FROM received_batches")[0][0] == len(batches)
    frames, distinct_rows = _rows(db_url, "SELECT count(*), count(DISTINCT van_id || ':' || batch_seq || ':' || seq) "
                                          "FROM raw_frames")[0]
    assert frames == distinct_rows == result["records"], "records lost or archived twice"
    van = _rows(db_url, "SELECT count(*), count(DISTINCT dedupe_key) FROM readings WHERE raw_frame_id IS NOT NULL")[0]
    assert van == (result["distinct"], result["distinct"]), "readings lost or duplicated"
    q = _rows(db_url, "SELECT count(*), count(DISTINCT raw_frame_id) FROM quarantine WHERE raw_frame_id IS NOT NULL")
    assert q[0] == (result["corrupt"], result["corrupt"])
    stored = sum(got[0]["stored"] for got in receipts.values())
    assert stored == result["distinct"], "receipts' stored counts do not add up to the readings"


def test_sigkill_at_random_instants_loses_and_duplicates_nothing(db_url: str, mosquitto: Broker,  # noqa: F811
                                                                 tmp_path: Path) -> None:
    town, _drive, heard = make_town(tmp_path, meters=60, seed=5)
    create_schema(db_url)
    assert run_amr("import", "folder", town, "--db", db_url).returncode == 0
    result = kill_run(mosquitto.port, db_url, tmp_path, heard, kills=20)
    assert result["kills_in_flow"] >= 20, result["kills_in_flow"]
    print(f"{result['kills']} kills ({result['kills_in_flow']} while batches were outstanding), "
          f"{len(result['batches'])} batches, {result['records']} records "
          f"in {result['seconds']:.1f} s")
    check_kill_run(db_url, result)
