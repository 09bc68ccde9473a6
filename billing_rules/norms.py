"""Norm billing for the days a premises has no main meter (art. 27 ust. 1; Dz.U. 2002 Nr 8 poz. 70).

Temporary construction connections and premises whose meter was removed are billed as
persons × norm (m³/person/month) × months, where months are calendar months prorated by days.  The
norm comes from the premises' ``norm_category`` (a row of the household table, Tabela 1) and whether
it is sewered: the table's lower value applies to cesspool areas, the higher to sewered buildings.

The gap is the part of the period before the first main meter was installed and after the last one
was removed.  A replacement leaves no gap (the new meter is installed the day the old one goes).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from billing_rules.keys import codes
from billing_rules.money import to_scaled
from billing_rules.periods import DAY, month_fraction


def norm_per_person(premises: pd.DataFrame, norms: pd.DataFrame) -> np.ndarray:
    """m³/person/month per premises row; NaN where the category is missing or not in the table."""
    cat_codes, categories = codes(premises["norm_category"])
    sewered = premises["sewered"].fillna(False).to_numpy(dtype=bool)
    table = {(str(c), bool(s)): float(v) for c, s, v in
             zip(norms["norm_category"], norms["sewered"], norms["m3_per_person_month"], strict=True)}
    values = np.full((len(categories) + 1, 2), np.nan)
    for i, category in enumerate(categories):
        for flag in (False, True):
            values[i, int(flag)] = table.get((str(category), flag), np.nan)
    return values[np.where(cat_codes < 0, len(categories), cat_codes), sewered.astype(np.int64)]


def norm_monthly(persons: np.ndarray, m3_per_person_month: np.ndarray) -> np.ndarray:
    """persons × norm: the premises' m³ per calendar month (0 where no norm is known)."""
    rate = np.asarray(persons, dtype=np.float64) * np.asarray(m3_per_person_month, dtype=np.float64)
    return np.nan_to_num(rate)


def norm_daily_rate(monthly: np.ndarray, t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
    """Per-day pace of the norm over [t0, t1), so that days × pace = the one norm rule.

    There is one norm rule for every use (no meter, a faulty meter without history, an estimate with
    no history): m³/month × calendar months, each month counted as covered days / its own days.  A
    flat 12/365 day would give a 28-day February 5.523 m³ of a 6 m³ norm where norm billing gives 6.
    """
    days = (np.asarray(t1, dtype=np.int64) - np.asarray(t0, dtype=np.int64)) / DAY
    months = month_fraction(np.asarray(t0, dtype=np.int64), np.asarray(t1, dtype=np.int64))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(days > 0, np.asarray(monthly, dtype=np.float64) * months / np.where(days > 0, days, 1.0),
                        0.0)


def norm_quantities(cp: pd.DataFrame, seg: pd.DataFrame, m3_decimals: int) -> pd.DataFrame:
    """Per contract-period: the days not covered by any main meter and their norm quantity.

    Adds ``gap_lead_t0/1``, ``gap_trail_t0/1``, ``norm_months``, ``norm_units`` and ``has_main_meter``.
    """
    main = seg.loc[seg["role"] == "main", ["cp_id", "s0", "s1"]]
    ids = main["cp_id"].to_numpy()
    first_t = np.full(len(cp), np.iinfo(np.int64).max)
    last_t = np.full(len(cp), np.iinfo(np.int64).min)
    np.minimum.at(first_t, ids, main["s0"].to_numpy())
    np.maximum.at(last_t, ids, main["s1"].to_numpy())
    has_main = np.bincount(ids, minlength=len(cp)) > 0
    start = cp["start_t"].to_numpy()
    end = cp["end_t"].to_numpy()
    first_t = np.where(has_main, first_t, end).astype(np.int64)
    last_t = np.where(has_main, last_t, end).astype(np.int64)
    water = cp["water_service"].to_numpy(dtype=bool)
    out = cp[["cp_id"]].copy()
    out["has_main_meter"] = has_main
    out["gap_lead_t0"] = start
    out["gap_lead_t1"] = np.where(water, first_t, start)
    out["gap_trail_t0"] = np.where(water, last_t, end)
    out["gap_trail_t1"] = end
    months = (month_fraction(out["gap_lead_t0"].to_numpy(), out["gap_lead_t1"].to_numpy())
              + month_fraction(out["gap_trail_t0"].to_numpy(), out["gap_trail_t1"].to_numpy()))
    out["norm_months"] = months
    persons = cp["persons"].fillna(0).to_numpy(dtype=np.float64)
    norm = cp["norm_m3_per_person_month"].to_numpy(dtype=np.float64)
    out["norm_missing"] = (months > 0) & np.isnan(norm)
    out["norm_units"] = to_scaled(np.nan_to_num(persons * norm * months), 10**m3_decimals)
    return out
