"""Outbox behaviour on a real SQLite file: folding, durability boundaries, batches, pruning, export."""

from __future__ import annotations

import io
import json
import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from collector.outbox import HeardFrame, Outbox, OutboxError, dt_to_us, export_unsynced_file, us_to_iso

T0 = datetime(2026, 5, 4, 7, 0, 0, tzinfo=UTC)
F1 = bytes.fromhex("1e440106785634120107") + bytes(range(20))
F2 = bytes.fromhex("1e440106795634120107") + bytes(range(20))


def heard(frame: bytes, dt_s: float, rssi: float | None = -80.0, **kw: object) -> HeardFrame:
    return HeardFrame(frame, T0 + timedelta(seconds=dt_s), rssi, "T1", "im871a", **kw)


def rows(path: Path) -> list[tuple]:
    db = sqlite3.connect(path)
    return db.execute("SELECT seq, heard_count, rssi_dbm, first_us, last_us, batch_seq FROM records ORDER BY seq"
                      ).fetchall()


def test_wal_and_full_sync(tmp_path: Path) -> None:
    ob = Outbox(tmp_path / "o.sqlite")
    assert ob._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert ob._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    ob.close()


def test_fold_identical_frames_within_window(tmp_path: Path) -> None:
    ob = Outbox(tmp_path / "o.sqlite", fold_window_s=60)
    a = ob.add(heard(F1, 0, -90.0))
    b = ob.add(heard(F1, 20, -70.5))
    c = ob.add(heard(F1, 59, None))
    d = ob.add(heard(F2, 30))  # distinct frame: its own record
    e = ob.add(heard(F1, 61))  # beyond the window of the first reception: a new record
    ob.commit()
    assert (a.folded, b.folded, c.folded, d.folded, e.folded) == (False, True, True, False, False)
    assert a.seq == b.seq == c.seq and len({a.seq, d.seq, e.seq}) == 3
    r = {row[0]: row for row in rows(tmp_path / "o.sqlite")}
    assert r[a.seq][1:5] == (3, -70.5, dt_to_us(T0), dt_to_us(T0 + timedelta(seconds=59)))
    assert r[d.seq][1] == 1 and r[e.seq][1] == 1
    ob.close()


def test_uncommitted_adds_are_invisible_and_commit_makes_them_durable(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite"
    ob = Outbox(path)
    ob.add(heard(F1, 0))
    other = Outbox(path)
    assert other.stats().total == 0
    ob.commit()
    assert other.stats().total == 1
    other.close()
    ob.close()


def test_batched_record_is_never_changed_by_a_later_fold(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite"
    ob = Outbox(path)
    first = ob.add(heard(F1, 0))
    ob.commit()
    sync = Outbox(path)
    batch = sync.assign_batch(100)
    assert batch == 1
    again = ob.add(heard(F1, 5))
    ob.commit()
    assert not again.folded and again.seq != first.seq
    assert [r.heard_count for r in sync.batch_records(batch)] == [1]
    assert sync.assign_batch(100) == 2
    assert [r.seq for r in sync.batch_records(2)] == [again.seq]
    sync.close()
    ob.close()


def test_fold_index_survives_restart(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite"
    ob = Outbox(path)
    a = ob.add(heard(F1, 0))
    ob.close()  # close commits
    ob = Outbox(path)
    b = ob.add(heard(F1, 10))
    ob.commit()
    assert b.folded and b.seq == a.seq
    ob.close()


def test_batches_receipts_and_open_batches(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite"
    ob = Outbox(path)
    seqs = [ob.add(heard(bytes([10, i]) + bytes(9), i)).seq for i in range(7)]
    ob.commit()
    assert ob.unbatched_ready(5, 3600, now=dt_to_us(T0)) is True  # a full batch waits
    assert ob.assign_batch(5) == 1 and ob.assign_batch(5) == 2 and ob.assign_batch(5) is None
    assert [r.seq for r in ob.batch_records(1)] == seqs[:5]
    assert ob.unbatched_ready(5, 3600, now=dt_to_us(T0)) is False
    assert ob.open_batches() == [1, 2]
    assert ob.mark_receipted(1, 5, 0, 0) is True
    assert ob.mark_receipted(1, 0, 5, 0) is False  # a second receipt changes nothing
    st = ob.stats()
    assert (st.depth, st.open_batches, st.total, st.last_batch_seq) == (2, 1, 7, 2)
    assert st.last_receipt_at is not None
    ob.close()


def test_age_triggers_a_partial_batch(tmp_path: Path) -> None:
    ob = Outbox(tmp_path / "o.sqlite")
    ob.add(heard(F1, 0))
    ob.commit()
    assert ob.unbatched_ready(500, 5.0, now=dt_to_us(T0) + 4_000_000) is False
    assert ob.unbatched_ready(500, 5.0, now=dt_to_us(T0) + 5_000_000) is True
    ob.close()


def test_prune_only_receipted_records_after_retention(tmp_path: Path) -> None:
    ob = Outbox(tmp_path / "o.sqlite", retention_s=3600)
    for i in range(4):
        ob.add(heard(bytes([10, i]) + bytes(9), i))
    ob.commit()
    ob.assign_batch(2)
    ob.assign_batch(1)  # batched, never receipted
    ob.mark_receipted(1, 2, 0, 0)
    now = ob._db.execute("SELECT max(synced_us) FROM records").fetchone()[0]
    assert ob.prune(now + 3599 * 1_000_000) == 0
    assert ob.prune(now + 3601 * 1_000_000) == 2
    assert ob.stats().total == 2 and ob.stats().depth == 2
    assert ob.prune(now + 10**15) == 0  # unsynced records are never pruned
    assert ob.assign_batch(5) == 3  # batch numbers are never reused after pruning
    ob.close()


def test_disk_limit_warns_loudly_and_deletes_nothing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ob = Outbox(tmp_path / "o.sqlite", disk_warn_bytes=1)
    with caplog.at_level(logging.WARNING):
        for i in range(50):
            ob.add(heard(bytes([10, i]) + bytes(9), i))
        ob.commit()
    assert "OUTBOX DISK LIMIT EXCEEDED" in caplog.text
    st = ob.stats()
    assert st.disk_warning and st.total == 50 and st.depth == 50
    ob.close()


def test_status_roundtrip(tmp_path: Path) -> None:
    ob = Outbox(tmp_path / "o.sqlite")
    assert ob.get_status("dongle") is None
    ob.put_status("dongle", {"kind": "im871a", "state": "listening"})
    ob.put_status("dongle", {"kind": "im871a", "state": "resetting"})
    assert ob.get_status("dongle") == {"kind": "im871a", "state": "resetting"}
    ob.close()


def test_export_writes_contract_2_records_of_unsynced_only(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite"
    ob = Outbox(path)
    a = ob.add(heard(F1, 0, -71.5, lat=52.2297, lon=21.0122))
    ob.add(heard(F1, 1, -60.0, lat=52.2298, lon=21.0123))
    b = ob.add(heard(F2, 2, None))
    c = ob.add(heard(bytes([10, 9]) + bytes(9), 3))
    ob.commit()
    ob.assign_batch(1)
    ob.mark_receipted(1, 1, 0, 0)  # a is synced: not exported
    ob.assign_batch(1)  # b is batched but unreceipted: exported
    buf = io.StringIO()
    assert ob.export_unsynced(buf) == 2
    ob.close()
    lines = [json.loads(x) for x in buf.getvalue().splitlines()]
    assert [x["seq"] for x in lines] == [b.seq, c.seq] and a.seq not in [x["seq"] for x in lines]
    assert lines[0] == {"seq": b.seq, "frame": F2.hex(), "received_at": "2026-05-04T07:00:02.000000Z",
                        "rssi_dbm": None, "link_mode": "T1", "dongle": "im871a", "heard_count": 1}
    out = tmp_path / "x.jsonl"
    assert export_unsynced_file(path, out) == 2
    assert out.read_text() == buf.getvalue()
    with pytest.raises(OutboxError, match="no outbox"):
        export_unsynced_file(tmp_path / "missing.sqlite", out)
    with pytest.raises(OutboxError, match=r"cannot write .*nodir"):
        export_unsynced_file(path, tmp_path / "nodir" / "x.jsonl")


def test_export_keeps_position_when_known(tmp_path: Path) -> None:
    ob = Outbox(tmp_path / "o.sqlite")
    ob.add(heard(F1, 0, lat=52.1, lon=21.0))
    ob.commit()
    buf = io.StringIO()
    ob.export_unsynced(buf)
    rec = json.loads(buf.getvalue())
    assert (rec["lat"], rec["lon"]) == (52.1, 21.0)
    ob.close()


def test_naive_time_is_refused(tmp_path: Path) -> None:
    ob = Outbox(tmp_path / "o.sqlite")
    with pytest.raises(ValueError, match="timezone-aware"):
        ob.add(HeardFrame(F1, datetime(2026, 1, 1), None, None, "hex"))
    ob.close()


def test_unopenable_outbox_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "dir.sqlite").mkdir()
    with pytest.raises(OutboxError, match=r"cannot open outbox .*dir\.sqlite"):
        Outbox(tmp_path / "dir.sqlite")


def test_iso_time_is_exact() -> None:
    dt = datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert us_to_iso(dt_to_us(dt)) == "2026-12-31T23:59:59.999999Z"


def test_fold_index_memory_is_bounded_by_the_window(tmp_path: Path) -> None:
    ob = Outbox(tmp_path / "o.sqlite", fold_window_s=10)
    for i in range(2000):  # one distinct frame a second for 2000 s
        ob.add(heard(i.to_bytes(4, "big") + bytes(8), i))
    ob.commit()
    assert len(ob._recent) <= 11 and len(ob._recent_order) <= 11
    assert ob.stats().total == 2000
    ob.close()


def test_status_summary_while_the_writer_holds_a_transaction(tmp_path: Path) -> None:
    from collector.outbox import status_summary

    path = tmp_path / "o.sqlite"
    ob = Outbox(path)
    ob.add(heard(F1, 0))
    ob.put_status("dongle", {"kind": "cul", "state": "listening"})
    ob.commit()
    ob.add(heard(F2, 1))  # uncommitted: the summary must neither block nor count it
    s = status_summary(path)
    assert (s["depth"], s["records"], s["last_receipt_at"]) == (1, 1, None)
    assert s["status"]["dongle"] == {"kind": "cul", "state": "listening"}
    ob.close()
    with pytest.raises(OutboxError, match="no outbox"):
        status_summary(tmp_path / "none.sqlite")


def test_depth_is_the_unsynced_count(tmp_path: Path) -> None:
    ob = Outbox(tmp_path / "o.sqlite")
    for i in range(5):
        ob.add(heard(bytes([10, i]) + bytes(9), i))
    ob.commit()
    ob.assign_batch(3)
    ob.mark_receipted(1, 3, 0, 0)
    assert ob.depth() == 2 == ob.stats().depth
    plan = " ".join(str(r) for r in ob._db.execute(
        "EXPLAIN QUERY PLAN SELECT count(*) FROM records WHERE synced_us IS NULL"))
    assert "records_unsynced" in plan
    ob.close()
