"""End to end against the ground truth: simulated town → `amr import folder` → the drive's frames as
contract-2 batches through a real Mosquitto → `amr ingest serve` (a subprocess) → the database.

Also: a malformed payload is quarantined while the consumer keeps running, compressed forms are
accepted, a duplicate batch and a second van's copy of the same frames add no reading, and no key
appears in anything captured (command output, the consumer's log, the broker's log, MQTT payloads).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from pathlib import Path

import pytest
from db_urls import create_schema, db_url  # noqa: F401  (fixture)
from ingest_radio import LOCAL, Ingest, Van, batches_of, make_town, records_of, run_amr
from mosquitto_broker import Broker, mosquitto  # noqa: F401  (fixture)

from ingest.consumer.payload import encode_batch


def _rows(url: str, sql: str) -> list[tuple]:
    from sqlalchemy import text

    from ingest.models.base import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def _close(a: float | None, b: str) -> bool:
    return a is not None and math.isclose(a, float(b), abs_tol=1e-9)


def test_town_drive_through_mosquitto_matches_ground_truth(db_url: str, mosquitto: Broker,  # noqa: F811
                                                           tmp_path: Path) -> None:
    town, _drive, heard = make_town(tmp_path, meters=60, seed=3)
    captured: list[str] = []
    create_schema(db_url)
    out = run_amr("import", "folder", town, "--db", db_url)
    captured += [out.stdout, out.stderr]
    assert out.returncode == 0, out.stderr
    imported = _rows(db_url, "SELECT count(*) FROM readings")[0][0]

    ingest = Ingest(mosquitto.port, db_url, tmp_path / "ingest.log").start()
    van = Van(mosquitto.port)
    try:
        records = records_of(heard)
        forms = ["json", "zlib", "zstd", "gzip", "envelope-zlib", "envelope-zstd"]
        plan = batches_of("van-a", records, 25)
        batches = [(b["van_id"], b["batch_seq"], encode_batch(b, forms[i % len(forms)])) for i, b in enumerate(plan)]
        van.deliver(batches)
        # The same batches again (a redelivery) and the same frames from a second van.
        van.deliver(batches)
        other = batches_of("van-b", records, 40)
        van.deliver([(b["van_id"], b["batch_seq"], encode_batch(b)) for b in other])
        # A malformed payload, then a good batch: the consumer must still be running and storing.
        van.publish(b'{"van_id": "van-a", "batch_seq": 999, "records": [{"seq": 1}]}', "van-a")
        van.publish(b"\x01not zlib at all", "van-a")
        tail = batches_of("van-c", records[:5], 5)
        van.deliver([(b["van_id"], b["batch_seq"], encode_batch(b)) for b in tail])
        assert ingest.proc is not None and ingest.proc.poll() is None
    finally:
        van.close()
        ingest.stop()

    # Receipts: one per delivery of each batch; redelivery gets the counts of the first storage.
    for b in plan:
        got = van.receipts[("van-a", b["batch_seq"])]
        assert len(got) >= 2 and all(g == got[0] for g in got)
    assert sum(van.receipts[("van-b", b["batch_seq"])][0]["stored"] for b in other) == 0
    assert van.receipts[("van-a", 999)][0] == {"batch_seq": 999, "stored": 0, "duplicates": 0, "quarantined": 1}

    # Every heard frame archived once per (van, batch, seq): van-a once, van-b once, van-c its five.
    archived = _rows(db_url, "SELECT van_id, count(*), count(DISTINCT batch_seq * 100000 + seq) FROM raw_frames "
                             "GROUP BY van_id ORDER BY van_id")
    assert archived == [("van-a", len(heard), len(heard)), ("van-b", len(heard), len(heard)), ("van-c", 5, 5)]

    # One reading per distinct telegram, equal to heard.csv's values.
    by_frame: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in heard:
        by_frame[r["frame"]].append(r)
    got = _rows(db_url, "SELECT r.meter_id, r.read_at, r.total_m3, r.target_m3, r.target_date, r.flow_m3h, r.alarms, "
                        "f.frame FROM readings r JOIN raw_frames f ON f.id = r.raw_frame_id WHERE r.source = 'van'")
    assert len(got) == len(by_frame)
    assert _rows(db_url, "SELECT count(*) FROM readings WHERE raw_frame_id IS NULL")[0][0] == imported
    assert {bytes(g[7]).hex().upper() for g in got} == set(by_frame)
    for meter_id, read_at, total, target, target_date, flow, alarms, frame in got:
        truth = by_frame[bytes(frame).hex().upper()]
        t = truth[0]
        assert meter_id == t["meter_id"]
        assert _close(total, t["total_m3"]), (t["family"], total, t["total_m3"])
        if target is not None:
            assert _close(target, t["target_m3"])
        if target_date is not None:
            assert str(target_date)[:10] == t["target_date"]
        if flow is not None:
            assert _close(flow, t["flow_m3h"])
        assert alarms == t["alarms"], (t["family"], alarms, t["alarms"])
        stamp = read_at if isinstance(read_at, dt.datetime) else dt.datetime.fromisoformat(str(read_at))
        stamp = stamp.replace(tzinfo=dt.UTC) if stamp.tzinfo is None else stamp
        from ingest_radio import utc_iso

        assert stamp in {dt.datetime.fromisoformat(utc_iso(r["received_at"])) for r in truth}
    # The malformed payloads are in quarantine with their reasons, kept whole.
    bad = _rows(db_url, "SELECT reason, detail FROM quarantine WHERE raw_frame_id IS NULL ORDER BY detail")
    assert [b[0] for b in bad] == ["malformed_payload", "malformed_payload"]
    assert any("record 0: 'frame' must be a hex string" in b[1] for b in bad)
    assert any("zlib payload does not decompress" in b[1] for b in bad)
    log = (tmp_path / "ingest.log").read_text()
    assert "quarantined a malformed payload" in log and "Traceback" not in log

    # Billing from the database equals billing the town folder plus those readings (`--readings`).
    extra = tmp_path / "van-readings.csv"
    lines = ["meter_id,read_at,total_m3,target_m3,target_date,source,alarms"]
    for meter_id, read_at, total, target, target_date, _flow, alarms, _frame in got:
        stamp = read_at if isinstance(read_at, dt.datetime) else dt.datetime.fromisoformat(str(read_at))
        stamp = stamp.replace(tzinfo=dt.UTC) if stamp.tzinfo is None else stamp
        local = stamp.astimezone(LOCAL).replace(tzinfo=None).isoformat()
        lines.append(f"{meter_id},{local},{total},{'' if target is None else target},"
                     f"{'' if target_date is None else str(target_date)[:10]},van,{alarms}")
    extra.write_text("\n".join(lines) + "\n")
    period = "2026-12"
    by_data = run_amr("billing", "run", "--period", period, "--data", town, "--readings", extra,
                      "--out", tmp_path / "data.csv")
    by_db = run_amr("billing", "run", "--period", period, "--db", db_url, "--out", tmp_path / "db.csv")
    without = run_amr("billing", "run", "--period", period, "--data", town, "--out", tmp_path / "plain.csv")
    captured += [by_data.stdout, by_data.stderr, by_db.stdout, by_db.stderr]
    assert by_data.returncode == by_db.returncode == without.returncode == 0, by_db.stderr
    assert (tmp_path / "db.csv").read_text() == (tmp_path / "data.csv").read_text()
    assert (tmp_path / "data.csv").read_text().count("\n") > 50
    # The van's readings matter: billing the folder alone gives other invoices.
    assert (tmp_path / "plain.csv").read_text() != (tmp_path / "data.csv").read_text()

    # Staff commands over the result, captured for the key grep.
    for args in (("quarantine", "list"), ("ingest", "redecode"), ("alarms", "--since", "2020-01-01")):
        out = run_amr(*args, "--db", db_url)
        captured += [out.stdout, out.stderr]
    keys = [line.split(",")[1].strip() for line in (town / "keys.csv").read_text().splitlines()[1:] if line.strip()]
    assert len(keys) > 20
    haystack = "\n".join(captured) + log + mosquitto.log.read_text(errors="replace")
    payloads = b"\n".join(van.seen)
    for key in keys:
        for form in (key.upper(), key.lower()):
            assert form not in haystack, "a key appears in command output or a log"
            assert form.encode() not in payloads and bytes.fromhex(key) not in payloads, "a key is in an MQTT payload"


def test_unreachable_broker_and_database_are_reported_and_retried(tmp_path: Path, mosquitto: Broker) -> None:  # noqa: F811
    """A dead broker and a dead database each give one clear line, then the consumer keeps trying."""
    from mosquitto_broker import free_port

    db = f"sqlite:///{tmp_path / 'a.db'}"
    create_schema(db)
    dead = Ingest(free_port(), db, tmp_path / "broker.log").start(wait_subscribed=False)
    pg_dead = Ingest(mosquitto.port, "postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_path / "db.log")
    pg_dead.start(wait_subscribed=False)
    try:
        import time

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            b, d = (tmp_path / "broker.log").read_text(), (tmp_path / "db.log").read_text()
            if b.count("retrying") >= 2 and d.count("retrying") >= 2:
                break
            time.sleep(0.2)
        assert dead.proc is not None and dead.proc.poll() is None
        assert pg_dead.proc is not None and pg_dead.proc.poll() is None
    finally:
        dead.stop()
        pg_dead.stop()
    b, d = (tmp_path / "broker.log").read_text(), (tmp_path / "db.log").read_text()
    assert "error: broker 127.0.0.1:" in b and "unreachable" in b and b.count("retrying") >= 2, b
    assert "error: database postgresql+psycopg://nobody@127.0.0.1:1/none unreachable" in d, d
    assert d.count("retrying") >= 2 and "Traceback" not in b + d


@pytest.mark.parametrize("bad", ["mqtt://", "ftp://host", "mqtt://host:port"])
def test_bad_broker_url_is_one_error_line(bad: str, tmp_path: Path) -> None:
    out = run_amr("ingest", "serve", "--broker", bad, "--db", f"sqlite:///{tmp_path / 'x.db'}", timeout=60)
    assert out.returncode == 2 and out.stderr.startswith("error: --broker") and out.stderr.count("\n") == 1


def test_two_workers_split_the_load_exactly_once(db_url: str, mosquitto: Broker, tmp_path: Path) -> None:  # noqa: F811
    """Two `amr ingest serve` on the shared subscription: both store batches, the result is exactly once."""
    _town, _drive, heard = make_town(tmp_path, meters=60, seed=3)
    create_schema(db_url)
    assert run_amr("import", "folder", _town, "--db", db_url).returncode == 0
    workers = [Ingest(mosquitto.port, db_url, tmp_path / f"w{i}.log", client_id=f"w{i}").start() for i in range(2)]
    van = Van(mosquitto.port)
    try:
        plan = batches_of("van-a", records_of(heard), 4) + batches_of("van-b", records_of(heard), 6)
        van.deliver([(b["van_id"], b["batch_seq"], encode_batch(b)) for b in plan])
    finally:
        van.close()
        for w in workers:
            w.stop()
    for i in range(2):
        assert "stored:" in (tmp_path / f"w{i}.log").read_text(), f"worker {i} stored nothing"
    assert _rows(db_url, "SELECT count(*) FROM raw_frames")[0][0] == 2 * len(heard)
    assert _rows(db_url, "SELECT count(*) FROM readings WHERE raw_frame_id IS NOT NULL")[0][0] == \
        len({r["frame"] for r in heard})
    assert sum(v[0]["stored"] for v in van.receipts.values()) == len({r["frame"] for r in heard})


def test_database_without_schema_stops_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "empty.db").touch()  # exists, but nobody ran `amr db upgrade` on it
    out = run_amr("ingest", "serve", "--broker", "mqtt://127.0.0.1:1", "--db", f"sqlite:///{tmp_path / 'empty.db'}",
                  timeout=60)
    assert out.returncode == 2 and out.stderr.startswith("error: database sqlite:///")
    assert "amr db upgrade" in out.stderr
    assert out.stderr.count("\n") == 1


def test_a_payload_naming_an_impossible_van_is_quarantined_without_a_receipt(mosquitto: Broker,  # noqa: F811
                                                                             tmp_path: Path) -> None:
    """A van id that cannot be a topic level ("a/+") gets no receipt; the consumer keeps going."""
    _town, _drive, heard = make_town(tmp_path, meters=60, seed=3)
    db = f"sqlite:///{tmp_path / 'amr.db'}"
    create_schema(db)
    assert run_amr("import", "folder", _town, "--db", db).returncode == 0
    ingest = Ingest(mosquitto.port, db, tmp_path / "ingest.log").start()
    van = Van(mosquitto.port)
    try:
        van.publish(encode_batch({"van_id": "a/+", "batch_seq": 5, "records": []}), "van-a")
        good = batches_of("van-a", records_of(heard)[:10], 10, first_seq=6)
        van.deliver([(b["van_id"], b["batch_seq"], encode_batch(b)) for b in good])
        assert ingest.proc is not None and ingest.proc.poll() is None
    finally:
        van.close()
        ingest.stop()
    assert van.receipts[("van-a", 6)][0]["stored"] + van.receipts[("van-a", 6)][0]["duplicates"] == 10
    log = (tmp_path / "ingest.log").read_text()
    assert "no receipt for batch 5: van id 'a/+' cannot be an MQTT topic level" in log and "Traceback" not in log
    assert _rows(db, "SELECT reason FROM quarantine WHERE raw_frame_id IS NULL") == [("malformed_payload",)]
