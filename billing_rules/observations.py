"""Register observations: every value a meter told us, with the instant it is valid for.

A reading row yields up to two observations: the current register (``total_m3`` at ``read_at``) and
the due-date register (``target_m3`` at the end, or start, of ``target_date``).  The due-date value
is what the meter itself froze at the billing date, so when both exist for one instant the due-date
register wins.  Observations the meter could not be trusted for are dropped before any lookup:
those inside a faulty range (the instant the fault begins still shows the working meter's register),
before installation or after removal (the latter are reported).

Lookups are vectorised binary searches on a single sorted int64 key ``meter_code << 34 | seconds``;
this is what lets a million meters be valued at their period boundaries in about a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from billing_rules.keys import codes
from billing_rules.periods import DAY

SHIFT = 34  # seconds since 1970 stay below 2**34 until the year 2514; codes below 2**26 keep key*8 in int64
SOURCE_LABELS = ("due-date register", "van", "customer", "manual", "import")
SOURCE_DUE_DATE = 0


@dataclass
class Observations:
    """Sorted, de-duplicated, trustworthy observations."""

    key: np.ndarray
    code: np.ndarray
    t: np.ndarray
    value: np.ndarray
    source: np.ndarray  # index into SOURCE_LABELS
    reading_row: np.ndarray  # row of the readings frame it came from (for explain)

    def __len__(self) -> int:
        return len(self.key)

    def _found(self, idx: np.ndarray, code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.key)
        safe = np.clip(idx, 0, max(n - 1, 0))
        ok = (idx >= 0) & (idx < n)
        if n:
            ok &= self.code[safe] == code
        else:
            ok[:] = False
        return safe, ok

    def last_le(self, code: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index of the last observation at or before t for each meter; and whether one exists."""
        q = (np.asarray(code, dtype=np.int64) << SHIFT) + np.asarray(t, dtype=np.int64)
        return self._found(np.searchsorted(self.key, q, side="right") - 1, code)

    def last_lt(self, code: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index of the last observation strictly before t."""
        q = (np.asarray(code, dtype=np.int64) << SHIFT) + np.asarray(t, dtype=np.int64)
        return self._found(np.searchsorted(self.key, q, side="left") - 1, code)

    def first_ge(self, code: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index of the first observation at or after t."""
        q = (np.asarray(code, dtype=np.int64) << SHIFT) + np.asarray(t, dtype=np.int64)
        return self._found(np.searchsorted(self.key, q, side="left"), code)

    def first_of(self, code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index of the meter's earliest observation."""
        q = np.asarray(code, dtype=np.int64) << SHIFT
        return self._found(np.searchsorted(self.key, q, side="left"), code)


def due_date_instant(target_date: pd.Series, convention: str) -> np.ndarray:
    """Instant a due-date register is valid for: end of the target day (default) or its start."""
    days = target_date.to_numpy(dtype="datetime64[D]")
    if convention == "end_of_day":
        days = days + np.timedelta64(1, "D")
    t = days.astype("datetime64[s]").astype(np.int64)
    t[np.isnat(days)] = -1
    return t


def build_observations(readings: pd.DataFrame, meter_code: np.ndarray, install_t: np.ndarray,
                       removal_t: np.ndarray, fault_from_t: np.ndarray, fault_to_t: np.ndarray,
                       convention: str) -> Observations:
    """Turn readings into trustworthy observations.

    ``meter_code`` is the code of each reading's meter (-1 for meters not in master data); the other
    arrays are indexed by meter code.
    """
    source_idx = {label: i for i, label in enumerate(SOURCE_LABELS)}
    src_codes, src_values = codes(readings["source"])
    lookup = np.array([source_idx.get(v, source_idx["import"]) for v in src_values] + [source_idx["import"]])
    src = lookup[src_codes]
    rows = np.arange(len(readings), dtype=np.int64)
    read_t = readings["read_at"].to_numpy(dtype="datetime64[s]").astype(np.int64)
    total = readings["total_m3"].to_numpy(dtype=np.float64)
    target = readings["target_m3"].to_numpy(dtype=np.float64)
    target_t = due_date_instant(readings["target_date"], convention)

    have_total = (meter_code >= 0) & ~np.isnan(total)
    have_target = (meter_code >= 0) & ~np.isnan(target) & (target_t >= 0)
    code = np.concatenate([meter_code[have_total], meter_code[have_target]])
    t = np.concatenate([read_t[have_total], target_t[have_target]])
    value = np.concatenate([total[have_total], target[have_target]])
    source = np.concatenate([src[have_total], np.full(int(have_target.sum()), SOURCE_DUE_DATE)])
    row = np.concatenate([rows[have_total], rows[have_target]])

    keep = (t >= install_t[code]) & (t <= removal_t[code])
    # a value valid at the very instant the fault begins (a due-date register frozen at the end of
    # the day before faulty_from) was still measured by the working meter: it closes the healthy part
    keep &= ~((t > fault_from_t[code]) & (t < fault_to_t[code]))
    code, t, value, source, row = code[keep], t[keep], value[keep], source[keep], row[keep]

    key = (code << SHIFT) + t
    # one sort on key*8+source: the due-date register (source 0) comes first within one instant
    order = np.argsort((key << 3) + source, kind="stable")
    key, code, t, value, source, row = key[order], code[order], t[order], value[order], source[order], row[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    if not len(key):
        # one sentinel that matches no meter keeps every lookup free of empty-array special cases
        return Observations(key=np.array([-1], dtype=np.int64), code=np.array([-1], dtype=np.int64),
                            t=np.array([0], dtype=np.int64), value=np.array([np.nan]),
                            source=np.array([0], dtype=np.int64), reading_row=np.array([-1], dtype=np.int64))
    return Observations(key=key[first], code=code[first], t=t[first], value=value[first],
                        source=source[first], reading_row=row[first])


def unwrap_delta(delta: np.ndarray, rollover_m3: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Add one register turn where a drop is larger than half the register: that is a rollover.

    A smaller drop is left negative on purpose: it is backflow or a wrong reading and must be flagged.
    """
    roll = np.asarray(rollover_m3, dtype=np.float64)
    rolled = ~np.isnan(roll) & (delta < -roll / 2)
    return np.where(rolled, delta + np.where(np.isnan(roll), 0.0, roll), delta), rolled


def days_between(t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
    """Elapsed days as float, for daily averages."""
    return (np.asarray(t1, dtype=np.int64) - np.asarray(t0, dtype=np.int64)) / DAY
