"""Tariff parts of a period: which prices apply to which share of the quantities.

A period that spans a price change (a new 12-month sub-period of a tariff, or a new tariff) is cut at
the change date.  Quantities are split by days, i.e. at the daily average (PGKiM Łęczna practice;
docs/billing-sources.md §3), unless the main meter has an observation on the change date:
then metered m³ are split by that reading (before = reading − opening register).  Norm, faulty-meter
estimate and abonament quantities are always split by days, since they are by nature per day.

Splits use :func:`billing_rules.money.split_by_weights`, so the parts add up to the total exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from billing_rules.keys import codes
from billing_rules.money import price_to_units
from billing_rules.observations import Observations
from billing_rules.periods import DAY, NO_END
from billing_rules.types import ABONAMENT_BASES, SETTLEMENTS, BillingDataError


def _valid_window(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    v0 = frame["valid_from"].to_numpy(dtype="datetime64[s]").astype(np.int64)
    to = frame["valid_to"].to_numpy(dtype="datetime64[s]")
    v1 = np.where(np.isnat(to), NO_END, to.astype(np.int64) + DAY)
    return v0, v1


def _lookup(frame: pd.DataFrame, column: str, group_code: np.ndarray, group_names: np.ndarray,
            t: np.ndarray, what: str, kind: str = "") -> np.ndarray:
    """Price in force at instant t for each row's tariff group; a gap is a data error."""
    out = np.full(len(t), -1, dtype=np.int64)
    v0, v1 = _valid_window(frame)
    price = price_to_units(frame[column].to_numpy(dtype=np.float64))
    groups = frame["tariff_group"].to_numpy(dtype=object)
    for gi in np.unique(group_code):
        g = group_names[gi]
        rows = np.flatnonzero(groups == g)
        sel = np.flatnonzero(group_code == gi)
        if len(rows) == 0:
            raise BillingDataError(what, "tariff_group", f"no rows for tariff group {g!r}{kind}")
        order = rows[np.argsort(v0[rows], kind="stable")]
        pos = np.searchsorted(v0[order], t[sel], side="right") - 1
        found = pos >= 0
        hit = order[np.clip(pos, 0, None)]
        found &= t[sel] < v1[hit]
        if not found.all():
            day = np.datetime64(int(t[sel][~found][0]), "s").astype("datetime64[D]")
            raise BillingDataError(what, "valid_from/valid_to",
                                   f"no price for tariff group {g!r}{kind} in force on {day}")
        out[sel] = price[hit]
    return out


def tariff_parts(cp: pd.DataFrame, tariffs: pd.DataFrame, abonaments: pd.DataFrame,
                 seg: pd.DataFrame, obs: Observations) -> pd.DataFrame:
    """One row per contract-period and price part with prices (0.0001 zł) and split weights."""
    group_code, group_names = codes(cp["tariff_group"])
    start = cp["start_t"].to_numpy()
    end = cp["end_t"].to_numpy()
    cp_ids = cp["cp_id"].to_numpy()
    cuts_cp: list[np.ndarray] = []
    cuts_t: list[np.ndarray] = []
    for frame in (tariffs, abonaments):
        v0, v1 = _valid_window(frame)
        change = pd.DataFrame({"tariff_group": np.tile(frame["tariff_group"].to_numpy(), 2),
                               "t": np.concatenate([v0, v1])}).drop_duplicates()
        for gi, g in enumerate(group_names):
            ts = change.loc[change["tariff_group"] == g, "t"]
            sel = np.flatnonzero(group_code == gi)
            for c in ts.to_numpy():
                inside = sel[(start[sel] < c) & (c < end[sel])]
                cuts_cp.append(cp_ids[inside])
                cuts_t.append(np.full(len(inside), c, dtype=np.int64))
    cuts = pd.DataFrame({"cp_id": np.concatenate([*cuts_cp, cp_ids]),
                         "t0": np.concatenate([*cuts_t, start])}).drop_duplicates()
    parts = cuts.sort_values(["cp_id", "t0"], kind="stable").reset_index(drop=True)
    cp_pos = parts["cp_id"].to_numpy()  # cp_id is the row position in cp
    nxt = parts["t0"].shift(-1).to_numpy()
    last = parts["cp_id"].to_numpy() != parts["cp_id"].shift(-1).to_numpy()
    parts["t1"] = np.where(last, end[cp_pos], nxt).astype(np.int64)
    parts["part_no"] = parts.groupby("cp_id").cumcount()
    parts["days"] = ((parts["t1"] - parts["t0"]) // DAY).astype(np.int64)
    parts["total_days"] = cp["days"].to_numpy()[cp_pos]
    parts["cum_days_after"] = parts.groupby("cp_id")["days"].cumsum()
    parts["cum_days_before"] = parts["cum_days_after"] - parts["days"]

    pg = group_code[cp_pos]
    t0 = parts["t0"].to_numpy()
    parts["water_price"] = _lookup(tariffs, "water_m3_net", pg, group_names, t0, "tariffs")
    parts["sewage_price"] = _lookup(tariffs, "sewage_m3_net", pg, group_names, t0, "tariffs")
    basis = np.asarray(cp["abonament_basis"].to_numpy(), dtype=object)[cp_pos]
    settlement = cp["settlement"].to_numpy(dtype=object)[cp_pos]
    abon = np.full(len(parts), -1, dtype=np.int64)
    for b in ABONAMENT_BASES:
        for s in SETTLEMENTS:
            sel = (basis == b) & (settlement == s)
            if sel.any():
                rows = abonaments.loc[(abonaments["basis"] == b) & (abonaments["settlement"] == s)]
                abon[sel] = _lookup(rows, "abonament_month_net", pg[sel], group_names, t0[sel],
                                    "abonaments", f" (basis {b}, settlement {s})")
    parts["abonament_price"] = abon
    _reading_split(parts, seg, obs)
    return parts


def _reading_split(parts: pd.DataFrame, seg: pd.DataFrame, obs: Observations) -> None:
    """Weights for metered m³: litres before/after a main-meter observation on the change date."""
    scale = 1000.0
    parts["m3_cum_before"] = parts["cum_days_before"]
    parts["m3_cum_after"] = parts["cum_days_after"]
    parts["m3_weight_total"] = parts["total_days"]
    parts["split_reading_m3"] = np.nan
    n_parts = parts.groupby("cp_id")["part_no"].transform("size").to_numpy()
    change = parts.loc[(n_parts == 2) & (parts["part_no"].to_numpy() == 1), ["cp_id", "t0"]]
    if change.empty:
        return
    main = seg.loc[(seg["role"] == "main") & (seg["kind"] == "measured"),
                   ["cp_id", "code", "s0", "s1", "open_m3", "close_m3"]]
    single = main.loc[main.groupby("cp_id")["cp_id"].transform("size") == 1]
    m = change.merge(single[["cp_id", "code", "s0", "s1", "open_m3", "close_m3"]], on="cp_id")
    m = m.loc[(m["s0"] < m["t0"]) & (m["t0"] < m["s1"])]
    if m.empty:
        return
    code = m["code"].to_numpy()
    c = m["t0"].to_numpy()
    f, ok = obs.first_ge(code, c)
    ok &= obs.t[f] < c + DAY
    before = np.rint((obs.value[f] - m["open_m3"].to_numpy()) * scale)
    after = np.rint((m["close_m3"].to_numpy() - obs.value[f]) * scale)
    ok &= (before >= 0) & (after >= 0) & (before + after > 0)
    m = m.loc[ok]
    if m.empty:
        return
    before, after, value = before[ok].astype(np.int64), after[ok].astype(np.int64), obs.value[f[ok]]
    idx = parts.reset_index().merge(m[["cp_id"]].assign(before=before, after=after, value=value),
                                    on="cp_id")
    rows = idx["index"].to_numpy()
    is_first = idx["part_no"].to_numpy() == 0
    total = idx["before"].to_numpy() + idx["after"].to_numpy()
    parts.loc[rows, "m3_cum_before"] = np.where(is_first, 0, idx["before"].to_numpy())
    parts.loc[rows, "m3_cum_after"] = np.where(is_first, idx["before"].to_numpy(), total)
    parts.loc[rows, "m3_weight_total"] = total
    parts.loc[rows, "split_reading_m3"] = idx["value"].to_numpy()
