"""Worked cases for the faults of issue 10 (an independent case runner and a newcomer), one per fault.

Each case is computed by hand in its comment and failed before its fix.  The town is
``Scenario.default()`` as in ``test_billing_worked_cases.py``: premises P1 (2 persons, T1-4 sewered
= 3.0 m³/person/month), contract C1 on G1 (water 5.00, sewage 8.00 zł/m³ net; abonament meter /
e-invoice 4.00, norm / e-invoice 3.00 zł/month), monthly cycle, VAT 8 % per invoice.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

import cli_billing

try:
    from billing_fixtures.scenario import Scenario
except ImportError:  # when tests/ is imported as a package
    from tests.billing_fixtures.scenario import Scenario

runner = CliRunner()
MAIN = "10000001"
NEW = "10000002"
SEWER = "30000001"
INTAKE = "40000001"


def write(s: Scenario, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in s.raw().items():
        if len(frame):
            frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli_billing.app, list(args))
    return result.exit_code, result.stdout, result.stderr


# --- fault 1: the reading at the instant the fault begins belongs to the 3-month window ---------------

def test_fault1_reading_at_the_fault_instant_closes_the_three_month_window() -> None:
    # Faulty from 1 Oct 00:00. Readings 1 Jul 00:00 500.000, 20 Sep 00:00 540.000 and 1 Oct 00:00
    # 546.000 (taken as the fault begins: still the working meter). Window 1 Jul - 1 Oct = 92 days,
    # 46 m3 -> 0.5 m3/day x 31 faulty days = 15.500 m3.  (Stopping at 20 Sep gave 40/81 x 31 = 15.309.)
    s = Scenario.default()
    s.meter(MAIN, faulty_from="2026-10-01")
    s.read(MAIN, "2026-07-01T00:00:00", 500.0)
    s.read(MAIN, "2026-09-20T00:00:00", 540.0)
    s.read(MAIN, "2026-10-01T00:00:00", 546.0)
    r = s.run("2026-10")
    assert r.qty("water", "estimate") == 15.5


# --- fault 2: previous-year branch looks at the service point, across a replacement --------------------

def test_fault2_previous_year_on_the_meter_that_was_replaced() -> None:
    # Old meter MAIN served until 31 Dec 2025 (final 300.000); NEW installed 1 Jan 2026 at 0.000 and
    # faulty from 1 Oct 2026. No reading near 1 Jul 2026 (branch 1 impossible).  Same period a year
    # earlier on the service point: MAIN 1 Oct 2025 200.000 -> 1 Nov 2025 231.000 = 31 m3 / 31 days
    # = 1.0 m3/day -> 31 faulty days = 31.000 m3 (branch 2).  Before the fix: branch 3 was impossible
    # too (NEW has nothing a year back), so the norm 2 x 3.0 = 6.000 m3 was billed.
    s = Scenario.default()
    s.meter(MAIN, removal_date="2025-12-31", final_m3=300.0)
    s.meter(NEW, install_date="2026-01-01", initial_m3=0.0, replaces_meter_id=MAIN, faulty_from="2026-10-01")
    s.read(MAIN, "2025-10-01T00:00:00", 200.0)
    s.read(MAIN, "2025-11-01T00:00:00", 231.0)
    s.read(NEW, "2026-04-01T00:00:00", 90.0)
    r = s.run("2026-10")
    assert r.qty("water", "estimate") == 31.0
    detail = r.exceptions.loc[r.exceptions["kind"] == "faulty_meter", "detail"].iloc[0]
    assert "same period of the previous year" in detail and MAIN in detail


def test_fault2_previous_year_window_straddling_the_replacement() -> None:
    # Replacement on 15 Oct 2025: MAIN 1 Oct 2025 200.000 -> final 214.000 at the end of 15 Oct
    # (14 m3); NEW from 16 Oct 2025 at 0.000 -> 1 Nov 2025 16.000 (16 m3). Same days a year before the
    # October 2026 fault: 30 m3 in 31 days -> 30/31 m3/day x 31 = 30.000 m3.
    s = Scenario.default()
    s.meter(MAIN, removal_date="2025-10-15", final_m3=214.0)
    s.meter(NEW, install_date="2025-10-16", initial_m3=0.0, replaces_meter_id=MAIN, faulty_from="2026-10-01")
    s.read(MAIN, "2025-10-01T00:00:00", 200.0)
    s.read(NEW, "2025-11-01T00:00:00", 16.0)
    r = s.run("2026-10")
    assert r.qty("water", "estimate") == 30.0


# --- fault 3: one norm rule -------------------------------------------------------------------------------

def test_fault3_one_norm_rule_for_faulty_meters_and_meterless_premises() -> None:
    # February 2026 (28 days). 2 persons x 3.0 m3/person/month = 6.000 m3 for the whole month, whether
    # the premises has no meter (norm billing) or a meter faulty all month with no history (norm
    # fallback).  Both prorate by the days of each calendar month: 28/28 x 6 = 6.000 m3.
    # (The 365-day rule gave the faulty meter 6 x 12/365 x 28 = 5.523 m3.)
    no_meter = Scenario.default().run("2026-02")
    assert no_meter.qty("water", "norm") == 6.0
    s = Scenario.default()
    s.meter(MAIN, install_date="2026-01-20", faulty_from="2026-02-01")
    faulty = s.run("2026-02")
    assert faulty.qty("water", "estimate") == 6.0
    # half of March: 1-16 Mar faulty (16/31 of a month) -> 6 x 16/31 = 3.097 m3 either way
    s = Scenario.default()
    s.meter(MAIN, install_date="2026-01-20", faulty_from="2026-03-01", removal_date="2026-03-16")
    half = s.run("2026-03")
    assert half.qty("water", "estimate") == 3.097
    assert half.qty("water", "norm") == round(6 * 15 / 31, 3)


# --- fault 4: norm-billed contracts bill and explain ------------------------------------------------------

def norm_and_metered() -> Scenario:
    # C1: no meter (norm). C2 on P2: metered 100 -> 120, so the readings hold a meter C1 does not have.
    s = Scenario.default()
    s.premises("P2")
    s.contract("C2", "P2")
    s.meter(MAIN, premises_id="P2")
    s.billed(MAIN, "2026-09-30", 100.0, "reading")
    s.read(MAIN, "2026-11-01T00:00:00", 120.0)
    return s


def test_fault4_norm_contract_alone_bills_and_explains(tmp_path: Path) -> None:
    # C1 alone: 2 x 3.0 x 1 month = 6.000 m3 water and sewage by the norm; abonament norm 3.00.
    # Net 30.00 + 48.00 + 3.00 = 81.00, VAT 6.48, gross 87.48.
    r = norm_and_metered().run("2026-10", ["C1"])
    assert r.qty("water", "norm") == 6.0
    assert r.total_gross() == 87.48
    data = write(norm_and_metered(), tmp_path / "data")
    code, out, err = invoke("run", "--period", "2026-10", "--data", str(data), "--contract", "C1",
                            "--out", str(tmp_path / "c1.csv"))
    assert code == 0, err
    code, out, err = invoke("explain", "C1", "--period", "2026-10", "--data", str(data))
    assert code == 0, err
    assert "norm 2 persons" in out and "TOTAL net 81.00" in out and "gross 87.48" in out


# --- fault 5: a period outside the data is refused ---------------------------------------------------------

def test_fault5_period_without_readings_is_refused_unless_allowed(tmp_path: Path) -> None:
    # Readings end on 1 Nov 2026. Run 2030-01: no reading at all on or after 1 Jan 2030 -> exit 2 with
    # one error line; with --allow-estimates it bills, and warns that 1 of 1 metered contracts (100 %)
    # is on an estimate (> 10 %).
    data = write(norm_and_metered(), tmp_path / "data")
    out = tmp_path / "x.csv"
    code, _, err = invoke("run", "--period", "2030-01", "--data", str(data), "--out", str(out))
    assert code == 2
    assert err.startswith("error: ") and "2030-01" in err and "--allow-estimates" in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()
    code, _, err = invoke("run", "--period", "2030-01", "--data", str(data), "--out", str(out), "--allow-estimates")
    assert code == 0, err
    assert "warning: 1 of 1 metered contracts (100.0 %) billed on estimates" in err


def test_fault5_normal_period_prints_no_warning(tmp_path: Path) -> None:
    data = write(norm_and_metered(), tmp_path / "data")
    code, _, err = invoke("run", "--period", "2026-10", "--data", str(data), "--out", str(tmp_path / "x.csv"))
    assert code == 0, err
    assert "warning" not in err


# --- fault 6: main, sewage and intake meters past legalisation ---------------------------------------------

def test_fault6_legalisation_of_main_sewage_and_intake_meters() -> None:
    # Period October 2026 (ends 31 Oct). Main legalised until 30 Jun 2026 -> legalisation_expired;
    # sewage meter until 15 Dec 2026 (45 days after the period end, <= 60) -> legalisation_expiring;
    # intake meter until 2029 -> nothing.  Billing itself is unchanged: water 20, sewage 8.
    s = Scenario.default()
    s.meter(MAIN, legalised_until="2026-06-30")
    s.billed(MAIN, "2026-09-30", 100.0, "reading")
    s.read(MAIN, "2026-11-01T00:00:00", 120.0)
    s.meter(SEWER, role="sewage", legalised_until="2026-12-15")
    s.billed(SEWER, "2026-09-30", 50.0, "reading")
    s.read(SEWER, "2026-11-01T00:00:00", 58.0)
    s.meter(INTAKE, role="intake", legalised_until="2029-06-30")
    s.billed(INTAKE, "2026-09-30", 0.0, "reading")
    s.read(INTAKE, "2026-11-01T00:00:00", 0.0)
    r = s.run("2026-10")
    e = r.exceptions.set_index("meter_id")
    assert e.loc[MAIN, "kind"] == "legalisation_expired" and e.loc[MAIN, "date"] == "2026-06-30"
    assert "main meter" in e.loc[MAIN, "detail"]
    assert e.loc[SEWER, "kind"] == "legalisation_expiring" and e.loc[SEWER, "date"] == "2026-12-15"
    assert INTAKE not in e.index
    assert (r.qty("water"), r.qty("sewage")) == (20.0, 8.0)


# --- fault 7: an invoice a billing department can load ------------------------------------------------------

def test_fault7_money_is_fixed_two_decimals_and_invoices_file(tmp_path: Path) -> None:
    # Water 20 x 5.00 = 100.00, sewage 20 x 8.00 = 160.00 ... abonament 4.00: written "4.00", never "4.0".
    # Invoice file: one row, customer name, premises address, meter with 100.000 -> 120.000,
    # net 264.00, VAT 21.12, gross 285.12.
    s = Scenario.default()
    s.meter(MAIN)
    s.billed(MAIN, "2026-09-30", 100.0, "reading")
    s.read(MAIN, "2026-11-01T00:00:00", 120.0)
    data = write(s, tmp_path / "data")
    out = tmp_path / "lines.csv"
    code, _, err = invoke("run", "--period", "2026-10", "--data", str(data), "--out", str(out))
    assert code == 0, err
    text = out.read_text()
    assert ",4.00,8,0.32,4.32" in text, text
    lines = pd.read_csv(out, dtype=str)
    assert all(v.count(".") == 1 and len(v.split(".")[1]) == 2
               for col in ("net_pln", "vat_pln", "gross_pln") for v in lines[col])
    inv = pd.read_csv(tmp_path / "lines-invoices.csv", dtype=str, keep_default_na=False)
    assert len(inv) == 1
    row = inv.iloc[0]
    assert row["customer_name"] == "Jan Kowalski" and row["premises_address"] == "ul. Wodna 1/P1"
    assert row["period"] == "2026-10" and row["period_start"] == "2026-10-01"
    assert f"{MAIN} (main): 100.000 -> 120.000" in row["meters"]
    assert (row["net_pln"], row["vat_pln"], row["gross_pln"]) == ("264.00", "21.12", "285.12")
    code, _, err = invoke("run", "--period", "2026-10", "--data", str(data), "--out", str(tmp_path / "l.parquet"))
    assert code == 0, err
    pq = pd.read_parquet(tmp_path / "l-invoices.parquet")
    assert pq["gross_pln"].iloc[0] == Decimal("285.12")
    assert pd.read_parquet(tmp_path / "l.parquet")["net_pln"].iloc[-1] == Decimal("4.00")


def test_fault7_explain_units_and_real_fault_start(tmp_path: Path) -> None:
    # Faulty since 14 Mar 2026; the September run's period starts 1 Sep: explain names 2026-03-14 and
    # says the faulty stretch was clipped to the period; amounts in zł, volumes in m³.
    s = Scenario.default()
    s.meter(MAIN, faulty_from="2026-03-14")
    s.read(MAIN, "2025-12-01T00:00:00", 100.0)
    s.read(MAIN, "2026-03-01T00:00:00", 118.0)
    data = write(s, tmp_path / "data")
    code, out, err = invoke("explain", "C1", "--period", "2026-09", "--data", str(data))
    assert code == 0, err
    assert "faulty since 2026-03-14" in out
    assert "this period's part from 2026-09-01" in out
    assert " m³" in out and " zł" in out
    assert " m3" not in out and " zl" not in out
