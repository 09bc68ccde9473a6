"""Decode-and-store on SQLite and PostgreSQL: quarantine reasons, dedupe, duplicate batches, redecode,
import-batch.  The town, keys and frames are the simulators' own; nothing is mocked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from db_urls import create_schema, db_url  # noqa: F401  (fixture)
from ingest_radio import make_town, records_of, run_amr
from test_ingest_e2e import _rows

from ingest.consumer.payload import encode_batch, parse_batch


@pytest.fixture
def town_db(db_url: str, tmp_path: Path) -> tuple[str, Path, list[dict[str, str]]]:  # noqa: F811
    town, _drive, heard = make_town(tmp_path, meters=60, seed=3)
    create_schema(db_url)
    out = run_amr("import", "folder", town, "--db", db_url)
    assert out.returncode == 0, out.stderr
    return db_url, town, heard


def _store(url: str, batch: dict) -> object:
    from sqlalchemy.orm import sessionmaker

    from ingest.decode_store import KeyedDecoder, store_with_retry
    from ingest.models.base import make_engine

    engine = make_engine(url)
    try:
        sessions = sessionmaker(engine)
        with sessions() as s:
            dec = KeyedDecoder(s)
        return store_with_retry(sessions, parse_batch(encode_batch(batch)), dec)
    finally:
        engine.dispose()


def _exec(url: str, sql: str) -> None:
    from sqlalchemy import text

    from ingest.models.base import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(sql))
    engine.dispose()


def test_each_failure_is_quarantined_with_its_reason_and_redecode_moves_it(town_db: tuple) -> None:
    url, town, heard = town_db
    keys = dict(line.split(",")[:2] for line in (town / "keys.csv").read_text().splitlines()[1:] if line)
    mode5 = [r for r in heard if r["family"] == "oms-mode5" and r["meter_id"] in keys]
    no_key, wrong_key = mode5[0], next(r for r in mode5 if r["meter_id"] != mode5[0]["meter_id"])
    plain = next(r for r in heard if r["family"] == "oms-plain")
    good = next(r for r in heard if r["family"] == "izar")
    unsupported = bytearray(bytes.fromhex(plain["frame"]))
    unsupported[10] = 0xA0  # a manufacturer-specific CI no driver knows
    stranger = bytearray(bytes.fromhex(good["frame"]))
    stranger[4:8] = bytes.fromhex("99999999")  # radio id 99999999: not in the meters table
    _exec(url, f"DELETE FROM meter_keys WHERE meter_id = '{no_key['meter_id']}'")
    _exec(url, f"UPDATE meter_keys SET key_hex = '{'00' * 16}' WHERE meter_id = '{wrong_key['meter_id']}'")
    frames = [good["frame"], no_key["frame"], wrong_key["frame"], unsupported.hex(), stranger.hex(),
              good["frame"][:24], "not hex"]
    batch = {"van_id": "v1", "batch_seq": 7, "records": [{"seq": i, "frame": f} for i, f in enumerate(frames)]}
    receipt = _store(url, batch)
    assert receipt.body() == {"batch_seq": 7, "stored": 1, "duplicates": 0, "quarantined": 6}
    reasons = _rows(url, "SELECT f.seq, q.reason, q.detail FROM quarantine q "
                         "JOIN raw_frames f ON f.id = q.raw_frame_id ORDER BY f.seq")
    assert [(s, r) for s, r, _ in reasons] == [(1, "no_key"), (2, "wrong_key"), (3, "unsupported_family"),
                                                (4, "unknown_meter"), (5, "corrupt"), (6, "corrupt")]
    assert "meter 99999999" in reasons[3][2] and "not hexadecimal" in reasons[5][2]
    assert _rows(url, "SELECT count(*) FROM raw_frames")[0][0] == 7  # nothing heard is lost

    out = run_amr("ingest", "redecode", "--db", url)
    assert out.returncode == 0 and "0 became readings" in out.stdout and "1 no_key" in out.stdout, out.stdout
    _exec(url, f"INSERT INTO meter_keys (meter_id, key_hex) VALUES ('{no_key['meter_id']}', "
               f"'{keys[no_key['meter_id']]}')")
    _exec(url, f"UPDATE meter_keys SET key_hex = '{keys[wrong_key['meter_id']]}' "
               f"WHERE meter_id = '{wrong_key['meter_id']}'")
    out = run_amr("ingest", "redecode", "--db", url)
    assert out.returncode == 0, out.stderr
    assert "2 became readings (1 from no_key, 1 from wrong_key)" in out.stdout, out.stdout
    assert "still quarantined: 2 corrupt, 1 unknown_meter, 1 unsupported_family" in out.stdout
    for key in keys.values():
        assert key not in out.stdout + out.stderr
    got = dict(_rows(url, "SELECT meter_id, total_m3 FROM readings WHERE raw_frame_id IS NOT NULL"))
    assert got[no_key["meter_id"]] == pytest.approx(float(no_key["total_m3"]))
    assert got[wrong_key["meter_id"]] == pytest.approx(float(wrong_key["total_m3"]))
    attempts = _rows(url, "SELECT reason, attempts FROM quarantine ORDER BY reason")
    assert {a for _, a in attempts} == {3}
    # Redecoding again moves nothing and duplicates nothing.
    assert "0 became readings" in run_amr("ingest", "redecode", "--db", url).stdout
    assert _rows(url, "SELECT count(*) FROM readings WHERE raw_frame_id IS NOT NULL")[0][0] == 3


def test_duplicates_two_vans_and_repeats_give_one_reading(town_db: tuple) -> None:
    url, _town, heard = town_db
    records = records_of(heard)
    distinct = len({r["frame"] for r in heard})
    first = _store(url, {"van_id": "a", "batch_seq": 1, "records": records})
    assert first.stored == distinct and first.duplicates == len(heard) - distinct and first.quarantined == 0
    again = _store(url, {"van_id": "a", "batch_seq": 1, "records": records})
    assert again.redelivered and again.body() == first.body()
    other = _store(url, {"van_id": "b", "batch_seq": 1, "records": records[::-1]})
    assert other.body() == {"batch_seq": 1, "stored": 0, "duplicates": len(heard), "quarantined": 0}
    assert _rows(url, "SELECT count(*) FROM readings WHERE raw_frame_id IS NOT NULL")[0][0] == distinct
    assert _rows(url, "SELECT count(*) FROM raw_frames")[0][0] == 2 * len(heard)
    assert _rows(url, "SELECT count(*) FROM received_batches")[0][0] == 2


def test_import_batch_is_exactly_once_with_mqtt_and_itself(town_db: tuple, tmp_path: Path) -> None:
    url, _town, heard = town_db
    records = records_of(heard)
    _store(url, {"van_id": "a", "batch_seq": 3, "records": records[:50]})
    export = tmp_path / "export.jsonl"
    lines = [{**r, "van_id": "a", "batch_seq": 3} for r in records[:50]] + records[50:]
    export.write_text("".join(json.dumps(r) + "\n" for r in lines))
    out = run_amr("ingest", "import-batch", export, "--van", "a", "--db", url)
    assert out.returncode == 0, out.stderr
    distinct = len({r["frame"] for r in heard})
    stored_first = _rows(url, "SELECT count(*) FROM readings WHERE raw_frame_id IS NOT NULL")[0][0]
    assert stored_first == distinct
    assert f"{len(records)} records in 2 batches" in out.stdout and "1 batches already stored" in out.stdout
    again = run_amr("ingest", "import-batch", export, "--van", "a", "--db", url)
    assert "0 new readings" in again.stdout and "2 batches already stored" in again.stdout, again.stdout
    assert _rows(url, "SELECT count(*) FROM raw_frames")[0][0] == len(records)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(records[0]) + "\n{\"seq\": 2, \"frame\": 5}\n")
    out = run_amr("ingest", "import-batch", bad, "--van", "a", "--db", url)
    assert out.returncode == 2 and out.stderr == f"error: {bad}: line 2: 'frame' must be a hex string\n"
    nov = run_amr("ingest", "import-batch", export.with_name("x.jsonl"), "--db", url)
    assert nov.returncode == 2 and "cannot read" in nov.stderr


def test_a_group_of_batches_in_one_transaction_equals_storing_them_one_by_one(town_db: tuple) -> None:
    """Group commit: one transaction for several batches gives the receipts and rows of storing them in order."""
    from sqlalchemy.orm import sessionmaker

    from ingest.batch_rows import ready_batch
    from ingest.decode_store import KeyedDecoder, store_many_with_retry
    from ingest.models.base import make_engine

    url, _town, heard = town_db
    records = records_of(heard)
    half = len(records) // 2
    first = parse_batch(encode_batch({"van_id": "a", "batch_seq": 1, "records": records[:half]}))
    assert _store(url, {"van_id": "a", "batch_seq": 1, "records": records[:half]}).stored > 0
    group = [
        parse_batch(encode_batch({"van_id": "a", "batch_seq": 2, "records": records[half:]})),
        first,  # stored before: receipted again with its first counts
        parse_batch(encode_batch({"van_id": "b", "batch_seq": 1, "records": records})),  # van b heard it all
        parse_batch(encode_batch({"van_id": "a", "batch_seq": 2, "records": records[half:]})),  # twice in the group
        parse_batch(encode_batch({"van_id": "c", "batch_seq": 9, "records": []})),
    ]
    engine = make_engine(url)
    try:
        sessions = sessionmaker(engine)
        with sessions() as s:
            dec = KeyedDecoder(s)
        receipts = store_many_with_retry(sessions, [ready_batch(b, dec) for b in group])
    finally:
        engine.dispose()
    distinct_first = len({r["frame"] for r in heard[:half]})
    distinct_all = len({r["frame"] for r in heard})
    a2, again, b1, a2_again, c9 = receipts
    assert a2.body() == {"batch_seq": 2, "stored": distinct_all - distinct_first, "quarantined": 0,
                         "duplicates": len(records) - half - (distinct_all - distinct_first)} and not a2.redelivered
    assert again.redelivered and again.stored == distinct_first
    assert b1.body() == {"batch_seq": 1, "stored": 0, "duplicates": len(records), "quarantined": 0}
    assert a2_again.redelivered and a2_again.body() == a2.body()
    assert c9.body() == {"batch_seq": 9, "stored": 0, "duplicates": 0, "quarantined": 0}
    assert _rows(url, "SELECT count(*) FROM readings WHERE raw_frame_id IS NOT NULL")[0][0] == distinct_all
    assert _rows(url, "SELECT count(*) FROM raw_frames")[0][0] == 2 * len(records)
    assert _rows(url, "SELECT van_id, batch_seq, records, stored FROM received_batches ORDER BY van_id, batch_seq") \
        == [("a", 1, half, distinct_first), ("a", 2, len(records) - half, distinct_all - distinct_first),
            ("b", 1, len(records), 0), ("c", 9, 0, 0)]
    # Every reading points at the archived frame it was decoded from, in the batch that stored it first.
    mismatched = _rows(url, "SELECT count(*) FROM readings r JOIN raw_frames f ON f.id = r.raw_frame_id "
                            "WHERE f.meter_id IS NOT NULL AND f.meter_id <> r.meter_id OR f.van_id = 'b'")
    assert mismatched == [(0,)]


def test_a_batch_the_database_refuses_is_quarantined_and_the_rest_of_its_group_stored(town_db: tuple) -> None:
    """PostgreSQL refuses a NUL character in text; that batch alone goes to quarantine with the reason.

    On SQLite the same text is accepted, so there every batch of the group is stored.
    """
    from ingest.consumer.service import BatchHandler

    url, _town, heard = town_db
    records = records_of(heard)[:30]
    bad = [{**r, "dongle": "im871a\u0000"} for r in records[:5]]
    logs: list[str] = []
    handler = BatchHandler(url, log=logs.append)
    try:
        work = [("amr/v1/vans/a/batches", encode_batch({"van_id": "a", "batch_seq": 1, "records": records[:10]})),
                ("amr/v1/vans/a/batches", encode_batch({"van_id": "a", "batch_seq": 2, "records": bad})),
                ("amr/v1/vans/a/batches", encode_batch({"van_id": "a", "batch_seq": 3, "records": records[10:]})),
                ("amr/v1/vans/a/batches", encode_batch({"van_id": "a\u0000", "batch_seq": 4, "records": []}))]
        outs = handler.store_many(handler.prepare_many(work))
    finally:
        handler.engine.dispose()
    # The fourth names another van than its topic: quarantined whole; on PostgreSQL its van id (with a NUL)
    # cannot even be stored, so the payload is kept under the topic's van and no receipt goes out.
    if url.startswith("sqlite"):
        assert outs[3] == ("a\x00", {"batch_seq": 4, "stored": 0, "duplicates": 0, "quarantined": 1})
    assert [o[0] for o in outs[:3] if o is not None] == ["a", "a", "a"]
    first, refused, third = (o[1] for o in outs[:3] if o is not None)
    assert first["stored"] + first["duplicates"] == 10 and third["stored"] + third["duplicates"] == 20
    assert "Traceback" not in "\n".join(logs)
    if url.startswith("postgresql"):
        assert refused == {"batch_seq": 2, "stored": 0, "duplicates": 0, "quarantined": 1}
        assert outs[3] is None
        detail = _rows(url, "SELECT reason, detail FROM quarantine WHERE raw_frame_id IS NULL ORDER BY id")
        assert len(detail) == 2 and {d[0] for d in detail} == {"malformed_payload"}
        assert "does not match the topic's van 'a'" in detail[1][1]
        assert detail[0][1].startswith("database refused the batch:") and "0x00" in detail[0][1], detail
        assert _rows(url, "SELECT count(*) FROM raw_frames")[0][0] == 30  # batches 1 and 3, not the refused one
    else:
        assert refused["quarantined"] == 0 and refused["stored"] + refused["duplicates"] == 5
        assert _rows(url, "SELECT count(*) FROM raw_frames")[0][0] == 35


def test_the_consumer_syncs_every_sqlite_commit(tmp_path: Path) -> None:
    """A receipt lets the van delete its copy, so the consumer's commits must outlive a power cut (FULL)."""
    from sqlalchemy import text

    from ingest.consumer.service import BatchHandler
    from ingest.models.base import make_engine

    url = f"sqlite:///{tmp_path / 'sync.db'}"
    create_schema(url)
    handler, plain = BatchHandler(url), make_engine(url)
    try:
        with handler.engine.connect() as conn:
            assert conn.execute(text("PRAGMA synchronous")).scalar_one() == 2  # FULL
            assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        with plain.connect() as conn:
            assert conn.execute(text("PRAGMA synchronous")).scalar_one() == 1  # other tools keep NORMAL
    finally:
        handler.engine.dispose()
        plain.dispose()
