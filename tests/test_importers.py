"""``amr import``: every kind of bad row is refused with its row, column and reason, and nothing is written.

Runs on SQLite and on PostgreSQL (``AMR_TEST_PG_URL``) through the shared ``db_url`` fixture.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from db_urls import db_url  # noqa: F401  (fixture)
from ingest_data import FILES, KEYS, amr, make_schema, snapshot, write_folder
from sqlalchemy import select

from ingest.models.base import make_engine
from ingest.models.master import Customer, MasterChange, Meter, MeterKey


@pytest.fixture
def loaded(db_url: str, tmp_path: Path) -> str:  # noqa: F811
    """A database with the small folder imported."""
    make_schema(db_url)
    result = amr("import", "folder", write_folder(tmp_path / "town"), "--db", db_url)
    assert result.exit_code == 0, result.stderr
    return db_url


def _rejected(url: str, tmp_path: Path, kind: str, text: str, *extra: str) -> str:
    """Import ``text`` as a ``kind`` file; assert exit 2 and an unchanged database; return stderr."""
    before = snapshot(url)
    path = tmp_path / f"bad_{kind}.csv"
    path.write_text(text, encoding="utf-8")
    result = amr("import", kind, path, "--db", url, *extra)
    assert result.exit_code == 2, result.stdout
    assert result.stderr.startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(url) == before, "a rejected file changed the database"
    return result.stderr


def test_folder_import_counts_and_reimport_changes_nothing(loaded: str, tmp_path: Path) -> None:
    engine = make_engine(loaded)
    with engine.connect() as conn:
        assert conn.execute(select(Customer.customer_id).order_by(Customer.customer_id)).scalars().all() == [
            "123456", "234567"]
        assert len(conn.execute(select(Meter.meter_id)).all()) == 5
        assert conn.execute(select(Meter.meter_id).where(Meter.meter_id == "00012345")).scalar() == "00012345"
    engine.dispose()
    before = snapshot(loaded)
    (tmp_path / "town" / "radio.csv").write_text("meter_id\n", encoding="utf-8")
    again = amr("import", "folder", tmp_path / "town", "--db", loaded)
    assert "not imported (not master data, keys, tariffs or readings): radio.csv" in again.stdout
    assert again.exit_code == 0, again.stderr
    assert "0 new, 0 updated" in again.stdout and " new" in again.stdout
    assert all("0 new, 0 updated (0 values changed)" in line for line in again.stdout.splitlines()[:-1])
    assert snapshot(loaded) == before


def test_missing_column(loaded: str, tmp_path: Path) -> None:
    text = "contract_id,customer_id,premises_id,cycle_months,settlement,start_date\nK9,123456,P1,1,paper,2024-01-01\n"
    err = _rejected(loaded, tmp_path, "contracts", text)
    assert "column tariff_group: required column is missing" in err


def test_bad_date_lists_every_bad_row(loaded: str, tmp_path: Path) -> None:
    text = FILES["meters.csv"].replace("2026-07-01,,0.5", "2026-13-01,,0.5").replace(
        "00099999,P1,garden,APA,2020-01-01", "00099999,P1,garden,APA,yesterday")
    err = _rejected(loaded, tmp_path, "meters", text)
    assert "bad_meters.csv, row 2 (line 3), column install_date: cannot read '2026-13-01' as a date" in err
    assert "row 3 (line 4), column install_date: cannot read 'yesterday' as a date" in err
    assert "(2 problems)" in err


def test_unknown_reference(loaded: str, tmp_path: Path) -> None:
    text = ("contract_id,customer_id,premises_id,tariff_group,cycle_months,settlement,start_date\n"
            "K3,123456,P1,G1,1,paper,2024-01-01\nK4,999999,P1,G1,1,paper,2024-01-01\n"
            "K5,234567,P9,G1,1,paper,2024-01-01\n")
    err = _rejected(loaded, tmp_path, "contracts", text)
    assert "row 2 (line 3), column customer_id: '999999' is not in customers" in err
    assert "row 3 (line 4), column premises_id: 'P9' is not in premises" in err


def test_duplicate_key(loaded: str, tmp_path: Path) -> None:
    err = _rejected(loaded, tmp_path, "customers", "customer_id,name\n345678,A\n456789,B\n345678,C\n")
    assert "row 3 (line 4), column customer_id: duplicate customer_id '345678'" in err


def test_bad_hex_key_is_refused_without_echoing_it(loaded: str, tmp_path: Path) -> None:
    bad = "ZZ0102030405060708090A0B0C0D0E0F"
    err = _rejected(loaded, tmp_path, "keys", f"id,key\n00099999,{bad}\n00077777,{KEYS[0]}\n")
    assert "row 1 (line 2), column key: not 32 hex digits (value hidden)" in err
    assert bad not in err and KEYS[0] not in err


def test_key_in_the_id_column_is_not_echoed(loaded: str, tmp_path: Path) -> None:
    err = _rejected(loaded, tmp_path, "keys", f"id,key\n{KEYS[0]},00099999\n")
    assert "row 1 (line 2), column id: <hidden> is not an 8-digit meter id" in err and KEYS[0] not in err


def test_key_for_unknown_meter(loaded: str, tmp_path: Path) -> None:
    err = _rejected(loaded, tmp_path, "keys", f"id,key\n11112222,{KEYS[0]}\n")
    assert "column id: '11112222' is not in meters" in err and KEYS[0] not in err


def test_reading_below_the_previous_one(loaded: str, tmp_path: Path) -> None:
    text = "meter_id,read_at,total_m3\n00012346,2026-10-15T18:00:00,25.0\n00012346,2026-10-16T18:00:00,19.5\n"
    err = _rejected(loaded, tmp_path, "readings", text, "--source", "customer")
    assert ("row 2 (line 3), column total_m3: total_m3 19.5 is below the previous reading 25 m³ of "
            "2026-10-15 18:00, and no meter replacement or register rollover explains it") in err
    assert "(1 problem)" in err


def test_reading_of_unknown_meter_and_bad_number(loaded: str, tmp_path: Path) -> None:
    text = ("meter_id,read_at,total_m3,source\n12121212,2026-10-15T18:00:00,5,manual\n"
            "00012346,2026-10-15T18:00:00,abc,manual\n")
    err = _rejected(loaded, tmp_path, "readings", text)
    assert "row 2 (line 3), column total_m3: cannot read 'abc' as a number" in err


def test_overlapping_tariff_against_stored_rows(loaded: str, tmp_path: Path) -> None:
    text = "tariff_group,valid_from,valid_to,water_m3_net,sewage_m3_net\nG1,2026-09-01,,7.00,9.90\n"
    err = _rejected(loaded, tmp_path, "tariffs", text)
    assert "validity overlaps an earlier row of the same tariff group" in err


def test_changed_master_data_is_updated_and_recorded(loaded: str, tmp_path: Path) -> None:
    folder = tmp_path / "changed"
    write_folder(folder, customers_csv=FILES["customers.csv"].replace("Nowak Jan,", "Nowak Jan,jan@example.pl"),
                 meters_csv=FILES["meters.csv"].replace("00099999,P1,garden,APA,2020-01-01,,0,,5,2028-12-31",
                                                        "00099999,P1,garden,APA,2020-01-01,,0,,5,2034-12-31"),
                 keys_csv=FILES["keys.csv"].replace(KEYS[1], "A" * 32))
    result = amr("import", "folder", folder, "--db", loaded)
    assert result.exit_code == 0, result.stderr
    assert "customers.csv: 2 rows -> customers: 0 new, 1 updated (1 values changed), 1 unchanged" in result.stdout
    assert KEYS[1] not in result.stdout and "A" * 32 not in result.stdout
    assert "  changed: customers 234567 email: None -> jan@example.pl" in result.stdout
    assert "  changed: meter_keys 00055555 key_hex: <hidden> -> <hidden>" in result.stdout
    engine = make_engine(loaded)
    with engine.connect() as conn:
        changes = {(c.table_name, c.row_key, c.column_name, c.old_value, c.new_value)
                   for c in conn.execute(select(MasterChange))}
        assert ("customers", "234567", "email", None, "jan@example.pl") in changes
        assert ("meters", "00099999", "legalised_until", "2028-12-31", "2034-12-31") in changes
        assert ("meter_keys", "00055555", "key_hex", "<hidden>", "<hidden>") in changes
        assert len(changes) == 3
        assert conn.execute(select(MeterKey.key_hex).where(MeterKey.meter_id == "00055555")).scalar() == "A" * 32
    engine.dispose()
    before = snapshot(loaded)
    assert amr("import", "folder", folder, "--db", loaded).exit_code == 0
    assert snapshot(loaded) == before


def test_file_without_an_optional_column_keeps_stored_values(loaded: str, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("customer_id,name\n123456,Kowalska Anna\n", encoding="utf-8")
    before = snapshot(loaded)
    assert amr("import", "customers", path, "--db", loaded).exit_code == 0
    assert snapshot(loaded) == before  # the stored e-mail was not erased


def test_bad_file_in_a_folder_rejects_the_whole_folder(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    make_schema(db_url)
    duplicate = "00012345,P1,main,APA,2020-01-01,,,,,,,,\n"
    folder = write_folder(tmp_path / "town", meters_csv=FILES["meters.csv"] + duplicate)
    before = snapshot(db_url)
    result = amr("import", "folder", folder, "--db", db_url)
    assert result.exit_code == 2
    assert "meters.csv, row 6 (line 7), column meter_id: duplicate meter_id '00012345'" in result.stderr
    assert snapshot(db_url) == before  # customers.csv etc. were valid but are not kept either


def test_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    result = amr("import", "customers", write_folder(tmp_path / "t") / "customers.csv", "--db",
                 "postgresql+psycopg://nobody:secret@127.0.0.1:1/none")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: database postgresql+psycopg://nobody:***@127.0.0.1:1/none")
    assert "secret" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_parquet_files_are_read_and_integer_meter_ids_refused(loaded: str, tmp_path: Path) -> None:
    import pandas as pd

    good = tmp_path / "customers.parquet"
    pd.DataFrame({"customer_id": ["345678"], "name": ["Wiśniewska Ewa"]}).to_parquet(good, index=False)
    result = amr("import", "customers", good, "--db", loaded)
    assert result.exit_code == 0 and "1 new" in result.stdout, result.stderr
    bad = tmp_path / "readings.parquet"
    pd.DataFrame({"meter_id": [12345], "read_at": ["2026-10-01T08:00:00"], "total_m3": [21.0],
                  "source": ["manual"]}).to_parquet(bad, index=False)
    before = snapshot(loaded)
    refused = amr("import", "readings", bad, "--db", loaded)
    assert refused.exit_code == 2 and "readings.parquet, column meter_id: must be text" in refused.stderr
    assert snapshot(loaded) == before
