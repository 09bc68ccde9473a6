"""The `amr billing` commands end to end on a data folder, and their answers to bad input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import cli_billing

try:
    from billing_fixtures.scenario import Scenario
except ImportError:  # when tests/ is imported as a package
    from tests.billing_fixtures.scenario import Scenario

runner = CliRunner()
MAIN = "00012345"  # leading zeros must survive every step


def town() -> Scenario:
    # Same arithmetic as worked case 11: water 20 m3, garden 6 m3 deducted, sewage 14 m3.
    s = Scenario.default()
    s.meter(MAIN, register_digits=5)
    s.meter("00099999", role="garden", registered=True, sealed=True, legalised_until="2028-12-31")
    s.billed(MAIN, "2026-09-30", 100.0, "reading")
    s.billed("00099999", "2026-09-30", 10.0, "reading")
    s.read(MAIN, "2026-10-15T08:00:00", 110.0, alarms="LEAK")
    s.read(MAIN, "2026-11-01T00:00:00", 120.0)
    s.read("00099999", "2026-11-01T00:00:00", 16.0)
    return s


def write(s: Scenario, folder: Path, parquet: tuple[str, ...] = ()) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in s.raw().items():
        if name in parquet:
            frame.to_parquet(folder / f"{name}.parquet", index=False)
        elif len(frame):
            frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(cli_billing.app, list(args))
    return result.exit_code, result.output


def test_run_writes_lines_exceptions_and_registers(tmp_path: Path) -> None:
    data = write(town(), tmp_path / "data", parquet=("readings",))
    out = tmp_path / "out" / "lines.csv"
    code, text = invoke("run", "--period", "2026-10", "--data", str(data), "--out", str(out))
    assert code == 0, text
    lines = pd.read_csv(out, dtype={"contract_id": str})
    assert dict(zip(lines["item"], lines["quantity"], strict=True)) == {"water": 20.0, "sewage": 14.0,
                                                                        "abonament": 1.0}
    # 20*5 + 14*8 + 4 = 216.00 net; VAT 17.28; gross 233.28
    assert round(lines["gross_pln"].sum(), 2) == 233.28
    exc = pd.read_csv(tmp_path / "out" / "lines-exceptions.csv", dtype=str)
    assert list(exc["kind"]) == ["leak_alarm"]
    assert exc["meter_id"].iloc[0] == MAIN
    reg = pd.read_csv(tmp_path / "out" / "lines-registers.csv", dtype={"meter_id": str})
    assert set(reg["meter_id"]) == {MAIN, "00099999"}


def test_run_to_parquet_and_exceptions_out(tmp_path: Path) -> None:
    data = write(town(), tmp_path / "data")
    out = tmp_path / "lines.parquet"
    code, text = invoke("run", "--period", "2026-10", "--data", str(data), "--out", str(out),
                        "--exceptions-out", str(tmp_path / "exc.csv"))
    assert code == 0, text
    assert len(pd.read_parquet(out)) == 3
    assert (tmp_path / "exc.csv").exists()


def test_exceptions_command_prints_csv(tmp_path: Path) -> None:
    data = write(town(), tmp_path / "data")
    code, text = invoke("exceptions", "--period", "2026-10", "--data", str(data))
    assert code == 0, text
    assert text.splitlines()[0] == "contract_id,period,meter_id,kind,date,detail"
    assert f"C1,2026-10,{MAIN},leak_alarm,2026-10-15" in text


def test_explain_tells_readings_rules_prices_and_rounding(tmp_path: Path) -> None:
    data = write(town(), tmp_path / "data")
    code, text = invoke("explain", "C1", "--period", "2026-10", "--data", str(data))
    assert code == 0, text
    for expected in (f"main meter {MAIN}", "register billed at the previous period end",
                     "observed exactly at the boundary", "garden submeter registered, sealed and legalised",
                     "- garden 6.000 m³", "= 14.000 m³", "20.000 m³ x 5.0000 zł/m³ = 100.00 zł net",
                     "TOTAL net 216.00 zł, VAT 17.28 zł, gross 233.28 zł", "half-up", "leak_alarm"):
        assert expected in text, expected


def test_readings_from_another_system(tmp_path: Path) -> None:
    s = town()
    extra = pd.DataFrame([{"meter_id": MAIN, "read_at": "2026-10-31T23:00:00Z", "total_m3": "119.5",
                           "source": "import"}])
    s.tables["readings"] = [r for r in s.tables["readings"] if r["meter_id"] != MAIN]
    data = write(s, tmp_path / "data")
    extra.to_csv(tmp_path / "other.csv", index=False)
    # 23:00 UTC on 31 Oct is 00:00 on 1 Nov in Warsaw (CET): exactly the boundary -> 119.5 - 100 = 19.5
    code, text = invoke("explain", "C1", "--period", "2026-10", "--data", str(data),
                        "--readings", str(tmp_path / "other.csv"))
    assert code == 0, text
    assert "19.500 m³ x 5.0000 zł/m³ = 97.50 zł net" in text


def bad(tmp_path: Path, *args: str) -> str:
    code, text = invoke(*args)
    assert code == 2, text
    assert "Traceback" not in text
    assert len(text.strip().splitlines()) == 1, text
    return text


@pytest.mark.parametrize(("table", "row", "column", "value", "message"), [
    ("readings", 0, "read_at", "yesterday", "readings.csv, row 1 (line 2), column read_at: cannot read 'yesterday'"),
    ("readings", 2, "total_m3", "12,5",
     "readings.csv, row 3 (line 4), column total_m3: cannot read '12,5' as a number"),
    ("meters", 0, "install_date", "2026-02-30", "meters.csv, row 1 (line 2), column install_date"),
    ("meters", 1, "meter_id", "99999", "meters.csv, row 2 (line 3), column meter_id: '99999' is not a meter id"),
    ("contracts", 0, "settlement", "fax", "contracts.csv, row 1 (line 2), column settlement: 'fax' is not one of"),
    ("contracts", 0, "premises_id", "P9", "contracts.csv, row 1 (line 2), column premises_id: 'P9' is not in"),
])
def test_bad_cells_are_named(tmp_path: Path, table: str, row: int, column: str, value: str, message: str) -> None:
    s = town()
    s.tables[table][row][column] = value
    data = write(s, tmp_path / "data")
    text = bad(tmp_path, "run", "--period", "2026-10", "--data", str(data), "--out", str(tmp_path / "x.csv"))
    assert message in text


def test_missing_file_and_missing_column(tmp_path: Path) -> None:
    data = write(town(), tmp_path / "data")
    (data / "tariffs.csv").unlink()
    assert "tariffs.csv: required file is missing" in bad(
        tmp_path, "exceptions", "--period", "2026-10", "--data", str(data))
    data2 = write(town(), tmp_path / "data2")
    frame = pd.read_csv(data2 / "meters.csv", dtype=str).drop(columns=["role"])
    frame.to_csv(data2 / "meters.csv", index=False)
    assert "meters.csv, column role: required column is missing" in bad(
        tmp_path, "exceptions", "--period", "2026-10", "--data", str(data2))


def test_unknown_contract_bad_period_and_lost_leading_zeros(tmp_path: Path) -> None:
    data = write(town(), tmp_path / "data")
    assert "unknown contract 'C404'" in bad(tmp_path, "explain", "C404", "--period", "2026-10", "--data", str(data))
    assert "--period must be a month as YYYY-MM" in bad(tmp_path, "explain", "C1", "--period", "10/2026",
                                                        "--data", str(data))
    s = town()
    data2 = write(s, tmp_path / "data2")
    (data2 / "readings.csv").unlink()
    readings = s.raw()["readings"]
    readings["meter_id"] = readings["meter_id"].astype(int)  # another system stored ids as numbers
    readings.to_parquet(data2 / "readings.parquet", index=False)
    text = bad(tmp_path, "exceptions", "--period", "2026-10", "--data", str(data2))
    assert "readings.parquet, column meter_id: must be text" in text


def test_tariff_gap_is_a_clear_error(tmp_path: Path) -> None:
    s = town()
    s.tables["tariffs"][0]["valid_to"] = "2026-10-15"
    data = write(s, tmp_path / "data")
    text = bad(tmp_path, "exceptions", "--period", "2026-10", "--data", str(data))
    assert "tariffs.csv" in text and "no price for tariff group 'G1' in force on 2026-10-16" in text


def test_typed_parquet_folder_bills_like_csv(tmp_path: Path) -> None:
    # A simulator may write Parquet with real dates, booleans and numbers instead of text cells.
    from ingest.billing_inputs import parse_tables

    s = town()
    inputs, _ = parse_tables(s.raw())
    data = tmp_path / "pq"
    data.mkdir()
    for name in ("customers", "premises", "contracts", "meters", "readings", "tariffs", "abonaments",
                 "billed_registers"):
        getattr(inputs, name).drop(columns="source_row").to_parquet(data / f"{name}.parquet", index=False)
    out = tmp_path / "lines.csv"
    code, text = invoke("run", "--period", "2026-10", "--data", str(data), "--out", str(out))
    assert code == 0, text
    assert round(pd.read_csv(out)["gross_pln"].sum(), 2) == 233.28


def test_utility_settings_override_vat_and_bad_settings_are_named(tmp_path: Path) -> None:
    # settings.json in the data folder overrides the shipped 8 %: net 216.00 x 5 % = 10.80 -> gross 226.80
    data = write(town(), tmp_path / "data")
    (data / "settings.json").write_text('{"vat": {"rate_pct": "5"}}', encoding="utf-8")
    out = tmp_path / "lines.csv"
    code, text = invoke("run", "--period", "2026-10", "--data", str(data), "--out", str(out))
    assert code == 0, text
    assert round(pd.read_csv(out)["gross_pln"].sum(), 2) == 226.80
    (data / "settings.json").write_text('{"vat": {"method": "sometimes"}}', encoding="utf-8")
    assert "settings.json: invalid setting" in bad(tmp_path, "exceptions", "--period", "2026-10", "--data", str(data))
