"""Worked billing cases, each computed by hand in its comment, with the rule it applies.

Unless a case says otherwise the town is ``Scenario.default()``: one sewered premises P1 (2 persons,
norm category T1-4), contract C1 on group G1, monthly cycle, e-invoice; G1 prices net: water
5.00 zł/m³, sewage 8.00 zł/m³, abonament per month: meter/e-invoice 4.00, meter/paper 6.00,
norm/e-invoice 3.00, norm/paper 5.00; VAT 8 % once per invoice.  "Ref §n" = section n of
docs/billing-sources.md; "art. 27" = ustawa z 7 czerwca 2001 r. (Dz.U. 2024 poz. 757).
"""

from __future__ import annotations

try:
    from billing_fixtures.scenario import Scenario
except ImportError:  # when tests/ is imported as a package
    from tests.billing_fixtures.scenario import Scenario

MAIN = "10000001"
NEW = "10000002"
GARDEN = "20000001"
SEWER = "30000001"
INTAKE = "40000001"


def metered(main_open: float, main_close: float, **contract: object) -> Scenario:
    """Main meter with the opening register billed last time and an exact reading at the boundary."""
    s = Scenario.default(**contract)
    s.meter(MAIN, register_digits=5)
    s.billed(MAIN, "2026-09-30", main_open, "reading")
    s.read(MAIN, "2026-11-01T00:00:00", main_close)
    return s


def with_garden(s: Scenario, g_open: float, g_close: float, **garden: object) -> Scenario:
    attrs = {"registered": True, "sealed": True, "legalised_until": "2028-12-31"}
    attrs.update(garden)
    s.meter(GARDEN, role="garden", **attrs)
    s.billed(GARDEN, "2026-09-30", g_open, "reading")
    s.read(GARDEN, "2026-11-01T00:00:00", g_close)
    return s


# --- consumption (brief rule 2; art. 27 ust. 1: quantity from the main meter) -----------------------

def test_01_due_date_register_closes_the_period() -> None:
    # Rule 2: the period-end value is the meter's own due-date register when it matches the boundary.
    # target_m3 114.800 frozen at the end of 2026-10-31 = 2026-11-01 00:00 = the October boundary.
    # Opening 100.000 (billed). Water = 114.800 - 100.000 = 14.800 m3, basis "due-date register"
    # (the later total 115.200 on 3 Nov is NOT used). Net: 14.8*5 = 74.00, sewage 14.8*8 = 118.40,
    # abonament 4.00 -> 196.40; VAT 8 % = 15.712 -> 15.71; gross 212.11.
    s = Scenario.default()
    s.meter(MAIN)
    s.billed(MAIN, "2026-09-30", 100.0, "reading")
    s.read(MAIN, "2026-11-03T09:00:00", 115.2, target_m3=114.8, target_date="2026-10-31")
    r = s.run("2026-10")
    assert r.qty("water", "due-date register") == 14.8
    assert r.qty("sewage") == 14.8
    assert r.total_gross() == 212.11
    assert r.lines["vat_pln"].sum().round(2) == 15.71


def test_02_readings_apportioned_to_both_boundaries() -> None:
    # Rule 2: no register at the boundary -> readings on both sides, apportioned by time.
    # Opening 1 Oct 00:00 between 28 Sep 12:00 (200) and 29 Oct 12:00 (231): 31 days, 2.5 days in
    #   -> 200 + 31 * 2.5/31 = 202.5.  Closing 1 Nov 00:00 between 29 Oct 12:00 (231) and
    #   3 Nov 12:00 (236, a customer self-reading): 5 days, 2.5 in -> 231 + 5 * 0.5 = 233.5.
    # Water = 233.5 - 202.5 = 31.000 m3, basis "reading".
    s = Scenario.default()
    s.meter(MAIN)
    s.read(MAIN, "2026-09-28T12:00:00", 200.0)
    s.read(MAIN, "2026-10-29T12:00:00", 231.0)
    s.read(MAIN, "2026-11-03T12:00:00", 236.0, source="customer")
    r = s.run("2026-10")
    assert r.qty("water", "reading") == 31.0
    assert r.r.registers.loc[0, "register_m3"] == 233.5


def test_03_register_rollover() -> None:
    # Rule 2 (rollover): 5 register digits roll over at 100000 m3. 99990.000 -> 5.500 is a drop of
    # 99984.5 > 50000 (half a register) -> one turn: 5.5 + 100000 - 99990 = 15.500 m3.
    r = metered(99990.0, 5.5).run("2026-10")
    assert r.qty("water") == 15.5
    assert "negative_delta" not in r.kinds()
    assert r.r.registers.loc[0, "register_m3"] == 5.5


def test_04_negative_delta_flagged_not_billed() -> None:
    # Rule 2: 500.000 -> 497.000 is -3 m3 (backflow or a wrong reading): flagged, billed 0, and the
    # billed register stays 500.000 for the next period. Invoice = abonament only: 4.00 + 0.32 = 4.32.
    r = metered(500.0, 497.0).run("2026-10")
    assert r.qty("water") == 0.0
    assert "negative_delta" in r.kinds()
    assert r.total_gross() == 4.32
    assert r.r.registers.loc[0, "register_m3"] == 500.0


def test_05_meter_replacement() -> None:
    # Rule 2 (replacement): old meter 320.000 -> final 340.000 at removal (15 Oct) = 20 m3; new meter
    # installed 16 Oct at initial 0.000 -> 12.000 on 1 Nov = 12 m3. Water = 20 + 12 = 32.000 m3.
    # No day without a main meter, so no norm (art. 27 ust. 1).
    s = Scenario.default()
    s.meter(MAIN, removal_date="2026-10-15", final_m3=340.0)
    s.meter(NEW, install_date="2026-10-16", initial_m3=0.0, replaces_meter_id=MAIN)
    s.billed(MAIN, "2026-09-30", 320.0, "reading")
    s.read(NEW, "2026-11-01T00:00:00", 12.0)
    r = s.run("2026-10")
    assert r.qty("water") == 32.0
    assert r.qty("water", "norm") == 0.0


def test_06_missing_reading_is_estimated_from_recent_daily_average() -> None:
    # Rule 3 (ref §3 "No reading available": average consumption, reconciled at the next reading).
    # History: 1 Jul 1000.000, 29 Sep 1090.000 -> 90 m3 in 90 days = 1.0 m3/day (history_days 90).
    # Opening 1 Oct: 29 Sep is 2 days away (<= 3-day tolerance) -> 1090 + 2 = 1092 (a reading).
    # Closing 1 Nov: nothing within 3 days -> estimate 1090 + 33 * 1.0 = 1123.
    # Water = 1123 - 1092 = 31.000 m3, basis "estimate"; flagged missing_reading and estimate.
    s = Scenario.default()
    s.meter(MAIN)
    s.read(MAIN, "2026-07-01T00:00:00", 1000.0)
    s.read(MAIN, "2026-09-29T00:00:00", 1090.0)
    r = s.run("2026-10")
    assert r.qty("water", "estimate") == 31.0
    assert {"missing_reading", "estimate"} <= r.kinds()
    reg = r.r.registers.iloc[0]
    assert (reg["register_m3"], reg["basis"]) == (1123.0, "estimate")


def test_07_estimate_reconciled_at_next_actual_reading() -> None:
    # Rule 3 (reconciliation): November starts from the register billed by estimate in October
    # (1123.000) and ends at the actual 1150.000 -> 27.000 m3, basis "reading".
    # Check: Oct + Nov billed = 31 + 27 = 58 = 1150 - 1092, the true consumption since 1 Oct.
    s = Scenario.default()
    s.meter(MAIN)
    s.read(MAIN, "2026-07-01T00:00:00", 1000.0)
    s.read(MAIN, "2026-09-29T00:00:00", 1090.0)
    s.billed(MAIN, "2026-10-31", 1123.0, "estimate")
    s.read(MAIN, "2026-12-01T00:00:00", 1150.0)
    r = s.run("2026-11")
    assert r.qty("water", "reading") == 27.0
    assert "estimate_reconciled" in r.kinds()
    assert "estimate" not in r.kinds()


# --- faulty meter (ref §3 "Faulty main meter", Dz.U. 2018 poz. 472; 2006 reg. § 18) ---------------

def test_08_faulty_meter_three_months_before_fault() -> None:
    # Branch 1: faulty from 1 Oct. 3 months before = 1 Jul 00:00 (reading 500.000); last reading before
    # the fault 30 Sep 00:00 (545.500): 45.5 m3 / 91 days = 0.5 m3/day. October = 31 faulty days
    # -> 15.500 m3, basis "estimate". The 20 Oct reading (900.000) is taken during the fault: ignored.
    s = Scenario.default()
    s.meter(MAIN, faulty_from="2026-10-01")
    s.read(MAIN, "2026-07-01T00:00:00", 500.0)
    s.read(MAIN, "2026-09-30T00:00:00", 545.5)
    s.read(MAIN, "2026-10-20T00:00:00", 900.0)
    r = s.run("2026-10")
    assert r.qty("water", "estimate") == 15.5
    assert r.qty("water") == 15.5
    detail = r.exceptions.loc[r.exceptions["kind"] == "faulty_meter", "detail"].iloc[0]
    assert "months before the fault" in detail


def test_09_faulty_meter_same_period_previous_year() -> None:
    # Branch 2: no reading near 1 Jul 2026 (3 months before the fault), so branch 1 is impossible.
    # Same days a year earlier: 1 Oct 2025 (100.000) to 1 Nov 2025 (124.800) = 24.8 m3 in 31 days
    # = 0.8 m3/day -> 31 faulty days in October 2026 = 24.800 m3.
    s = Scenario.default()
    s.meter(MAIN, faulty_from="2026-10-01")
    s.read(MAIN, "2025-10-01T00:00:00", 100.0)
    s.read(MAIN, "2025-11-01T00:00:00", 124.8)
    s.read(MAIN, "2026-09-15T00:00:00", 400.0)
    r = s.run("2026-10")
    assert r.qty("water", "estimate") == 24.8
    detail = r.exceptions.loc[r.exceptions["kind"] == "faulty_meter", "detail"].iloc[0]
    assert "same period of the previous year" in detail


def test_10_faulty_meter_previous_year_monthly_average() -> None:
    # Branch 3: readings only on 1 Oct 2025 (100.000) and 30 Sep 2026 (464.000). Branch 1: nothing
    # within 31 days of 1 Jul 2026. Branch 2: nothing near 1 Nov 2025 except the 1 Oct 2025 reading
    # itself, so no span. Branch 3: 364 m3 / 364 days = 1.0 m3/day over the 12 months before the fault
    # (1 Oct 2025 - 1 Oct 2026 = 365 days) -> 365/12 = 30.41667 m3/month x 1 month = 30.417 m3.
    s = Scenario.default()
    s.meter(MAIN, faulty_from="2026-10-01")
    s.read(MAIN, "2025-10-01T00:00:00", 100.0)
    s.read(MAIN, "2026-09-30T00:00:00", 464.0)
    r = s.run("2026-10")
    assert r.qty("water", "estimate") == 30.417
    detail = r.exceptions.loc[r.exceptions["kind"] == "faulty_meter", "detail"].iloc[0]
    assert "monthly average" in detail


def test_10a_register_frozen_as_the_fault_begins_closes_the_healthy_period() -> None:
    # Faulty from 1 Nov. The due-date register of 31 Oct (valid at 1 Nov 00:00, 120.000) was frozen
    # by the meter while it still worked: October = 120 - 100 = 20.000 m3 on that register, not an
    # estimate. The 20 Nov reading itself (total 120.000, stuck) is taken during the fault: ignored.
    s = Scenario.default()
    s.meter(MAIN, faulty_from="2026-11-01")
    s.billed(MAIN, "2026-09-30", 100.0, "reading")
    s.read(MAIN, "2026-11-20T08:00:00", 120.0, target_m3=120.0, target_date="2026-10-31")
    r = s.run("2026-10")
    assert r.qty("water", "due-date register") == 20.0
    assert r.qty("water") == 20.0
    assert not {"missing_reading", "estimate", "faulty_meter"} & r.kinds()


# --- garden submeters (art. 27 ust. 6; ref §5) ------------------------------------------------------

def test_11_garden_deducted_when_registered_sealed_legalised() -> None:
    # Main 100 -> 120 = 20 m3 water. Garden 10 -> 16 = 6 m3, registered, sealed, legalised to 2028.
    # Sewage = max(0, 20 - 6) = 14.000 m3. Water stays 20 (garden water was supplied).
    r = with_garden(metered(100.0, 120.0), 10.0, 16.0).run("2026-10")
    assert r.qty("water") == 20.0
    assert r.qty("sewage") == 14.0


def test_12_garden_not_deducted_after_legalisation_expired() -> None:
    # Ref §5: expired legalisation stops the deduction. Legalised until 15 Oct < period end 31 Oct
    # -> sewage = water = 20.000 m3; exceptions report garden_not_deducted.
    r = with_garden(metered(100.0, 120.0), 10.0, 16.0, legalised_until="2026-10-15").run("2026-10")
    assert r.qty("sewage") == 20.0
    assert "garden_not_deducted" in r.kinds()


def test_13_garden_not_deducted_when_unsealed() -> None:
    # Ref §5: the utility must seal the submeter before deductions start. Unsealed -> sewage 20.000.
    r = with_garden(metered(100.0, 120.0), 10.0, 16.0, sealed=False).run("2026-10")
    assert r.qty("sewage") == 20.0
    detail = r.exceptions.loc[r.exceptions["kind"] == "garden_not_deducted", "detail"].iloc[0]
    assert "not sealed" in detail


def test_14_garden_out_of_season() -> None:
    # Ref §5 (Tarnów counts submeters April-October). Season 04-01..10-31, period November:
    # main 120 -> 130 = 10 m3, garden 16 -> 18 = 2 m3 but 0 of 30 days in season -> sewage 10.000.
    s = Scenario.default()
    s.settings = {"garden": {"season_from": "04-01", "season_to": "10-31"}}
    s.meter(MAIN)
    s.meter(GARDEN, role="garden", registered=True, sealed=True, legalised_until="2028-12-31")
    s.billed(MAIN, "2026-10-31", 120.0, "reading")
    s.billed(GARDEN, "2026-10-31", 16.0, "reading")
    s.read(MAIN, "2026-12-01T00:00:00", 130.0)
    s.read(GARDEN, "2026-12-01T00:00:00", 18.0)
    r = s.run("2026-11")
    assert r.qty("sewage") == 10.0


def test_15_garden_season_partly_in_two_month_cycle() -> None:
    # 2-month cycle Oct-Nov (61 days), season to 31 Oct: 31 of 61 days in season.
    # Garden 10 -> 18 = 8 m3 -> deductible 8 * 31/61 = 4.06557 -> 4.066 m3.
    # Main 100 -> 130 = 30 m3 -> sewage 30 - 4.066 = 25.934 m3.
    s = Scenario.default(cycle_months=2, cycle_anchor_month=11)
    s.settings = {"garden": {"season_from": "04-01", "season_to": "10-31"}}
    s.meter(MAIN)
    s.meter(GARDEN, role="garden", registered=True, sealed=True, legalised_until="2028-12-31")
    s.billed(MAIN, "2026-09-30", 100.0, "reading")
    s.billed(GARDEN, "2026-09-30", 10.0, "reading")
    s.read(MAIN, "2026-12-01T00:00:00", 130.0)
    s.read(GARDEN, "2026-12-01T00:00:00", 18.0)
    r = s.run("2026-11")
    assert r.qty("water") == 30.0
    assert r.qty("sewage") == 25.934


def test_16_garden_exceeding_water_is_an_exception_not_negative_sewage() -> None:
    # Ref §5 [DERIVED]: sewage = max(0, water - garden). Water 5 m3, garden 8 m3 -> sewage 0 and an
    # exceptions-report row garden_exceeds_water; no sewage line is billed.
    r = with_garden(metered(100.0, 105.0), 10.0, 18.0).run("2026-10")
    assert r.qty("water") == 5.0
    assert r.qty("sewage") == 0.0
    assert "garden_exceeds_water" in r.kinds()


def test_17_legalisation_expiring_within_60_days_is_reported_but_still_deducted() -> None:
    # Brief rule 8: submeters whose legalisation expires within 60 days. 15 Dec 2026 is 45 days after
    # 31 Oct -> reported; still valid through the period end, so sewage = 20 - 6 = 14.000.
    r = with_garden(metered(100.0, 120.0), 10.0, 16.0, legalised_until="2026-12-15").run("2026-10")
    assert r.qty("sewage") == 14.0
    assert "legalisation_expiring" in r.kinds()


# --- sewage sources (art. 27 ust. 4 and 5) -----------------------------------------------------------

def test_18_sewage_meter_wins_over_water() -> None:
    # Art. 27 ust. 4: sewage from the sewage measuring device. Water 20 m3, sewage meter 50 -> 58
    # = 8.000 m3 of sewage (not 20).
    s = metered(100.0, 120.0)
    s.meter(SEWER, role="sewage")
    s.billed(SEWER, "2026-09-30", 50.0, "reading")
    s.read(SEWER, "2026-11-01T00:00:00", 58.0)
    r = s.run("2026-10")
    assert r.qty("water") == 20.0
    assert r.qty("sewage") == 8.0


def test_19_own_intake_adds_to_sewage_not_to_water() -> None:
    # Ref §3 (own intake: sewage = network water + own-intake meter). Water 20 m3, well 0 -> 7 = 7 m3.
    # Sewage 27.000 m3; water billed 20.000 only (the well's water is not supplied by the utility).
    s = metered(100.0, 120.0)
    s.meter(INTAKE, role="intake")
    s.billed(INTAKE, "2026-09-30", 0.0, "reading")
    s.read(INTAKE, "2026-11-01T00:00:00", 7.0)
    r = s.run("2026-10")
    assert r.qty("water") == 20.0
    assert r.qty("sewage") == 27.0


def test_20_contract_fixed_sewage_quantity() -> None:
    # Art. 27 ust. 5: sewage "equal to water or the quantity specified in the contract". Contract fixes
    # 4.5 m3/month -> October 4.500 m3, basis "contract", though water was 20.
    r = metered(100.0, 120.0, sewage_fixed_m3="4.5").run("2026-10")
    assert r.qty("sewage", "contract") == 4.5
    assert r.qty("water") == 20.0


# --- norms (art. 27 ust. 1; Dz.U. 2002 Nr 8 poz. 70 Tabela 1) -----------------------------------------

def test_21_norm_billed_temporary_connection() -> None:
    # No main meter: 3 persons x 3.0 m3/person/month (T1-4, sewered = higher value) x 1 month
    # = 9.000 m3 water and the same 9.000 m3 sewage, basis "norm"; abonament norm/paper 5.00.
    # Net 45.00 + 72.00 + 5.00 = 122.00; VAT 9.76; gross 131.76.
    s = Scenario.default(settlement="paper")
    s.tables["premises"][0]["persons"] = 3
    r = s.run("2026-10")
    assert r.qty("water", "norm") == 9.0
    assert r.qty("sewage", "norm") == 9.0
    assert r.line("abonament")["basis"] == "norm"
    assert r.total_gross() == 131.76


def test_22_norm_for_unsewered_premises_uses_lower_value_and_no_sewage() -> None:
    # Tabela 1 footnote: lower value for cesspool areas. T1-4 unsewered = 2.4 m3/person/month;
    # 3 persons -> 7.200 m3 water; not sewered -> no sewage line.
    s = Scenario()
    s.tables["customers"].append({"customer_id": "K1"})
    s.premises(persons=3, sewered=False)
    s.contract()
    s.tariff("G1", "2020-01-01", None, "5.00", "8.00")
    s.abonament("G1", "2020-01-01", None, "norm", "e-invoice", "3.00")
    r = s.run("2026-10")
    assert r.qty("water", "norm") == 7.2
    assert r.qty("sewage") == 0.0


def test_23_norm_for_part_of_a_month_after_meter_removal() -> None:
    # Meter removed 10 Oct (final 250, opened at 240 -> 10 m3). 11-31 Oct = 21 days without a main
    # meter: 2 persons x 3.0 x 21/31 = 4.064516 -> 4.065 m3 (norm, prorated by days).
    # Sewage follows the same quantities: 10 + 4.065 = 14.065 m3.
    s = Scenario.default()
    s.meter(MAIN, removal_date="2026-10-10", final_m3=250.0)
    s.billed(MAIN, "2026-09-30", 240.0, "reading")
    r = s.run("2026-10")
    assert r.qty("water", "reading") == 10.0
    assert r.qty("water", "norm") == 4.065
    assert r.qty("sewage") == 14.065


def test_23a_norm_billed_days_are_listed_apart_in_the_exceptions_report() -> None:
    # Norm-billed quantities are not read off a meter, so like estimates they get their own rows:
    # the 21 days after the removal of 10 Oct (first day 11 Oct), and a temporary connection's
    # whole month; a metered month has no such row.
    s = Scenario.default()
    s.meter(MAIN, removal_date="2026-10-10", final_m3=250.0)
    s.billed(MAIN, "2026-09-30", 240.0, "reading")
    row = s.run("2026-10").exceptions.query("kind == 'norm_billed'")
    assert list(zip(row["date"], row["detail"], strict=True)) == [
        ("2026-10-11", "water 4.065 m3 billed by the norm for 21 day(s) without a main meter")]
    temporary = Scenario.default().run("2026-10")
    assert "norm_billed" in temporary.kinds()
    assert "norm_billed" not in metered(100.0, 120.0).run("2026-10").kinds()


# --- tariffs (ref §3 proportional split; §4 example structures) ----------------------------------------

def change_mid_october(s: Scenario) -> Scenario:
    s.tables["tariffs"] = []
    s.tariff("G1", "2020-01-01", "2026-10-15", "5.00", "8.00")
    s.tariff("G1", "2026-10-16", None, "6.00", "9.00")
    return s


def test_24_tariff_change_split_by_days() -> None:
    # 31 m3 in October; price change on 16 Oct, no reading that day -> daily average:
    # 31 x 15/31 = 15.000 m3 at 5.00 = 75.00 and 16.000 m3 at 6.00 = 96.00 (water);
    # sewage 15 x 8 = 120.00 and 16 x 9 = 144.00. Abonament unchanged: one line 1 month x 4.00.
    r = change_mid_october(metered(100.0, 131.0)).run("2026-10")
    water = r.lines.loc[r.lines["item"] == "water"]
    assert list(water["quantity"]) == [15.0, 16.0]
    assert list(water["net_pln"]) == [75.0, 96.0]
    sewage = r.lines.loc[r.lines["item"] == "sewage"]
    assert list(sewage["net_pln"]) == [120.0, 144.0]
    assert r.line("abonament")["net_pln"] == 4.0


def test_25_tariff_change_split_by_reading_on_change_date() -> None:
    # Same, but a reading on the change date (16 Oct 08:00, 112.000): before = 112 - 100 = 12 m3 at
    # 5.00 = 60.00; after = 131 - 112 = 19 m3 at 6.00 = 114.00. Sewage 12 x 8 = 96.00, 19 x 9 = 171.00.
    s = change_mid_october(metered(100.0, 131.0))
    s.read(MAIN, "2026-10-16T08:00:00", 112.0)
    r = s.run("2026-10")
    water = r.lines.loc[r.lines["item"] == "water"]
    assert list(water["quantity"]) == [12.0, 19.0]
    assert list(water["net_pln"]) == [60.0, 114.0]
    assert list(r.lines.loc[r.lines["item"] == "sewage", "net_pln"]) == [96.0, 171.0]


def test_26_abonament_by_settlement_basis() -> None:
    # Ref §4 (GSK Chełm Śl., MPWiK Wrocław 2018: abonament by reading basis and invoice type).
    # C1 meter/e-invoice 4.00, C2 meter/paper 6.00, C3 norm/e-invoice 3.00, C4 norm/paper 5.00,
    # each for 1 month of October.
    s = Scenario.default()
    s.meter(MAIN)
    s.billed(MAIN, "2026-09-30", 1.0, "reading")
    s.read(MAIN, "2026-11-01T00:00:00", 1.0)
    s.premises("P2").premises("P3").premises("P4")
    s.meter("10000005", premises_id="P2")
    s.billed("10000005", "2026-09-30", 1.0, "reading")
    s.read("10000005", "2026-11-01T00:00:00", 1.0)
    s.contract("C2", "P2", settlement="paper")
    s.contract("C3", "P3", settlement="e-invoice")
    s.contract("C4", "P4", settlement="paper")
    r = s.run("2026-10")
    got = {c: (r.line("abonament", c)["basis"], r.line("abonament", c)["net_pln"]) for c in ("C1", "C2", "C3", "C4")}
    assert got == {"C1": ("meter", 4.0), "C2": ("meter", 6.0), "C3": ("norm", 3.0), "C4": ("norm", 5.0)}


def test_27_two_month_cycle_abonament_and_cycle_alignment() -> None:
    # Cycle 2 months aligned to December (default anchor): cycles Sep-Oct, Nov-Dec. Run 2026-10 bills
    # 1 Sep - 31 Oct = 2.0000 months x 4.00 = 8.00. Run 2026-09 bills nothing for this contract.
    s = metered(100.0, 110.0, cycle_months=2)
    s.tables["billed_registers"] = []
    s.billed(MAIN, "2026-08-31", 100.0, "reading")
    r = s.run("2026-10")
    assert r.line("abonament")["quantity"] == 2.0
    assert r.line("abonament")["net_pln"] == 8.0
    assert str(r.line("abonament")["period_start"])[:10] == "2026-09-01"
    assert s.run("2026-09").lines.empty


def test_28_contract_starting_mid_month_prorates_abonament() -> None:
    # Contract from 11 Oct: 21/31 = 0.677419 -> 0.6774 month x 4.00 = 2.7096 -> 2.71 (half-up).
    # Meter installed 11 Oct at 0.000, 7.000 on 1 Nov -> 7 m3.
    s = Scenario.default(start_date="2026-10-11")
    s.meter(MAIN, install_date="2026-10-11", initial_m3=0.0)
    s.read(MAIN, "2026-11-01T00:00:00", 7.0)
    r = s.run("2026-10")
    assert r.line("abonament")["quantity"] == 0.6774
    assert r.line("abonament")["net_pln"] == 2.71
    assert r.qty("water") == 7.0


def test_29_custom_billing_period() -> None:
    # Rule 1 (custom dates): 16 Sep - 15 Oct, billed in the run of October (its last day).
    # Months = 15/30 + 15/31 = 0.983871 -> 0.9839 x 4.00 = 3.9356 -> 3.94.
    s = Scenario.default(cycle_months=0)
    s.tables["billing_periods"].append({"contract_id": "C1", "period_start": "2026-09-16",
                                        "period_end": "2026-10-15"})
    s.meter(MAIN)
    s.billed(MAIN, "2026-09-15", 50.0, "reading")
    s.read(MAIN, "2026-10-16T00:00:00", 53.0)
    r = s.run("2026-10")
    assert r.line("abonament")["quantity"] == 0.9839
    assert r.line("abonament")["net_pln"] == 3.94
    assert r.qty("water") == 3.0


# --- rounding (invoices.py docstring; art. 106e ust. 11 of the VAT act) ---------------------------------

def small_invoice(consumption: float, abonament: str, vat_method: str) -> Scenario:
    s = Scenario()
    s.tables["customers"].append({"customer_id": "K1"})
    s.premises()
    s.contract()
    s.tariff("G1", "2020-01-01", None, "1.00", "1.00")
    s.abonament("G1", "2020-01-01", None, "meter", "e-invoice", abonament)
    s.meter(MAIN)
    s.billed(MAIN, "2026-09-30", 10.0, "reading")
    s.read(MAIN, "2026-11-01T00:00:00", 10.0 + consumption)
    s.settings = {"vat": {"method": vat_method}}
    return s


def test_30_net_rounds_half_up_to_the_grosz() -> None:
    # 0.125 m3 x 1.00 = 0.125 zł -> half-up 0.13 (banker's rounding would give 0.12).
    r = small_invoice(0.125, "0.00", "invoice").run("2026-10")
    assert r.line("water")["net_pln"] == 0.13


def test_31_vat_once_per_invoice_vs_per_line() -> None:
    # Nets 0.06 (water 0.06 m3 x 1.00) + 0.06 (sewage) + 0.06 (abonament) = 0.18.
    # Per invoice: 8 % x 0.18 = 0.0144 -> 0.01; spread by cumulative rounding: line VAT
    #   round(0.0048)=0.00, round(0.0096)-0.00=0.01, round(0.0144)-0.01=0.00 -> [0.00, 0.01, 0.00].
    # Per line: each 0.0048 -> 0.00, invoice VAT 0.00.
    inv = small_invoice(0.06, "0.06", "invoice").run("2026-10")
    assert list(inv.lines["vat_pln"]) == [0.0, 0.01, 0.0]
    assert inv.total_gross() == 0.19
    per_line = small_invoice(0.06, "0.06", "line").run("2026-10")
    assert list(per_line.lines["vat_pln"]) == [0.0, 0.0, 0.0]
    assert per_line.total_gross() == 0.18


# --- exceptions report (brief rule 8) ----------------------------------------------------------------------

def test_32_alarms_and_readings_after_removal_are_reported() -> None:
    # LEAK and BACKFLOW on the new meter in October -> leak_alarm, backflow_alarm; MAGNET -> tamper_alarm.
    # A reading of the old meter dated 20 Oct, after its removal on 15 Oct -> reading_after_removal.
    s = Scenario.default()
    s.meter(MAIN, removal_date="2026-10-15", final_m3=340.0)
    s.meter(NEW, install_date="2026-10-16", initial_m3=0.0, replaces_meter_id=MAIN)
    s.billed(MAIN, "2026-09-30", 320.0, "reading")
    s.read(MAIN, "2026-10-20T10:00:00", 341.0)
    s.read(NEW, "2026-10-25T10:00:00", 9.0, alarms="LEAK BACKFLOW")
    s.read(NEW, "2026-11-01T00:00:00", 12.0, alarms="MAGNET LOW_BATTERY")
    r = s.run("2026-10")
    assert {"leak_alarm", "backflow_alarm", "reading_after_removal"} <= r.kinds()
    assert "tamper_alarm" not in r.kinds()  # the 1 Nov 00:00 reading belongs to November
    assert r.qty("water") == 32.0  # the late reading of the removed meter is not used


def test_33_consumption_above_three_times_median_is_reported() -> None:
    # Monthly history 3 m3/month (0.1 m3/day over 30-day gaps); October 31 m3 = 1 m3/day > 3 x 0.1.
    s = Scenario.default()
    s.meter(MAIN)
    for month, value in ((5, 100.0), (6, 103.1), (7, 106.1), (8, 109.2), (9, 112.3)):
        s.read(MAIN, f"2026-{month:02d}-01T00:00:00", value)
    s.read(MAIN, "2026-10-01T00:00:00", 115.3)
    s.read(MAIN, "2026-11-01T00:00:00", 146.3)
    r = s.run("2026-10")
    assert r.qty("water") == 31.0
    assert "high_consumption" in r.kinds()


def test_34_due_date_register_start_of_day_convention() -> None:
    # A utility whose meters freeze the due-date value at 00:00 of 1 Nov sets
    # readings.due_date_convention = start_of_day: target_date 2026-11-01 then matches the boundary.
    # 100.000 -> 118.250 = 18.250 m3, basis "due-date register".
    s = Scenario.default()
    s.settings = {"readings": {"due_date_convention": "start_of_day"}}
    s.meter(MAIN)
    s.billed(MAIN, "2026-09-30", 100.0, "reading")
    s.read(MAIN, "2026-11-04T09:00:00", 119.0, target_m3=118.25, target_date="2026-11-01")
    r = s.run("2026-10")
    assert r.qty("water", "due-date register") == 18.25
