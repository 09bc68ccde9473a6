"""Billing periods: which contracts are billed in a run, and for which dates.

A run is named by its closing month (``2026-10``).  A contract with a cycle of n months (1, 2 or 3,
any n dividing 12 works) closes a cycle in month M when ``(M − anchor) mod n = 0``; the anchor month
(default from settings, 12) keeps cycles aligned to the calendar year, so 2-month cycles are Jan–Feb,
Mar–Apr, … and 3-month cycles are quarters.  A contract may instead list custom periods (cycle_months
0 plus rows in ``billing_periods``); a custom period is billed in the run of the month holding its
last day.  A contract that ends inside a cycle is settled in the run of the month in which it ends,
because the customer's final invoice should not wait for a cycle that never closes.

Instants are int64 seconds of local wall-clock time: a period runs from 00:00 of its first day to
00:00 of the day after its last day, which is also the instant a reading must be valued at.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from billing_rules.keys import positions

DAY = 86_400
NO_END = np.iinfo(np.int64).max // 4  # "open-ended" instant, safely larger than any real one


def date_seconds(values: pd.Series | np.ndarray) -> np.ndarray:
    """Dates or datetimes as int64 seconds; missing values become -1 so callers can mask them."""
    arr = np.asarray(pd.to_datetime(pd.Series(values)).to_numpy(dtype="datetime64[s]"))
    out = arr.astype(np.int64)
    out[np.isnat(arr)] = -1
    return out


def seconds_to_day(t: np.ndarray) -> np.ndarray:
    """Instants in seconds to datetime64[D], flooring to the calendar day."""
    return (np.asarray(t, dtype=np.int64) // DAY).astype("datetime64[D]")


def month_fraction(start_t: np.ndarray, end_t: np.ndarray) -> np.ndarray:
    """Calendar months covered by [start, end): each month counts covered days / days in that month.

    Norms (m³/person/month) and the abonament (zł/month) are monthly; prorating by days within each
    calendar month is what "prorated by days" means for a customer reading the invoice: 21 days of
    October are 21/31 of a month, 21 days of February 2026 are 21/28.
    """
    frac = np.zeros(len(start_t), dtype=np.float64)
    valid = np.asarray(end_t) > np.asarray(start_t)
    if not valid.any():
        return frac
    sel = np.flatnonzero(valid)  # most norm gaps are empty: work only on the real intervals
    start_d = seconds_to_day(np.asarray(start_t)[sel])
    end_d = seconds_to_day(np.asarray(end_t)[sel])
    first_month = start_d.astype("datetime64[M]")
    last_month = (end_d - np.timedelta64(1, "D")).astype("datetime64[M]")
    span = last_month.astype(np.int64) - first_month.astype(np.int64)
    part = np.zeros(len(sel), dtype=np.float64)
    for k in range(int(span.max()) + 1):
        m0 = (first_month + np.timedelta64(k, "M")).astype("datetime64[D]")
        m1 = (first_month + np.timedelta64(k + 1, "M")).astype("datetime64[D]")
        days = np.clip((np.minimum(end_d, m1) - np.maximum(start_d, m0)).astype(np.int64), 0, None)
        part += days / (m1 - m0).astype(np.int64)
    frac[sel] = part
    return frac


def run_periods(contracts: pd.DataFrame, billing_periods: pd.DataFrame, period: str,
                default_anchor_month: int) -> pd.DataFrame:
    """Contract-periods billed in the run closing in ``period`` (YYYY-MM).

    Returns one row per contract and period with ``contract_pos`` (row of ``contracts``),
    ``period_start``/``period_end`` (dates, inclusive), ``start_t``/``end_t`` (instants, end
    exclusive), ``days`` and ``months``.
    """
    run_month = np.datetime64(period, "M")
    m_idx = int(run_month.astype(np.int64))
    month_end_day = (run_month + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")
    c = contracts
    start = c["start_date"].to_numpy(dtype="datetime64[D]")
    end = c["end_date"].to_numpy(dtype="datetime64[D]")
    end_open = np.isnat(end)
    cycle = c["cycle_months"].fillna(0).to_numpy(dtype=np.int64)
    anchor = c["cycle_anchor_month"].fillna(default_anchor_month).to_numpy(dtype=np.int64)

    cyc = cycle > 0
    n = np.where(cyc, cycle, 1)
    closes = cyc & (((m_idx - (anchor - 1)) % n) == 0)
    end_month = np.where(end_open, np.int64(-10**9), end.astype("datetime64[M]").astype(np.int64))
    final = cyc & ~closes & (end_month == m_idx)
    # the cycle holding the run month ends at the first month >= run month that closes a cycle
    ahead = (n - ((m_idx - (anchor - 1)) % n)) % n
    cycle_end_idx = m_idx + ahead
    cycle_start_idx = cycle_end_idx - n + 1
    cycle_start = cycle_start_idx.astype("datetime64[M]").astype("datetime64[D]")

    # a contract that ended in an earlier month was settled in that month's run
    take = (closes | final) & (end_open | (end_month >= m_idx))
    capped_end = np.where(end_open, month_end_day, np.minimum(month_end_day, end))
    rows = pd.DataFrame({
        "contract_pos": np.flatnonzero(take),
        "period_start": np.maximum(cycle_start[take], start[take]),
        "period_end": capped_end[take],
    })

    if len(billing_periods):
        bp = billing_periods
        bp_end = bp["period_end"].to_numpy(dtype="datetime64[D]")
        pos = positions(bp["contract_id"], c["contract_id"])
        sel = (bp_end.astype("datetime64[M]") == run_month) & (pos >= 0)
        sel &= ~cyc[np.clip(pos, 0, None)]
        pos = pos[sel]
        pe = bp_end[sel]
        custom = pd.DataFrame({
            "contract_pos": pos,
            "period_start": np.maximum(bp["period_start"].to_numpy(dtype="datetime64[D]")[sel], start[pos]),
            "period_end": np.where(np.isnat(end[pos]), pe, np.minimum(pe, end[pos])),
        })
        if len(custom):
            rows = pd.concat([rows, custom], ignore_index=True)

    ps = rows["period_start"].to_numpy(dtype="datetime64[D]")
    pe = rows["period_end"].to_numpy(dtype="datetime64[D]")
    rows = rows.loc[pe >= ps].reset_index(drop=True)
    ps = rows["period_start"].to_numpy(dtype="datetime64[D]")
    pe = rows["period_end"].to_numpy(dtype="datetime64[D]")
    rows["period_start"] = ps.astype("datetime64[s]")
    rows["period_end"] = pe.astype("datetime64[s]")
    rows["start_t"] = ps.astype("datetime64[s]").astype(np.int64)
    rows["end_t"] = (pe + np.timedelta64(1, "D")).astype("datetime64[s]").astype(np.int64)
    rows["days"] = (pe - ps).astype(np.int64) + 1
    rows["months"] = month_fraction(rows["start_t"].to_numpy(), rows["end_t"].to_numpy())
    rows["period"] = period
    rows = rows.sort_values(["contract_pos", "period_start"], kind="stable").reset_index(drop=True)
    rows.insert(0, "cp_id", np.arange(len(rows), dtype=np.int64))  # cp_id is also the row position
    return rows
