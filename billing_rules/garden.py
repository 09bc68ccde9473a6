"""Garden submeters (podlicznik): water irretrievably used, deducted from sewage (art. 27 ust. 6).

The deduction needs a submeter that the utility has registered and sealed and whose legalisation is
valid through the period end (docs/billing-sources.md §5: an expired legalisation or a broken seal stops the
deduction without separate notice).  Some utilities count submeters only in a season (Tarnów:
April–October); when ``garden.season_from``/``season_to`` are set, a segment's consumption counts in
proportion to its days inside the season (its daily average), because a submeter is read at period
ends, not at the season's edges.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from billing_rules.periods import DAY
from billing_rules.types import Rules


def season_days(s0: np.ndarray, s1: np.ndarray,
                season: tuple[tuple[int, int], tuple[int, int]] | None) -> np.ndarray:
    """Days of [s0, s1) inside the yearly season window; all days when there is no season."""
    total = (np.asarray(s1) - np.asarray(s0)) / DAY
    if season is None or len(total) == 0:
        return total
    (m_from, d_from), (m_to, d_to) = season
    d0 = (np.asarray(s0, dtype=np.int64) // DAY).astype("datetime64[D]")
    d1 = (np.asarray(s1, dtype=np.int64) // DAY).astype("datetime64[D]")
    y0 = d0.astype("datetime64[Y]").astype(np.int64).min() + 1970
    y1 = d1.astype("datetime64[Y]").astype(np.int64).max() + 1970
    wraps = (m_from, d_from) > (m_to, d_to)
    inside = np.zeros(len(total))
    for year in range(int(y0) - 1, int(y1) + 1):
        w0 = np.datetime64(f"{year:04d}-{m_from:02d}-{d_from:02d}")
        w1 = np.datetime64(f"{year + int(wraps):04d}-{m_to:02d}-{d_to:02d}") + np.timedelta64(1, "D")
        lo = np.maximum(d0, w0)
        hi = np.minimum(d1, w1)
        inside += np.clip((hi - lo).astype(np.int64), 0, None)
    return inside


def garden_deductions(seg: pd.DataFrame, cp: pd.DataFrame, meters: pd.DataFrame,
                      rules: Rules) -> pd.DataFrame:
    """Per garden segment: whether it may be deducted, why not, and the deductible litres."""
    g = seg.loc[seg["role"] == "garden", ["cp_id", "code", "kind", "s0", "s1", "quantity_units"]].copy()
    code = g["code"].to_numpy()
    period_end_day = pd.Series(cp["end_t"].to_numpy() - DAY, index=cp["cp_id"].to_numpy())
    end_t = period_end_day.reindex(g["cp_id"]).to_numpy()
    legal_t = meters["legalised_until_t"].to_numpy()[code]
    registered = meters["registered"].to_numpy(dtype=bool)[code]
    sealed = meters["sealed"].to_numpy(dtype=bool)[code]
    legal_ok = (legal_t >= 0) & (legal_t >= end_t)
    reason = pd.Categorical.from_codes(
        np.select([~registered, ~sealed, legal_t < 0, ~legal_ok], [1, 2, 3, 4], default=0),
        categories=["", "not registered with the utility", "not sealed by the utility",
                    "no legalisation date", "legalisation expired before the period end"])
    eligible = registered & sealed & legal_ok
    in_season = season_days(g["s0"].to_numpy(), g["s1"].to_numpy(), rules.garden_season)
    seg_days = (g["s1"].to_numpy() - g["s0"].to_numpy()) / DAY
    qty = g["quantity_units"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(seg_days > 0, in_season / seg_days, 0.0)
    season_units = np.where(share >= 1.0, qty, np.floor(qty * share + 0.5)).astype(np.int64)
    g["eligible"] = eligible
    g["reason"] = reason
    g["season_days"] = in_season
    g["seg_days"] = seg_days
    g["deductible_units"] = np.where(eligible, season_units, 0)
    return g
