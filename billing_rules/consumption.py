"""Consumption per meter and period, from register values at the period boundaries.

Each meter's time in the period is cut into segments: while installed and trusted ("measured") and
while flagged faulty ("faulty", see faulty.py).  A measured segment's consumption is its closing
register minus its opening register.  Each register value is taken, in this order, from:

1. the meter's initial register if it was installed at the segment start, or its final register if
   it was removed at the segment end (meter replacement: old meter's final reading plus the new
   meter's consumption since its initial reading);
2. at the period start, the register billed at the previous period's end (``billed_registers``), so
   that an estimate is reconciled by the next actual reading and no m³ is billed twice or never;
3. the meter's own due-date register (``target_m3`` at ``target_date``) valid exactly at the boundary;
4. a reading exactly at the boundary;
5. readings on both sides, apportioned to the boundary by time (linear interpolation);
6. the nearest reading on one side within ``boundary_tolerance_days``, carried to the boundary at the
   meter's daily average (still an actual reading, apportioned by time);
7. otherwise an estimate: the last reading carried forward at the daily average of recent history
   (``history_days``), or the norm when the meter has no usable history.

A drop larger than half the register is a rollover; a smaller drop is a negative delta: flagged and
billed as zero, with the opening register carried forward so nothing is billed twice later.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from billing_rules.money import to_scaled
from billing_rules.observations import SHIFT, Observations, days_between, unwrap_delta
from billing_rules.periods import DAY, NO_END
from billing_rules.types import ROLES, Rules

# how a register value was obtained; explain prints these
M_INSTALL, M_REMOVAL, M_BILLED, M_EXACT, M_INTERP, M_EXTRAP, M_ESTIMATE, M_NONE = range(8)
METHOD_LABELS = (
    "initial register at installation",
    "final register at removal",
    "register billed at the previous period end",
    "observed exactly at the boundary",
    "readings on both sides apportioned by time",
    "nearest reading carried to the boundary at the daily average",
    "estimated: last reading carried forward at the daily average",
    "no reading at all",
)
# basis ranks: a quantity takes the weakest basis of what produced it
RANK_DUE, RANK_READING, RANK_CONTRACT, RANK_NORM, RANK_ESTIMATE = range(5)
RANK_LABELS = ("due-date register", "reading", "contract", "norm", "estimate")
REGISTER_COLUMNS = ["meter_id", "boundary_date", "register_m3", "basis"]


def build_segments(cp: pd.DataFrame, meters: pd.DataFrame) -> pd.DataFrame:
    """Cut each meter's presence in each contract-period into measured and faulty segments."""
    mp = cp[["cp_id", "premises_pos", "start_t", "end_t"]].merge(
        meters[["premises_pos", "code", "role", "install_t", "removal_end_t", "fault_from_t", "fault_end_t"]],
        on="premises_pos", how="inner")
    a0 = np.maximum(mp["start_t"].to_numpy(), mp["install_t"].to_numpy())
    a1 = np.minimum(mp["end_t"].to_numpy(), mp["removal_end_t"].to_numpy())
    f0 = mp["fault_from_t"].to_numpy()
    f1 = mp["fault_end_t"].to_numpy()
    parts = []
    for kind, s0, s1 in (
        ("measured", a0, np.minimum(a1, f0)),
        ("faulty", np.maximum(a0, f0), np.minimum(a1, f1)),
        ("measured", np.maximum(a0, f1), a1),
    ):
        keep = s1 > s0
        part = mp.loc[keep, ["cp_id", "code", "role", "start_t", "end_t"]].copy()
        part["kind"] = kind
        part["s0"] = s0[keep]
        part["s1"] = s1[keep]
        parts.append(part)
    seg = pd.concat(parts, ignore_index=True)
    # categoricals: compared many times over a million rows, cheap as integer codes
    seg["kind"] = pd.Categorical(seg["kind"], categories=["measured", "faulty"])
    seg["role"] = pd.Categorical(np.asarray(seg["role"], dtype=object), categories=list(ROLES))
    # sorted by meter so that the register lookups walk the sorted observations in order
    seg = seg.sort_values(["code", "s0", "cp_id"], kind="stable").reset_index(drop=True)
    seg["seg_days"] = (seg["s1"] - seg["s0"]) / DAY
    return seg


def daily_rates(seg: pd.DataFrame, obs: Observations, meters: pd.DataFrame,
                norm_rate: np.ndarray, rules: Rules) -> None:
    """Daily average of recent history per segment (m³/day), written into ``seg``.

    From the last trusted observation before the period end back to the last one at least
    ``history_days`` earlier (or the meter's first one).  A meter without such history (new, or never
    read) falls back to the premises' norm so that an estimate is never silently zero.
    """
    code = seg["code"].to_numpy()
    end = np.minimum(seg["end_t"].to_numpy(), seg["s1"].to_numpy())
    b, b_ok = obs.last_le(code, end)
    a, a_ok = obs.last_le(code, obs.t[b] - rules.history_days * DAY)
    first, first_ok = obs.first_of(code)
    a = np.where(a_ok, a, first)
    a_ok = np.where(a_ok, True, first_ok)
    span = days_between(obs.t[a], obs.t[b])
    roll = meters["rollover_m3"].to_numpy()[code]
    dv, _ = unwrap_delta(obs.value[b] - obs.value[a], roll)
    ok = b_ok & a_ok & (span >= rules.min_history_days) & (dv >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(ok, dv / np.where(span > 0, span, 1.0), norm_rate)
    seg["rate_m3_day"] = rate
    seg["rate_from_history"] = ok
    seg["rate_obs_a"] = np.where(ok, a, -1)
    seg["rate_obs_b"] = np.where(ok, b, -1)


def register_at(obs: Observations, code: np.ndarray, t: np.ndarray, allow_back: np.ndarray,
                allow_fwd: np.ndarray, rate: np.ndarray, rollover: np.ndarray,
                tolerance_days: float) -> dict[str, np.ndarray]:
    """Register value at instant t by rules 3–7 of the module docstring, fully vectorised."""
    n = len(code)
    b, b_ok = obs.last_le(code, t)
    f, f_ok = obs.first_ge(code, t)
    b_ok &= allow_back
    f_ok &= allow_fwd
    exact_b = b_ok & (obs.t[b] == t)
    exact_f = f_ok & (obs.t[f] == t)
    exact = exact_b | exact_f
    exact_idx = np.where(exact_b, b, f)

    dt_total = (obs.t[f] - obs.t[b]).astype(np.float64)
    dv, _ = unwrap_delta(obs.value[f] - obs.value[b], rollover)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(dt_total > 0, (t - obs.t[b]) / np.where(dt_total > 0, dt_total, 1.0), 0.0)
    interp_v = obs.value[b] + dv * frac
    both = b_ok & f_ok & ~exact

    back_gap = days_between(obs.t[b], t)
    fwd_gap = days_between(t, obs.t[f])
    use_back = b_ok & (~f_ok | (back_gap <= fwd_gap))
    one_side = (b_ok | f_ok) & ~both & ~exact
    from_back = obs.value[b] + rate * back_gap
    from_fwd = obs.value[f] - rate * fwd_gap
    extrap_v = np.where(use_back, from_back, from_fwd)
    gap = np.where(use_back, back_gap, fwd_gap)
    near = one_side & (gap <= tolerance_days)

    value = np.full(n, np.nan)
    method = np.full(n, M_NONE, dtype=np.int64)
    value = np.where(one_side, extrap_v, value)
    method = np.where(one_side, np.where(near, M_EXTRAP, M_ESTIMATE), method)
    value = np.where(both, interp_v, value)
    method = np.where(both, M_INTERP, method)
    value = np.where(exact, obs.value[exact_idx], value)
    method = np.where(exact, M_EXACT, method)
    wrap = ~np.isnan(rollover)
    value = np.where(wrap & ~np.isnan(value), np.mod(value, np.where(wrap, rollover, 1.0)), value)

    rank = np.full(n, RANK_ESTIMATE, dtype=np.int64)
    rank = np.where(np.isin(method, (M_INTERP, M_EXTRAP)), RANK_READING, rank)
    due = obs.source[exact_idx] == 0
    rank = np.where(exact, np.where(due, RANK_DUE, RANK_READING), rank)
    return {
        "value": value, "method": method, "rank": rank,
        "obs_back": np.where(b_ok & (both | exact_b | (one_side & use_back)), b, -1),
        "obs_fwd": np.where(f_ok & ((both | exact_f | (one_side & ~use_back)) & ~exact_b), f, -1),
    }


def measure_segments(seg: pd.DataFrame, obs: Observations, meters: pd.DataFrame,
                     billed: pd.DataFrame, rules: Rules) -> None:
    """Opening and closing registers and the billed consumption of every measured segment."""
    code = seg["code"].to_numpy()
    s0 = seg["s0"].to_numpy()
    s1 = seg["s1"].to_numpy()
    measured = (seg["kind"] == "measured").to_numpy()
    roll = meters["rollover_m3"].to_numpy()[code]
    install_t = meters["install_t"].to_numpy()[code]
    removal_t = meters["removal_end_t"].to_numpy()[code]
    fault_from = meters["fault_from_t"].to_numpy()[code]
    fault_end = meters["fault_end_t"].to_numpy()[code]
    initial = meters["initial_m3"].to_numpy()[code]
    final = meters["final_m3"].to_numpy()[code]
    rate = seg["rate_m3_day"].to_numpy()
    yes = np.ones(len(seg), dtype=bool)

    # opening register: readings after a fault ended may not reach back into it
    start = register_at(obs, code, s0, allow_back=s0 != fault_end, allow_fwd=yes, rate=rate,
                        rollover=roll, tolerance_days=rules.boundary_tolerance_days)
    at_install = (s0 == install_t) & ~np.isnan(initial)
    start["value"] = np.where(at_install, initial, start["value"])
    start["method"] = np.where(at_install, M_INSTALL, start["method"])
    start["rank"] = np.where(at_install, RANK_READING, start["rank"])

    billed_value = np.full(len(seg), np.nan)
    billed_rank = np.full(len(seg), RANK_READING)
    if len(billed):
        key = pd.Index((billed["code"].to_numpy() << SHIFT) + billed["boundary_t"].to_numpy())
        pos = key.get_indexer((code << SHIFT) + s0)
        hit = (pos >= 0) & (s0 == seg["start_t"].to_numpy()) & ~at_install
        billed_value = np.where(hit, billed["register_m3"].to_numpy()[np.clip(pos, 0, None)], np.nan)
        billed_rank = np.where(hit, billed["rank"].to_numpy()[np.clip(pos, 0, None)], RANK_READING)
    use_billed = ~np.isnan(billed_value)
    start["value"] = np.where(use_billed, billed_value, start["value"])
    start["method"] = np.where(use_billed, M_BILLED, start["method"])
    start["rank"] = np.where(use_billed, billed_rank, start["rank"])

    # closing register: readings taken during a fault that starts here are not trusted
    end = register_at(obs, code, s1, allow_back=yes, allow_fwd=s1 != fault_from, rate=rate,
                      rollover=roll, tolerance_days=rules.boundary_tolerance_days)
    at_removal = (s1 == removal_t) & ~np.isnan(final)
    end["value"] = np.where(at_removal, final, end["value"])
    end["method"] = np.where(at_removal, M_REMOVAL, end["method"])
    end["rank"] = np.where(at_removal, RANK_READING, end["rank"])

    delta, rolled = unwrap_delta(end["value"] - start["value"], roll)
    unknown = np.isnan(delta)
    # a value we could not obtain at all: bill the daily average (or norm) for the segment's days
    delta = np.where(unknown, rate * seg["seg_days"].to_numpy(), delta)
    litres = to_scaled(delta, 10**rules.m3_decimals)
    negative = measured & (litres < 0)
    billed_litres = np.where(negative, 0, litres)
    rank = np.where(unknown, RANK_ESTIMATE, end["rank"])

    for name, d in (("open", start), ("close", end)):
        seg[f"{name}_m3"] = np.where(measured, d["value"], np.nan)
        seg[f"{name}_method"] = np.where(measured, d["method"], M_NONE)
        seg[f"{name}_rank"] = d["rank"]
        seg[f"{name}_obs_back"] = d["obs_back"]
        seg[f"{name}_obs_fwd"] = d["obs_fwd"]
    seg["rolled_over"] = measured & rolled
    seg["delta_units"] = np.where(measured, litres, 0)
    seg["negative_delta"] = negative
    seg["value_unknown"] = measured & unknown
    seg["quantity_units"] = np.where(measured, billed_litres, 0)
    seg["rank"] = np.where(measured, rank, RANK_ESTIMATE)


def closing_registers(seg: pd.DataFrame, meters: pd.DataFrame, m3_decimals: int) -> pd.DataFrame:
    """Registers billed at each period end, to be fed back as ``billed_registers`` next time.

    After a negative delta the opening register is carried forward: the customer has paid up to it.
    """
    m = seg.loc[(seg["kind"] == "measured") & (seg["s1"] == seg["end_t"]),
                ["code", "end_t", "open_m3", "quantity_units", "value_unknown", "rank"]]
    scale = 10**m3_decimals
    roll = meters["rollover_m3"].to_numpy()[m["code"].to_numpy()]
    billed_close = m["open_m3"].to_numpy() + m["quantity_units"].to_numpy() / scale
    billed_close = np.where(m["value_unknown"].to_numpy(), np.nan, billed_close)
    wrap = ~np.isnan(roll)
    billed_close = np.where(wrap, np.mod(billed_close, np.where(wrap, roll, 1.0)), billed_close)
    rank = m["rank"].to_numpy()
    out = pd.DataFrame({
        "meter_id": pd.Series(meters["meter_id"].to_numpy()[m["code"].to_numpy()], dtype=object),
        "boundary_date": ((m["end_t"].to_numpy() - DAY).astype("datetime64[s]")).astype("datetime64[s]"),
        "register_m3": np.round(billed_close, m3_decimals),
        "basis": pd.Series(np.asarray(RANK_LABELS, dtype=object)[rank], dtype=object),
    })
    return out.dropna(subset=["register_m3"]).reset_index(drop=True)


def never_ends(t: np.ndarray) -> np.ndarray:
    """Replace the -1 used for missing instants by an instant that never comes."""
    return np.where(np.asarray(t) < 0, NO_END, t)
