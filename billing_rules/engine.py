"""The billing run: typed frames in, invoice lines and exceptions out.

The steps follow the order in which billing staff reason about an invoice (and in which ``explain``
prints it): periods → meter segments and their registers → faulty-meter estimates → norm days →
garden deduction and sewage → tariff parts → priced lines and VAT → exceptions.  Each step is a
vectorised pass over all contracts; nothing loops over contracts or meters in Python.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from billing_rules.consumption import (
    RANK_ESTIMATE,
    RANK_LABELS,
    RANK_READING,
    REGISTER_COLUMNS,
    build_segments,
    closing_registers,
    daily_rates,
    measure_segments,
    never_ends,
)
from billing_rules.exceptions import EXCEPTION_COLUMNS, build_exceptions
from billing_rules.faulty import estimate_faulty
from billing_rules.garden import garden_deductions
from billing_rules.invoices import LINE_COLUMNS, build_lines
from billing_rules.keys import codes, meter_numbers, positions
from billing_rules.norms import norm_daily_rate, norm_monthly, norm_per_person, norm_quantities
from billing_rules.observations import build_observations
from billing_rules.periods import DAY, date_seconds, run_periods
from billing_rules.sewage import contract_quantities
from billing_rules.tariffs import tariff_parts
from billing_rules.types import BillingDataError, BillingInputs, BillingResult, Rules


def _obj(values: pd.Series | np.ndarray) -> pd.Series:
    """Text column as a plain object array: taken and compared many times, never converted again."""
    arr = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else np.asarray(values, dtype=object)
    return pd.Series(arr, dtype=object)


def _meter_table(meters: pd.DataFrame, premises_pos: np.ndarray) -> pd.DataFrame:
    """Meters with integer codes and their instants (install at 00:00, removal at the end of the day)."""
    m = meters.reset_index(drop=True).copy()
    m["code"] = np.arange(len(m), dtype=np.int64)
    m["premises_pos"] = premises_pos
    m["meter_id"] = _obj(m["meter_id"])
    install = date_seconds(m["install_date"])
    m["install_t"] = np.where(install < 0, 0, install)
    removal = date_seconds(m["removal_date"])
    m["removal_end_t"] = never_ends(np.where(removal < 0, -1, removal + DAY))
    fault_from = date_seconds(m["faulty_from"])
    fault_to = date_seconds(m["faulty_to"])
    m["fault_from_t"] = never_ends(fault_from)
    fault_end = never_ends(np.where(fault_to < 0, -1, fault_to + DAY))
    m["fault_end_t"] = np.where(fault_from < 0, never_ends(fault_from), fault_end)
    m["legalised_until_t"] = date_seconds(m["legalised_until"])
    # the meter this one replaced, as a code: the faulty-meter rule looks at the service point's history
    m["replaces_code"] = pd.Index(m["meter_id"]).get_indexer(m["replaces_meter_id"].to_numpy(dtype=object))
    return m


def _contract_periods(inputs: BillingInputs, period: str, rules: Rules,
                      contract_ids: list[str] | None) -> tuple[pd.DataFrame, np.ndarray]:
    """Contract-periods with their contract and premises attributes; and each meter's premises row.

    Both premises lookups share one hash of the premises ids, the costliest join of a large run.
    """
    contracts = inputs.contracts
    if contract_ids:
        pos = positions(np.asarray(contract_ids, dtype=object), contracts["contract_id"])
        if (pos < 0).any():
            unknown = np.asarray(contract_ids, dtype=object)[pos < 0][0]
            raise BillingDataError("contracts", "contract_id", f"unknown contract {unknown!r}")
        contracts = contracts.iloc[np.unique(pos)]
    contracts = contracts.reset_index(drop=True)
    cp = run_periods(contracts, inputs.billing_periods, period, rules.default_anchor_month)
    cpos = cp["contract_pos"].to_numpy()
    for col in ("contract_id", "customer_id", "premises_id", "tariff_group", "settlement"):
        cp[col] = _obj(contracts[col].to_numpy(dtype=object)[cpos])
    for col in ("sewage_fixed_m3", "water_service", "sewage_service"):
        cp[col] = contracts[col].to_numpy()[cpos]
    premises = inputs.premises
    both = positions([cp["premises_id"], inputs.meters["premises_id"]], premises["premises_id"])
    ppos, meter_premises = both[:len(cp)], both[len(cp):]
    cp["premises_pos"] = ppos
    safe = np.clip(ppos, 0, None)
    cp["address"] = _obj(premises["address"].to_numpy(dtype=object)[safe])
    cp["persons"] = premises["persons"].fillna(0).to_numpy(dtype=np.int64)[safe]
    cp["norm_category"] = _obj(premises["norm_category"].to_numpy(dtype=object)[safe])
    cp["sewered"] = premises["sewered"].fillna(False).to_numpy(dtype=bool)[safe]
    service = pd.array(cp["sewage_service"].to_numpy(), dtype="boolean")
    cp["sewage_service"] = np.where(pd.isna(service), cp["sewered"].to_numpy(), service.fillna(False))
    water = pd.array(cp["water_service"].to_numpy(), dtype="boolean")
    cp["water_service"] = water.fillna(True).to_numpy(dtype=bool)
    cp["norm_m3_per_person_month"] = norm_per_person(premises, rules.norms)[safe]
    return cp, meter_premises


def bill(inputs: BillingInputs, rules: Rules, period: str,
         contract_ids: list[str] | None = None) -> BillingResult:
    """Bill every contract whose cycle closes in ``period`` (YYYY-MM), or only ``contract_ids``."""
    cp, meter_premises = _contract_periods(inputs, period, rules, contract_ids)
    if cp.empty:
        return BillingResult(
            lines=pd.DataFrame({c: pd.Series(dtype=object) for c in LINE_COLUMNS}),
            exceptions=pd.DataFrame({c: pd.Series(dtype=object) for c in EXCEPTION_COLUMNS}),
            registers=pd.DataFrame({c: pd.Series(dtype=object) for c in REGISTER_COLUMNS}),
            periods=cp)
    all_meters = inputs.meters
    billed_premises = np.zeros(len(inputs.premises) + 1, dtype=bool)
    ppos = cp["premises_pos"].to_numpy()
    billed_premises[ppos[ppos >= 0]] = True
    keep_meter = billed_premises[meter_premises]
    meters = _meter_table(all_meters.loc[keep_meter], meter_premises[keep_meter])
    # meter ids are looked up once in all meters; billed meters get codes 0..k-1 in that order
    meter_index = pd.Index(meter_numbers(all_meters["meter_id"]))
    to_code = np.full(len(all_meters) + 1, -1, dtype=np.int64)
    to_code[np.flatnonzero(keep_meter)] = np.arange(int(keep_meter.sum()))

    readings = inputs.readings
    reading_pos = meter_index.get_indexer(meter_numbers(readings["meter_id"]))
    known = reading_pos >= 0
    reading_code = to_code[reading_pos]

    obs = build_observations(readings, reading_code, meters["install_t"].to_numpy(),
                             meters["removal_end_t"].to_numpy(), meters["fault_from_t"].to_numpy(),
                             meters["fault_end_t"].to_numpy(), rules.due_date_convention)

    billed = inputs.billed_registers
    if len(billed):
        bcode = to_code[meter_index.get_indexer(meter_numbers(billed["meter_id"]))]
        rank_of = {label: i for i, label in enumerate(RANK_LABELS)}
        basis_codes, basis_values = codes(billed["basis"].fillna("reading"))
        basis_rank = np.array([rank_of.get(v, RANK_READING) for v in basis_values] + [RANK_READING])
        billed = pd.DataFrame({
            "code": bcode,
            "boundary_t": date_seconds(billed["boundary_date"]) + DAY,
            "register_m3": billed["register_m3"].to_numpy(dtype=np.float64),
            "rank": basis_rank[basis_codes],
        })
        billed = billed.loc[billed["code"] >= 0].drop_duplicates(["code", "boundary_t"], keep="last")

    seg = build_segments(cp, meters)
    seg_cp = seg["cp_id"].to_numpy()
    norm_month = norm_monthly(cp["persons"].to_numpy()[seg_cp], cp["norm_m3_per_person_month"].to_numpy()[seg_cp])
    norm_rate = norm_daily_rate(norm_month, seg["s0"].to_numpy(), seg["s1"].to_numpy())
    daily_rates(seg, obs, meters, norm_rate, rules)
    measure_segments(seg, obs, meters, billed, rules)
    estimate_faulty(seg, obs, meters, norm_rate, rules)

    norm = norm_quantities(cp, seg, rules.m3_decimals)
    garden = garden_deductions(seg, cp, meters, rules)
    q = contract_quantities(cp, seg, norm, garden, rules.m3_decimals)
    cp["abonament_basis"] = q["abonament_basis"].to_numpy()
    parts = tariff_parts(cp, inputs.tariffs, inputs.abonaments, seg, obs)
    lines = build_lines(cp, q, parts, rules)
    exceptions = build_exceptions(cp, seg, q, norm, garden, meters, readings, reading_code, known, obs, rules)
    registers = closing_registers(seg, meters, rules.m3_decimals)

    seg["meter_id"] = _obj(meters["meter_id"].to_numpy()[seg["code"].to_numpy()])
    for col in ("fault_from_t", "fault_end_t"):  # the fault as recorded, not clipped (explain prints it)
        seg[col] = meters[col].to_numpy()[seg["code"].to_numpy()]
    for col in ("open_obs_back", "open_obs_fwd", "close_obs_back", "close_obs_fwd", "rate_obs_a",
                "rate_obs_b", "fault_obs_a", "fault_obs_b"):
        idx = seg[col].to_numpy()
        safe = np.clip(idx, 0, None)
        seg[f"{col}_row"] = np.where(idx >= 0, obs.reading_row[safe], -1)
        seg[f"{col}_t"] = np.where(idx >= 0, obs.t[safe], -1)
        seg[f"{col}_val"] = np.where(idx >= 0, obs.value[safe], np.nan)
        seg[f"{col}_src"] = np.where(idx >= 0, obs.source[safe], -1)
    quantities = cp.merge(q, on="cp_id").merge(norm.drop(columns=["has_main_meter"]), on="cp_id")
    return BillingResult(
        lines=lines[LINE_COLUMNS].reset_index(drop=True),
        exceptions=exceptions,
        registers=registers,
        periods=cp,
        segments=seg.merge(garden[["cp_id", "code", "s0", "eligible", "reason", "season_days",
                                   "deductible_units"]], on=["cp_id", "code", "s0"], how="left"),
        quantities=quantities,
        tariff_parts=parts,
    )


def readings_since(inputs: BillingInputs, period: str) -> int:
    """How many readings tell a register at or after the first day of ``period`` (YYYY-MM).

    A run for a month the data never reached would bill every metered contract on estimates; the
    CLI refuses it unless told otherwise, and this is the count it looks at.
    """
    start = np.datetime64(f"{period}-01", "s")
    r = inputs.readings
    read_at = r["read_at"].to_numpy(dtype="datetime64[s]")
    target = r["target_date"].to_numpy(dtype="datetime64[D]")
    has_target = ~np.isnat(target) & r["target_m3"].notna().to_numpy()
    # a due-date register dated the day before the month is valid at its first instant
    target_t = np.where(has_target, target + np.timedelta64(1, "D"), np.datetime64("NaT")).astype("datetime64[s]")
    return int(((read_at >= start) | (has_target & (target_t >= start))).sum())


def estimate_share(result: BillingResult) -> tuple[int, int]:
    """(contract-periods whose metered water is on an estimate, contract-periods with a main meter)."""
    q = result.quantities
    if q.empty:
        return 0, 0
    metered = q["has_main_meter"].to_numpy(dtype=bool) & q["water_service"].to_numpy(dtype=bool)
    estimated = metered & ((q["water_measured_rank"].to_numpy() == RANK_ESTIMATE)
                           | (q["water_faulty_units"].to_numpy() > 0))
    return int(estimated.sum()), int(metered.sum())
