"""Water and sewage quantities per contract-period (art. 27 ust. 1, 4, 5 and 6).

Sewage, in this order:

1. the sewage meter, if the premises has one in the period (ust. 4);
2. the quantity fixed in the contract (``sewage_fixed_m3`` per month), where the contract says so —
   ust. 5 lets the contract set the sewage quantity instead of deriving it from water, typically for
   an own well without an intake meter;
3. otherwise water from the network (metered, faulty-meter estimate and norm alike) plus water from
   the own-intake meter, less the deductible garden submeter: ``max(0, water − garden)``.  A garden
   larger than the water is an exceptions-report row, never a negative sewage quantity.

Premises that are not sewered (or contracts without the sewage service) get no sewage line.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from billing_rules.consumption import RANK_CONTRACT, RANK_ESTIMATE, RANK_NORM, RANK_READING
from billing_rules.money import to_scaled

RULE_NONE = "no sewage service"
RULE_METER = "sewage meter"
RULE_FIXED = "contract-fixed quantity"
RULE_WATER = "water from the network plus own intake, less garden submeter"


def _by_cp(frame: pd.DataFrame, n: int, column: str, how: str, fill: float) -> np.ndarray:
    """Sum, max or count of a column per cp_id (0..n-1), without a hash join."""
    ids = frame["cp_id"].to_numpy()
    if how == "count":
        return np.bincount(ids, minlength=n)
    values = frame[column].to_numpy()
    if how == "sum":
        return np.bincount(ids, weights=values, minlength=n).round().astype(np.int64)
    out = np.full(n, -np.inf)
    np.maximum.at(out, ids, values.astype(np.float64))
    return np.where(np.isinf(out), fill, out).astype(np.int64)


def contract_quantities(cp: pd.DataFrame, seg: pd.DataFrame, norm: pd.DataFrame,
                        garden: pd.DataFrame, m3_decimals: int) -> pd.DataFrame:
    """One row per contract-period with every quantity and the rule that produced it."""
    ids = len(cp)  # cp_id runs 0..n-1
    q = pd.DataFrame({"cp_id": cp["cp_id"].to_numpy()})
    parts = {}
    for role in ("main", "sewage", "intake"):
        for kind in ("measured", "faulty"):
            parts[(role, kind)] = seg.loc[(seg["role"] == role) & (seg["kind"] == kind),
                                          ["cp_id", "code", "quantity_units", "rank"]]
    water = cp["water_service"].to_numpy(dtype=bool)

    q["water_measured_units"] = np.where(
        water, _by_cp(parts[("main", "measured")], ids, "quantity_units", "sum", 0), 0).astype(np.int64)
    q["water_measured_rank"] = _by_cp(parts[("main", "measured")], ids, "rank", "max", RANK_READING)
    q["water_faulty_units"] = np.where(
        water, _by_cp(parts[("main", "faulty")], ids, "quantity_units", "sum", 0), 0).astype(np.int64)
    q["water_norm_units"] = np.where(water, norm["norm_units"].to_numpy(), 0).astype(np.int64)
    q["has_main_meter"] = norm["has_main_meter"].to_numpy()

    intake_all = pd.concat([parts[("intake", "measured")], parts[("intake", "faulty")]])
    q["intake_units"] = _by_cp(intake_all, ids, "quantity_units", "sum", 0).astype(np.int64)
    q["intake_rank"] = _by_cp(intake_all, ids, "rank", "max", RANK_READING)
    q["has_intake_meter"] = _by_cp(intake_all, ids, "code", "count", 0) > 0

    sewer_all = pd.concat([parts[("sewage", "measured")], parts[("sewage", "faulty")]])
    has_sewage_meter = _by_cp(sewer_all, ids, "code", "count", 0) > 0
    sewage_meter_units = _by_cp(sewer_all, ids, "quantity_units", "sum", 0).astype(np.int64)
    sewage_meter_rank = _by_cp(sewer_all, ids, "rank", "max", RANK_READING)

    q["garden_units"] = _by_cp(garden, ids, "quantity_units", "sum", 0)
    q["garden_deductible_units"] = _by_cp(garden, ids, "deductible_units", "sum", 0)

    water_total = (q["water_measured_units"] + q["water_faulty_units"] + q["water_norm_units"]
                   + q["intake_units"]).to_numpy()
    from_water = np.maximum(0, water_total - q["garden_deductible_units"].to_numpy())
    water_rank = np.where(q["water_measured_units"] > 0, q["water_measured_rank"], RANK_READING)
    water_rank = np.maximum(water_rank, np.where(q["water_norm_units"] > 0, RANK_NORM, 0))
    water_rank = np.maximum(water_rank, np.where(q["water_faulty_units"] > 0, RANK_ESTIMATE, 0))
    water_rank = np.maximum(water_rank, np.where(q["intake_units"] > 0, q["intake_rank"], 0))

    fixed = cp["sewage_fixed_m3"].to_numpy(dtype=np.float64)
    fixed_units = to_scaled(np.nan_to_num(fixed * cp["months"].to_numpy()), 10**m3_decimals)
    service = cp["sewage_service"].to_numpy(dtype=bool)
    rule = np.select([~service, has_sewage_meter, ~np.isnan(fixed)], [0, 1, 2], default=3)
    q["sewage_rule"] = pd.Categorical.from_codes(rule, categories=[RULE_NONE, RULE_METER, RULE_FIXED, RULE_WATER])
    q["sewage_units"] = np.select([rule == 0, rule == 1, rule == 2],
                                  [0, sewage_meter_units, fixed_units], default=from_water).astype(np.int64)
    q["sewage_rank"] = np.select([rule == 1, rule == 2], [sewage_meter_rank, RANK_CONTRACT],
                                 default=water_rank).astype(np.int64)
    q["water_total_units"] = water_total
    q["garden_exceeds_water"] = (rule == 3) & (q["garden_deductible_units"].to_numpy() > water_total)
    q["abonament_basis"] = pd.Categorical.from_codes(
        (water & ~q["has_main_meter"].to_numpy()).astype(np.int64), categories=["meter", "norm"])
    return q
