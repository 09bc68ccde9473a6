"""Quantity for the days a meter was flagged faulty: the statutory order of estimates.

Per the tariff/billing regulation (Dz.U. 2018 poz. 472; earlier 2006 reg. § 18; docs/billing-sources.md §3
"Faulty main meter"), in this order, taking the first one the history allows:

1. the average consumption of the ``months_before_fault`` (3) months before the fault was found:
   daily average between the reading nearest the instant 3 months before the fault and the last
   reading up to the fault's first instant (a value read at that very instant still comes from the
   working meter, see observations.py, so it closes the window the law asks for), × the faulty days;
2. the average consumption in the analogous period of the previous year: daily average between the
   readings nearest the same days one year earlier, × the faulty days.  The law speaks of the
   consumption of the service point, not of one device: when the faulty meter replaced another
   (``replaces_meter_id``), last year's water on the old meter counts, up to its final register and
   from the new meter's initial register;
3. the average monthly consumption in the previous year (the 12 months before the fault) × the
   number of faulty months (calendar months prorated by days).

"Nearest" means within ``history_tolerance_days`` of the wanted instant; readings taken while the
meter was faulty never count.  When no branch is possible the norm applies and an exception says so
(a meter that cannot be trusted is treated as no meter, art. 27 ust. 1), by the one norm rule of
norms.py: m³/person/month × calendar months prorated by days.
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
          upto: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The trusted observation nearest t (within tolerance, at or before ``upto``: the fault's start)."""
    b, b_ok = obs.last_le(code, t)
    f, f_ok = obs.first_ge(code, t)
    b_ok &= (t - obs.t[b] <= tol_s) & (obs.t[b] <= upto)
    f_ok &= (obs.t[f] - t <= tol_s) & (obs.t[f] <= upto)
    use_f = f_ok & (~b_ok | (obs.t[f] - t < t - obs.t[b]))
    return np.where(use_f, f, b), b_ok | f_ok


def _rate(obs: Observations, a: np.ndarray, b: np.ndarray, ok: np.ndarray,
          roll: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    span = days_between(obs.t[a], obs.t[b])
    dv, _ = unwrap_delta(obs.value[b] - obs.value[a], roll)
    ok = ok & (span > 0) & (dv >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, dv / np.where(span > 0, span, 1.0), np.nan), ok


def _service_point(obs: Observations, meters: pd.DataFrame, code: int, y0: int, y1: int, tol_s: int,
                   fault_t: int) -> tuple[float, int, int, str] | None:
    """Daily average of [y0, y1) over the faulty meter and the meters it replaced; None if not known.

    Each meter contributes the part of the window it was installed for: from its initial register
    (installed inside the window) or the reading nearest the window start, to its final register
    (removed inside the window) or the reading nearest the window end.  The parts must cover the
    window without a gap, so the average is the service point's, not a guess.  Only faulty segments
    whose own meter has no such history come here: a handful per run, so a loop is fine.
    """
    replaces = meters["replaces_code"].to_numpy()
    install = meters["install_t"].to_numpy()
    removal = meters["removal_end_t"].to_numpy()
    initial = meters["initial_m3"].to_numpy()
    final = meters["final_m3"].to_numpy()
    roll = meters["rollover_m3"].to_numpy()
    ids = meters["meter_id"].to_numpy()
    chain = [code]
    while replaces[chain[-1]] >= 0 and len(chain) < 8 and replaces[chain[-1]] not in chain:
        chain.append(int(replaces[chain[-1]]))
    dv_total = span_total = 0.0
    covered = 0
    first_obs = last_obs = -1
    notes: list[str] = []
    for m in reversed(chain):  # oldest first
        lo, hi = max(y0, int(install[m])), min(y1, int(removal[m]))
        if hi <= lo:
            continue
        ends = []
        for t, at_edge, edge_value, word in ((lo, lo == install[m] and lo > y0, initial[m], "initial"),
                                             (hi, hi == removal[m] and hi < y1, final[m], "final")):
            if at_edge and not np.isnan(edge_value):
                ends.append((float(edge_value), t, -1, f"{word} {edge_value:.3f}"))
                continue
            idx, ok = _near(obs, np.array([m]), np.array([t]), tol_s, upto=np.array([fault_t]))
            if not ok[0]:
                return None
            j = int(idx[0])
            ends.append((float(obs.value[j]), int(obs.t[j]), j, f"{obs.value[j]:.3f}"))
        (v0, t0, j0, n0), (v1, t1, j1, n1) = ends
        dv, _ = unwrap_delta(np.array([v1 - v0]), np.array([roll[m]]))
        if t1 <= t0 or dv[0] < 0:
            return None
        dv_total += float(dv[0])
        span_total += (t1 - t0) / DAY
        covered += hi - lo
        first_obs = j0 if first_obs < 0 and j0 >= 0 else first_obs
        last_obs = j1 if j1 >= 0 else last_obs
        day = (np.array([t0, t1]) // DAY).astype("datetime64[D]")
        notes.append(f"meter {ids[m]} {day[0]} {n0} -> {day[1]} {n1}")
    if covered != y1 - y0 or span_total <= 0:
        return None
    return dv_total / span_total, first_obs, last_obs, "service point: " + "; ".join(notes)


def estimate_faulty(seg: pd.DataFrame, obs: Observations, meters: pd.DataFrame,
                    norm_rate: np.ndarray, rules: Rules) -> None:
    """Fill quantity and explanation columns of the faulty segments in ``seg``."""
    for col, fill in (("fault_branch", -1), ("fault_obs_a", -1), ("fault_obs_b", -1)):
        seg[col] = fill
    seg["fault_history"] = ""
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
    a1, a1_ok = _near(obs, code, w, tol, upto=fault_t)
    b1, b1_ok = obs.last_le(code, fault_t)
    ok1 = a1_ok & b1_ok & (obs.t[b1] > obs.t[a1])
    rate1, ok1 = _rate(obs, a1, b1, ok1, roll)

    # 2. the same days one year earlier
    y0 = shift_months(s0, -12)
    y1 = shift_months(s1, -12)
    a2, a2_ok = _near(obs, code, y0, tol, upto=fault_t)
    b2, b2_ok = _near(obs, code, y1, tol, upto=fault_t)
    rate2, ok2 = _rate(obs, a2, b2, a2_ok & b2_ok & (obs.t[b2] > obs.t[a2]), roll)

    # 3. monthly average of the 12 months before the fault × faulty months
    yr = shift_months(fault_t, -12)
    a3, a3_ok = _near(obs, code, yr, tol, upto=fault_t)
    rate3, ok3 = _rate(obs, a3, b1, a3_ok & b1_ok & (obs.t[b1] > obs.t[a3]), roll)
    monthly3 = rate3 * days_between(yr, fault_t) / 12.0
    months = month_fraction(s0, s1)

    # 2 on the service point: the same days a year earlier, across a replacement
    history = np.full(len(f), "", dtype=object)
    replaced = meters["replaces_code"].to_numpy()[code] >= 0
    for i in np.flatnonzero(~ok1 & ~ok2 & replaced):
        got = _service_point(obs, meters, int(code[i]), int(y0[i]), int(y1[i]), tol, int(fault_t[i]))
        if got is not None:
            rate2[i], a2[i], b2[i], history[i] = got
            ok2[i] = True

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
    seg.loc[faulty, "fault_history"] = np.where(branch == 2, history, "")
    seg.loc[faulty, "quantity_units"] = to_scaled(qty, 10**rules.m3_decimals)
    seg.loc[faulty, "rank"] = RANK_ESTIMATE
