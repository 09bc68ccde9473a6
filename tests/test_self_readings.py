"""Customers' own readings: one validator (``check_self_readings``) behind both the importer and the portal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from db_urls import db_url  # noqa: F401  (fixture)
from ingest_data import NOW, amr, make_schema, snapshot, write_folder
from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.importers.self_readings import SelfReading, check_self_readings
from ingest.models.base import Base, make_engine


@pytest.fixture
def loaded(db_url: str, tmp_path: Path) -> str:  # noqa: F811
    make_schema(db_url)
    assert amr("import", "folder", write_folder(tmp_path / "town"), "--db", db_url).exit_code == 0
    return db_url


def _import(url: str, tmp_path: Path, rows: str) -> object:
    path = tmp_path / "self.csv"
    path.write_text("meter_id,read_at,total_m3\n" + rows, encoding="utf-8")
    return amr("import", "readings", path, "--db", url, "--source", "customer")


def _verdict(url: str, meter_id: str, at: str, total: float | None):  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            read_at = dt.datetime.fromisoformat(at)
            return check_self_readings(s, [SelfReading(meter_id, read_at, total)], now=NOW)[0]
    finally:
        engine.dispose()


def test_rollover_explains_a_lower_register_and_is_flagged(loaded: str, tmp_path: Path) -> None:
    result = _import(loaded, tmp_path, "00055555,2026-10-15T18:00:00,3.0\n")
    assert result.exit_code == 0, result.stderr
    assert "1 new" in result.stdout and "flagged: self.csv, row 1, meter 00055555: register rollover at 100000 m³" \
        in result.stdout
    engine = make_engine(loaded)
    with engine.connect() as conn:
        r = Base.metadata.tables["readings"]
        rows = conn.execute(select(r.c.total_m3, r.c.source, r.c.read_at).where(
            r.c.meter_id == "00055555", r.c.source == "customer")).all()
    engine.dispose()
    assert [(x[0], x[1]) for x in rows] == [(3.0, "customer")]
    stored = rows[0][2].replace(tzinfo=rows[0][2].tzinfo or dt.UTC)
    assert stored == dt.datetime(2026, 10, 15, 16, 0, tzinfo=dt.UTC)  # 18:00 in Warsaw (CEST) is 16:00 UTC


def test_drop_without_rollover_is_refused(loaded: str) -> None:
    v = _verdict(loaded, "00012346", "2026-10-10T12:00:00+02:00", 19.0)
    assert not v.ok and v.column == "total_m3"
    assert v.reason == ("total_m3 19 is below the previous reading 20 m³ of 2026-09-30 08:00, and no meter "
                        "replacement or register rollover explains it")


def test_reading_of_a_replaced_meter_names_the_new_one(loaded: str, tmp_path: Path) -> None:
    before = snapshot(loaded)
    result = _import(loaded, tmp_path, "00012345,2026-10-10T12:00:00,160.0\n")
    assert result.exit_code == 2
    assert ("column meter_id: meter 00012345 was removed on 2026-06-30 and replaced by meter 00012346; report the "
            "register of meter 00012346") in result.stderr
    assert snapshot(loaded) == before


def test_replacement_new_meter_is_compared_with_its_own_start_not_the_old_meter(loaded: str) -> None:
    # the old meter ended at 150.5 m³; the new one started at 0.5 on 2026-07-01
    v = _verdict(loaded, "00012346", "2026-07-15T12:00:00+02:00", 3.0)
    assert v.ok and v.flags == []
    low = _verdict(loaded, "00012346", "2026-07-15T12:00:00+02:00", 0.2)
    assert not low.ok and "below the register 0.5 m³ at installation on 2026-07-01" in (low.reason or "")


def test_implausible_jump_is_accepted_and_flagged(loaded: str, tmp_path: Path) -> None:
    result = _import(loaded, tmp_path, "00012346,2026-10-10T08:00:00,200.0\n")
    assert result.exit_code == 0, result.stderr
    assert "implausible jump: 180 m³ in 10.0 days (18.00 m³/day, typical 0.317 m³/day)" in result.stdout
    ordinary = _verdict(loaded, "00099999", "2026-10-10T12:00:00+02:00", 4.6)
    assert ordinary.ok and ordinary.flags == []


def test_garden_yes_sewage_no_future_no(loaded: str) -> None:
    assert _verdict(loaded, "00099999", "2026-10-10T12:00:00+02:00", 5.0).ok
    sewage = _verdict(loaded, "00077777", "2026-10-10T12:00:00+02:00", 60.0)
    assert sewage.reason == "meter 00077777 is a sewage meter; customers report main and garden meters only"
    future = _verdict(loaded, "00099999", "2026-10-21T12:00:00+02:00", 5.0)
    assert future.column == "read_at" and "is in the future" in (future.reason or "")
    assert _verdict(loaded, "31313131", "2026-10-10T12:00:00+02:00", 5.0).reason == "meter 31313131 is not known"
    assert _verdict(loaded, "00099999", "2026-10-10T12:00:00+02:00", None).column == "total_m3"


def test_same_message_from_importer_and_function(loaded: str, tmp_path: Path) -> None:
    v = _verdict(loaded, "00012346", "2026-10-10T12:00:00+02:00", 19.0)
    result = _import(loaded, tmp_path, "00012346,2026-10-10T12:00:00,19.0\n")
    assert result.exit_code == 2 and f"column total_m3: {v.reason}" in result.stderr


def test_earlier_rows_of_the_same_file_count_as_history(loaded: str, tmp_path: Path) -> None:
    result = _import(loaded, tmp_path, "00099999,2026-10-12T08:00:00,4.4\n00099999,2026-10-11T08:00:00,4.8\n")
    assert result.exit_code == 2
    assert "row 1 (line 2), column total_m3: total_m3 4.4 is below the previous reading 4.8 m³ of 2026-10-11" \
        in result.stderr


def test_reimport_of_self_readings_changes_nothing(loaded: str, tmp_path: Path) -> None:
    assert _import(loaded, tmp_path, "00099999,2026-10-11T08:00:00,4.8\n").exit_code == 0
    before = snapshot(loaded)
    again = _import(loaded, tmp_path, "00099999,2026-10-11T08:00:00,4.8\n")
    assert again.exit_code == 0 and "0 new" in again.stdout and "1 unchanged" in again.stdout
    assert snapshot(loaded) == before
    changed = _import(loaded, tmp_path, "00099999,2026-10-11T08:00:00,4.9\n")
    assert changed.exit_code == 2 and "a different customer reading of meter 00099999 at this instant" \
        in changed.stderr


def test_portal_submission_is_stored_like_an_imported_row(loaded: str, tmp_path: Path) -> None:
    from ingest.importers.self_readings import submit_self_reading

    engine = make_engine(loaded)
    with Session(engine) as s:
        at = dt.datetime(2026, 10, 11, 6, 0, tzinfo=dt.UTC)
        refused = submit_self_reading(s, "00099999", at, 3.9, "portal:123456", now=NOW)
        assert refused.reason == ("total_m3 3.9 is below the previous reading 4 m³ of 2026-09-30 08:00, and no "
                                  "meter replacement or register rollover explains it")
        assert submit_self_reading(s, "00099999", at, 4.8, "portal:123456", now=NOW).ok
        s.commit()
    engine.dispose()
    # the same reading arriving again through the importer is recognised as already stored
    again = _import(loaded, tmp_path, "00099999,2026-10-11T08:00:00,4.8\n")
    assert again.exit_code == 0 and "1 unchanged" in again.stdout


def test_backdated_reading_above_a_later_one_is_refused(loaded: str) -> None:
    v = _verdict(loaded, "00012346", "2026-09-15T12:00:00+02:00", 25.0)
    assert v.reason == "total_m3 25 is above the later reading 20 m³ of 2026-09-30 08:00"
    assert _verdict(loaded, "00012346", "2026-09-15T12:00:00+02:00", 15.0).ok
