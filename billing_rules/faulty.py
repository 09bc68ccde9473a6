"""Quantity for the days a meter was flagged faulty: the statutory order of estimates.

Per the tariff/billing regulation (Dz.U. 2018 poz. 472; earlier 2006 reg. § 18; reference §3
"Faulty main meter"), in this order, taking the first one the history allows:

1. the average consumption of the ``months_before_fault`` (3) months before the fault was found:
   daily average between the reading nearest the instant 3 months before the fault and the last
   reading before it, × the faulty days;
2. the average consumption in the analogous period of the previous year: daily average between the
   readings nearest the same days one year earlier, × the faulty days;
3. the average monthly consumption in the previous year (the 12 months before the fault) × the
   number of faulty months (calendar months prorated by days).

"Nearest" means within ``history_tolerance_days`` of the wanted instant; readings taken while the
meter was faulty never count.  When no branch is possible the norm applies and an exception says so
(a meter that cannot be trusted is treated as no meter, art. 27 ust. 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from billing_rules.consumption import RANK_ESTIMATE
from billing_rules.money import to_scaled
from billing_rules.observations import Observations, days_between, unwrap_delta
from billing_rules.periods import DAY, month_fraction
from billing_rules.types import Rules

BRANCH_LABELS = {
    0: "no usable history: norm applied",
    1: "average of the months before the fault",
    2: "same period of the previous year",
    3: "previous year's monthly average x months",
}


def shift_months(t: np.ndarray, months: int) -> np.ndarray:
    """Calendar month arithmetic on instants (31 March − 1 month = 28/29 February)."""
    idx = pd.DatetimeIndex(np.asarray(t, dtype=np.int64).astype("datetime64[s]"))
    return np.asarray((idx + pd.DateOffset(months=months)).to_numpy(dtype="datetime64[s]")).astype(np.int64)


def _near(obs: Observations, code: np.ndarray, t: np.ndarray, tol_s: int,
          before: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The trusted observation nearest t (within tolerance, strictly before ``before``)."""
    b, b_ok = obs.last_le(code, t)
    f, f_ok = obs.first_ge(code, t)
    b_ok &= (t - obs.t[b] <= tol_s) & (obs.t[b] < before)
    f_ok &= (obs.t[f] - t <= tol_s) & (obs.t[f] < before)
    use_f = f_ok & (~b_ok | (obs.t[f] - t < t - obs.t[b]))
    return np.where(use_f, f, b), b_ok | f_ok


def _rate(obs: Observations, a: np.ndarray, b: np.ndarray, ok: np.ndarray,
          roll: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    span = days_between(obs.t[a], obs.t[b])
    dv, _ = unwrap_delta(obs.value[b] - obs.value[a], roll)
    ok = ok & (span > 0) & (dv >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, dv / np.where(span > 0, span, 1.0), np.nan), ok


def estimate_faulty(seg: pd.DataFrame, obs: Observations, meters: pd.DataFrame,
                    norm_rate: np.ndarray, rules: Rules) -> None:
    """Fill quantity and explanation columns of the faulty segments in ``seg``."""
    for col, fill in (("fault_branch", -1), ("fault_obs_a", -1), ("fault_obs_b", -1)):
        seg[col] = fill
    seg["fault_average_m3"] = np.nan
    faulty = (seg["kind"] == "faulty").to_numpy()
    if not faulty.any():
        return
    f = seg.loc[faulty]
    code = f["code"].to_numpy()
    s0 = f["s0"].to_numpy()
    s1 = f["s1"].to_numpy()
    fault_t = meters["fault_from_t"].to_numpy()[code]
    roll = meters["rollover_m3"].to_numpy()[code]
    tol = rules.fault_history_tolerance_days * DAY
    days = (s1 - s0) / DAY

    # 1. months before the fault
    w = shift_months(fault_t, -rules.fault_months_before)
    a1, a1_ok = _near(obs, code, w, tol, before=fault_t)
    b1, b1_ok = obs.last_lt(code, fault_t)
    ok1 = a1_ok & b1_ok & (obs.t[b1] > obs.t[a1])
    rate1, ok1 = _rate(obs, a1, b1, ok1, roll)

    # 2. the same days one year earlier
    y0 = shift_months(s0, -12)
    y1 = shift_months(s1, -12)
    a2, a2_ok = _near(obs, code, y0, tol, before=fault_t)
    b2, b2_ok = _near(obs, code, y1, tol, before=fault_t)
    rate2, ok2 = _rate(obs, a2, b2, a2_ok & b2_ok & (obs.t[b2] > obs.t[a2]), roll)

    # 3. monthly average of the 12 months before the fault × faulty months
    yr = shift_months(fault_t, -12)
    a3, a3_ok = _near(obs, code, yr, tol, before=fault_t)
    rate3, ok3 = _rate(obs, a3, b1, a3_ok & b1_ok & (obs.t[b1] > obs.t[a3]), roll)
    monthly3 = rate3 * days_between(yr, fault_t) / 12.0
    months = month_fraction(s0, s1)

    nr = norm_rate[np.flatnonzero(faulty)]
    branch = np.select([ok1, ok2, ok3], [1, 2, 3], default=0)
    qty = np.select([ok1, ok2, ok3], [rate1 * days, rate2 * days, monthly3 * months], default=nr * days)
    rate = np.select([ok1, ok2, ok3], [rate1, rate2, monthly3], default=nr)
    obs_a = np.select([ok1, ok2, ok3], [a1, a2, a3], default=-1)
    obs_b = np.select([ok1, ok2, ok3], [b1, b2, b1], default=-1)

    seg.loc[faulty, "fault_branch"] = branch
    seg.loc[faulty, "fault_average_m3"] = rate  # per day (branches 0-2) or per month (branch 3)
    seg.loc[faulty, "fault_obs_a"] = obs_a
    seg.loc[faulty, "fault_obs_b"] = obs_b
    seg.loc[faulty, "quantity_units"] = to_scaled(qty, 10**rules.m3_decimals)
    seg.loc[faulty, "rank"] = RANK_ESTIMATE
