"""The exceptions report: everything billing staff must look at before invoices go out.

Kinds (column ``kind``): missing_reading, estimate, estimate_reconciled, negative_delta,
garden_exceeds_water, garden_not_deducted, legalisation_expiring (garden submeters; main, sewage and
intake meters too), legalisation_expired (main, sewage and intake meters), faulty_meter, norm_billed, no_norm,
leak_alarm / backflow_alarm / tamper_alarm (names mapped in settings ``alarms``), high_consumption,
reading_after_removal, unknown_meter.  Each row names the contract, the period, the meter as printed
and says in English what happened, so a row can be acted on without opening the engine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from billing_rules.consumption import M_BILLED, M_ESTIMATE, M_NONE, RANK_ESTIMATE, RANK_LABELS
from billing_rules.faulty import BRANCH_LABELS
from billing_rules.observations import Observations, unwrap_delta
from billing_rules.periods import DAY
from billing_rules.types import Rules

EXCEPTION_COLUMNS = ["contract_id", "period", "meter_id", "kind", "date", "detail"]


def _day(t: np.ndarray) -> np.ndarray:
    return (np.asarray(t, dtype=np.int64) // DAY).astype("datetime64[D]").astype(str)


def _m3(units: np.ndarray, scale: int) -> np.ndarray:
    return np.char.mod("%.3f", np.asarray(units, dtype=np.float64) / scale)


def _rows(cp: pd.DataFrame, cp_id: np.ndarray, meter_id: np.ndarray | None, kind: str,
          date: np.ndarray, detail: np.ndarray) -> pd.DataFrame:
    pos = np.asarray(cp_id, dtype=np.int64)  # cp_id is the row position in cp
    n = len(pos)
    return pd.DataFrame({
        "contract_id": pd.Series(cp["contract_id"].to_numpy()[pos], dtype=object),
        "period": pd.Series(np.full(n, cp["period"].iloc[0] if len(cp) else "", dtype=object), dtype=object),
        "meter_id": pd.Series(meter_id if meter_id is not None else np.full(n, "", dtype=object), dtype=object),
        "kind": pd.Series(np.full(n, kind, dtype=object), dtype=object),
        "date": pd.Series(np.asarray(date, dtype=object), dtype=object),
        "detail": pd.Series(np.asarray(detail, dtype=object), dtype=object),
    })


def build_exceptions(cp: pd.DataFrame, seg: pd.DataFrame, q: pd.DataFrame, norm: pd.DataFrame,
                     garden: pd.DataFrame, meters: pd.DataFrame, readings: pd.DataFrame,
                     reading_code: np.ndarray, known: np.ndarray, obs: Observations,
                     rules: Rules) -> pd.DataFrame:
    """All exception rows for the run, sorted by contract and kind."""
    scale = 10**rules.m3_decimals
    mid = meters["meter_id"].to_numpy()
    end_t = cp["end_t"].to_numpy()
    out: list[pd.DataFrame] = []
    measured = seg.loc[seg["kind"] == "measured",
                       ["cp_id", "code", "s0", "s1", "start_t", "seg_days", "open_method", "close_method",
                        "open_rank", "close_rank", "open_m3", "close_m3", "negative_delta", "delta_units"]]
    m_code = measured["code"].to_numpy()

    # missing readings: a boundary we could not reach from an actual reading within tolerance
    for side, col_t, shift, word in (("open", "s0", 0, "start of"), ("close", "s1", DAY, "end of")):
        method = measured[f"{side}_method"].to_numpy()
        miss = np.isin(method, (M_ESTIMATE, M_NONE))
        if miss.any():
            day = _day(measured[col_t].to_numpy()[miss] - shift)
            detail = np.char.add(
                np.char.add(f"no reading within {rules.boundary_tolerance_days:g} days of the {word} ", day),
                "; register estimated from the daily average of recent history")
            out.append(_rows(cp, measured["cp_id"].to_numpy()[miss], mid[m_code[miss]], "missing_reading",
                             day, detail))

    # estimates actually billed
    est = q.loc[(q["water_measured_rank"] == RANK_ESTIMATE) & (q["water_measured_units"] > 0)
                | (q["water_faulty_units"] > 0)
                | ((q["sewage_rank"] == RANK_ESTIMATE) & (q["sewage_units"] > 0))]
    if len(est):
        averaged = est["water_measured_units"].to_numpy() * (est["water_measured_rank"] == RANK_ESTIMATE)
        faulty = est["water_faulty_units"].to_numpy()
        detail = np.where(
            averaged > 0,
            np.char.add(np.char.add("water ", _m3(averaged, scale)),
                        " m3 estimated from the daily average, reconciled at the next actual reading"),
            "")
        detail = np.where((averaged > 0) & (faulty > 0), np.char.add(detail, "; "), detail)
        detail = np.where(faulty > 0, np.char.add(np.char.add(detail, np.char.add("water ", _m3(faulty, scale))),
                                                  " m3 by the faulty-meter rule"), detail)
        detail = np.where(detail == "", "sewage billed on an estimate (sewage or intake meter)", detail)
        cpe = est["cp_id"].to_numpy()
        out.append(_rows(cp, cpe, None, "estimate", _day(end_t[cpe] - DAY), detail))

    # estimates from the previous period reconciled by an actual reading now
    rec = measured.loc[(measured["open_method"] == M_BILLED) & (measured["open_rank"] == RANK_ESTIMATE)
                       & (measured["close_rank"] < RANK_ESTIMATE)]
    if len(rec):
        detail = np.char.add(np.char.add("estimated register ", np.char.mod("%.3f", rec["open_m3"].to_numpy())),
                             np.char.add(" m3 reconciled by actual register ",
                                         np.char.mod("%.3f", rec["close_m3"].to_numpy())))
        out.append(_rows(cp, rec["cp_id"].to_numpy(), mid[rec["code"].to_numpy()], "estimate_reconciled",
                         _day(rec["s1"].to_numpy() - DAY), detail))

    neg = measured.loc[measured["negative_delta"]]
    if len(neg):
        detail = np.char.add(
            np.char.add("register fell from ", np.char.mod("%.3f", neg["open_m3"].to_numpy())),
            np.char.add(np.char.add(" to ", np.char.mod("%.3f", neg["close_m3"].to_numpy())),
                        " m3 (backflow or wrong reading); billed 0, opening register carried forward"))
        out.append(_rows(cp, neg["cp_id"].to_numpy(), mid[neg["code"].to_numpy()], "negative_delta",
                         _day(neg["s1"].to_numpy() - DAY), detail))

    over = q.loc[q["garden_exceeds_water"]]
    if len(over):
        detail = np.char.add(
            np.char.add("garden submeter ", _m3(over["garden_deductible_units"].to_numpy(), scale)),
            np.char.add(np.char.add(" m3 exceeds water ", _m3(over["water_total_units"].to_numpy(), scale)),
                        " m3; sewage set to 0"))
        cpo = over["cp_id"].to_numpy()
        out.append(_rows(cp, cpo, None, "garden_exceeds_water",
                         _day(end_t[cpo] - DAY), detail))

    if len(garden):
        nd = garden.loc[~garden["eligible"]]
        if len(nd):
            out.append(_rows(cp, nd["cp_id"].to_numpy(), mid[nd["code"].to_numpy()], "garden_not_deducted",
                             _day(nd["s1"].to_numpy() - DAY),
                             np.char.add("garden submeter not deducted: ", nd["reason"].to_numpy().astype(str))))
        gm = garden.drop_duplicates(["cp_id", "code"])
        legal = meters["legalised_until_t"].to_numpy()[gm["code"].to_numpy()]
        end_day = end_t[gm["cp_id"].to_numpy()] - DAY
        soon = (legal >= end_day) & (legal <= end_day + rules.legalisation_warning_days * DAY)
        if soon.any():
            out.append(_rows(cp, gm["cp_id"].to_numpy()[soon], mid[gm["code"].to_numpy()[soon]],
                             "legalisation_expiring", _day(legal[soon]),
                             np.char.add("submeter legalisation expires on ", _day(legal[soon]))))

    out.extend(_legalisation(cp, seg, meters, rules))

    fa = seg.loc[seg["kind"] == "faulty", ["cp_id", "code", "s0", "quantity_units", "fault_branch", "fault_history"]]
    if len(fa):
        labels = np.vectorize(BRANCH_LABELS.get, otypes=[object])(fa["fault_branch"].to_numpy()).astype(str)
        history = fa["fault_history"].to_numpy(dtype=object).astype(str)
        labels = np.where(history != "", np.char.add(np.char.add(np.char.add(labels, " ("), history), ")"), labels)
        detail = np.char.add(np.char.add(np.char.add("faulty meter: ", _m3(fa["quantity_units"].to_numpy(), scale)),
                                         " m3 by rule: "), labels)
        out.append(_rows(cp, fa["cp_id"].to_numpy(), mid[fa["code"].to_numpy()], "faulty_meter",
                         _day(fa["s0"].to_numpy()), detail))

    out.extend(_norm_billed(cp, q, norm, scale))

    nn = norm.loc[norm["norm_missing"]]
    if len(nn):
        out.append(_rows(cp, nn["cp_id"].to_numpy(), None, "no_norm", _day(nn["gap_trail_t1"].to_numpy() - DAY),
                         np.full(len(nn), "days without a main meter but no norm_category/sewered match "
                                          "in the norm table; 0 m3 billed for them", dtype=object)))

    out.extend(_alarms(cp, seg, meters, readings, reading_code, rules))
    out.extend(_high_consumption(cp, measured, meters, obs, rules))
    out.extend(_after_removal(cp, meters, readings, reading_code))
    out.extend(_unknown(cp, readings, known))

    if not out:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in EXCEPTION_COLUMNS})
    frame = pd.concat(out, ignore_index=True)[EXCEPTION_COLUMNS]
    return frame.sort_values(["contract_id", "kind", "meter_id", "date"], kind="stable").reset_index(drop=True)


def _legalisation(cp: pd.DataFrame, seg: pd.DataFrame, meters: pd.DataFrame, rules: Rules) -> list[pd.DataFrame]:
    """Main, sewage and intake meters in service at the period end whose legalisation has run out or
    runs out within ``legalisation_warning_days``: the replacement crew's work order.

    A water meter used for billing needs valid legalisation (Prawo o miarach art. 8a; 5 years for
    cold-water meters).  Billing still uses its readings, since the register is all there is, but the
    utility must exchange or re-verify the meter; the rows say which and since when.  Garden
    submeters have their own rule (no deduction, ``garden_not_deducted``) and their own warning.
    """
    s = seg.loc[seg["role"].isin(["main", "sewage", "intake"]).to_numpy() & (seg["s1"] == seg["end_t"]).to_numpy(),
                ["cp_id", "code", "role", "end_t"]].drop_duplicates(["cp_id", "code"])
    if s.empty:
        return []
    legal = meters["legalised_until_t"].to_numpy()[s["code"].to_numpy()]
    end_day = s["end_t"].to_numpy() - DAY
    known = legal >= 0
    expired = known & (legal < end_day)
    soon = known & (legal >= end_day) & (legal <= end_day + rules.legalisation_warning_days * DAY)
    frames = []
    role = s["role"].to_numpy().astype(str)
    for kind, sel, verb in (("legalisation_expired", expired, " meter legalisation expired on "),
                            ("legalisation_expiring", soon, " meter legalisation expires on ")):
        if sel.any():
            day = _day(legal[sel])
            detail = np.char.add(np.char.add(np.char.add(role[sel], verb), day),
                                 "; exchange or re-verify the meter")
            ids = meters["meter_id"].to_numpy()[s["code"].to_numpy()[sel]]
            frames.append(_rows(cp, s["cp_id"].to_numpy()[sel], ids, kind, day, detail))
    return frames


def _norm_billed(cp: pd.DataFrame, q: pd.DataFrame, norm: pd.DataFrame, scale: int) -> list[pd.DataFrame]:
    """One row per contract-period whose water was (partly) billed by the norm, not by a meter.

    Norm-billed premises (temporary connections, days after a meter was removed) must be listed
    apart from metered ones, like estimates: the quantity is persons × norm, so staff check the
    persons and the missing meter before the invoice goes out.  ``no_norm`` covers the case where
    no norm could be found at all.
    """
    billed = q["water_norm_units"].to_numpy() > 0
    if not billed.any():
        return []
    cpn = q["cp_id"].to_numpy()[billed]  # q and norm rows are in cp_id order
    lead0, lead1 = norm["gap_lead_t0"].to_numpy()[cpn], norm["gap_lead_t1"].to_numpy()[cpn]
    trail0, trail1 = norm["gap_trail_t0"].to_numpy()[cpn], norm["gap_trail_t1"].to_numpy()[cpn]
    first = np.where(lead1 > lead0, lead0, trail0)
    days = ((lead1 - lead0) + (trail1 - trail0)) // DAY
    detail = np.char.add(
        np.char.add(np.char.add("water ", _m3(q["water_norm_units"].to_numpy()[billed], scale)),
                    " m3 billed by the norm for "),
        np.char.add(days.astype(str), " day(s) without a main meter"))
    return [_rows(cp, cpn, None, "norm_billed", _day(first), detail)]


def _alarms(cp: pd.DataFrame, seg: pd.DataFrame, meters: pd.DataFrame, readings: pd.DataFrame,
            code: np.ndarray, rules: Rules) -> list[pd.DataFrame]:
    has = (readings["alarms"].fillna("").str.len() > 0).to_numpy(dtype=bool) & (code >= 0)
    if not has.any():
        return []
    rows = np.flatnonzero(has)
    r = pd.DataFrame({"code": code[rows], "t": readings["read_at"].to_numpy(dtype="datetime64[s]")
                      .astype(np.int64)[rows], "alarm": readings["alarms"].take(rows).to_numpy(dtype=object)})
    pairs = seg.loc[np.isin(seg["code"].to_numpy(), np.unique(r["code"].to_numpy())),
                    ["cp_id", "code", "start_t", "end_t"]].drop_duplicates(["cp_id", "code"])
    r = r.merge(pairs, on="code")
    r = r.loc[(r["t"] >= r["start_t"]) & (r["t"] < r["end_t"])]
    r = r.assign(alarm=r["alarm"].str.upper().str.split()).explode("alarm")
    r["kind"] = r["alarm"].map(rules.alarm_kinds)
    r = r.dropna(subset=["kind"])
    if r.empty:
        return []
    g = r.groupby(["cp_id", "code", "kind"], as_index=False).agg(
        first_t=("t", "min"), count=("t", "size"), names=("alarm", lambda s: " ".join(sorted(set(s)))))
    detail = (g["names"] + " reported in " + g["count"].astype(str) + " reading(s) in the period").to_numpy()
    frames = []
    for kind, sub in g.groupby("kind"):
        idx = sub.index.to_numpy()
        frames.append(_rows(cp, sub["cp_id"].to_numpy(), meters["meter_id"].to_numpy()[sub["code"].to_numpy()],
                            f"{kind}_alarm", _day(sub["first_t"].to_numpy()), detail[idx]))
    return frames


def _high_consumption(cp: pd.DataFrame, measured: pd.DataFrame, meters: pd.DataFrame, obs: Observations,
                      rules: Rules) -> list[pd.DataFrame]:
    """Period daily consumption above factor × the median daily consumption between past readings."""
    if len(obs) < 2 or measured.empty:
        return []
    n_meters = len(meters)
    since = np.full(n_meters, np.iinfo(np.int64).max)
    np.minimum.at(since, measured["code"].to_numpy(), measured["start_t"].to_numpy())
    same = obs.code[1:] == obs.code[:-1]
    c = obs.code[1:][same]
    t0, t1 = obs.t[:-1][same], obs.t[1:][same]
    dv, _ = unwrap_delta(obs.value[1:][same] - obs.value[:-1][same], meters["rollover_m3"].to_numpy()[c])
    dt = (t1 - t0) / DAY
    win = (t1 <= since[c]) & (t0 >= since[c] - rules.median_history_days * DAY) & (dt >= 1) & (dv >= 0)
    if not win.any():
        return []
    med = pd.Series(dv[win] / dt[win]).groupby(c[win]).median()
    median = np.full(n_meters, np.nan)
    median[med.index.to_numpy()] = med.to_numpy()
    scale = 10**rules.m3_decimals
    days = measured["seg_days"].to_numpy()
    daily = measured["delta_units"].to_numpy() / scale / np.where(days > 0, days, 1.0)
    mm = median[measured["code"].to_numpy()]
    high = (mm > 0) & (daily > rules.high_consumption_factor * mm)
    if not high.any():
        return []
    h = measured.loc[high]
    detail = np.char.add(np.char.add(np.char.add("daily consumption ", np.char.mod("%.3f", daily[high])),
                                     " m3/day is more than "),
                         np.char.add(np.char.mod("%g", np.full(int(high.sum()), rules.high_consumption_factor)),
                                     np.char.add("x the meter's median of ", np.char.mod("%.3f", mm[high]))))
    return [_rows(cp, h["cp_id"].to_numpy(), meters["meter_id"].to_numpy()[h["code"].to_numpy()],
                  "high_consumption", _day(h["s1"].to_numpy() - DAY), detail)]


def _after_removal(cp: pd.DataFrame, meters: pd.DataFrame, readings: pd.DataFrame,
                   code: np.ndarray) -> list[pd.DataFrame]:
    known = code >= 0  # readings of meters on the billed premises; -1 for all others
    if not known.any():  # e.g. one norm-billed contract: no meter of its own, nothing to look up
        return []
    t = readings["read_at"].to_numpy(dtype="datetime64[s]").astype(np.int64)
    safe = np.where(known, code, 0)
    removal = np.where(known, meters["removal_end_t"].to_numpy()[safe], 0)
    late = known & (t > removal) & meters["removal_date"].notna().to_numpy()[safe]
    if not late.any():
        return []
    r = pd.DataFrame({"code": code[late], "t": t[late],
                      "premises_pos": meters["premises_pos"].to_numpy()[code[late]]})
    r = r.merge(cp[["cp_id", "premises_pos", "start_t", "end_t"]], on="premises_pos")
    r = r.loc[(r["t"] >= r["start_t"]) & (r["t"] < r["end_t"])]
    if r.empty:
        return []
    detail = np.char.add("reading taken after the meter was removed on ",
                         _day(meters["removal_end_t"].to_numpy()[r["code"].to_numpy()] - DAY))
    return [_rows(cp, r["cp_id"].to_numpy(), meters["meter_id"].to_numpy()[r["code"].to_numpy()],
                  "reading_after_removal", _day(r["t"].to_numpy()), detail)]


def _unknown(cp: pd.DataFrame, readings: pd.DataFrame, known: np.ndarray) -> list[pd.DataFrame]:
    if known.all() or cp.empty:
        return []
    t = readings["read_at"].to_numpy(dtype="datetime64[s]").astype(np.int64)
    sel = np.flatnonzero(~known & (t >= cp["start_t"].min()) & (t < cp["end_t"].max()))
    if not len(sel):
        return []
    ids = readings["meter_id"].take(sel).to_numpy(dtype=object)
    first = pd.DataFrame({"meter_id": ids, "t": t[sel]}).groupby("meter_id", as_index=False)["t"].min()
    return [pd.DataFrame({
        "contract_id": "", "period": cp["period"].iloc[0], "meter_id": first["meter_id"].to_numpy(),
        "kind": "unknown_meter", "date": _day(first["t"].to_numpy()),
        "detail": "readings for a meter that is not in meters; not billed",
    })]


__all__ = ["EXCEPTION_COLUMNS", "RANK_LABELS", "build_exceptions"]
