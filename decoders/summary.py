"""The water summary every consumer wants: total, due-date value and date, flow, alarms.

Conventions (reference, "total_m3 by convention"): the total is the first instantaneous volume
at storage 0, tariff 0, subunit 0 with no combinable VIFE; the due-date value is the same at
storage 1, dated by the storage-1 date record. `pick_summary` chooses the records once per
layout, so `layout.LayoutCache` can reuse the choice for every telegram of that layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .model import Telegram
from .records import DataRecord

# TPL status byte bits (EN 13757-3); bits 7:5 are manufacturer specific and left to drivers.
_STATUS_LOW = {0b10: "ERROR", 0b11: "ALARM"}
_STATUS_BITS = ((0x04, "LOW_BATTERY"), (0x08, "PERMANENT_ERROR"), (0x10, "TEMPORARY_ERROR"))

_NUMERIC_CODINGS = frozenset((0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0x9, 0xA, 0xB, 0xC, 0xE))

Picks = tuple[int | None, int | None, int | None, int | None]


def pick_summary(records: Sequence[DataRecord]) -> Picks:
    """Indices of the (total, target, target date, flow) records, or None for each one absent."""
    total = target = date = flow = None
    for idx, r in enumerate(records):
        if r.tariff or r.subunit or r.vifes or r.function != "instantaneous" or not r.dif:
            continue
        q = r.quantity
        # Chosen by header only, never by value, so the choice holds for a whole layout; an
        # invalid value (all-F BCD, bad date) then yields None rather than another register.
        numeric = (r.dif[0] & 0x0F) in _NUMERIC_CODINGS
        if q == "volume" and r.unit == "m3" and numeric:
            if r.storage == 0:
                if total is None:
                    total = idx
            elif r.storage == 1 and target is None:
                target = idx
        elif q == "volume_flow" and r.storage == 0 and flow is None and numeric:
            flow = idx
        elif (q == "date" or q == "datetime") and r.storage == 1 and date is None and numeric:
            date = idx
    return total, target, date, flow


def apply_summary(t: Telegram, total: Any, target: Any, date: Any, flow: Any, flow_unit: str) -> None:
    if type(total) in (int, float):
        t.total_m3 = float(total)
    if type(target) in (int, float):
        t.target_m3 = float(target)
    if type(date) is str:
        t.target_date = date[:10]
    if type(flow) in (int, float):
        t.flow_m3h = to_m3h(flow, flow_unit)


def fill_water_summary(t: Telegram, records: Sequence[DataRecord] | None = None) -> Picks:
    """Summarise `records` (default: all of the telegram's) into `t`; returns the indices
    chosen, which a layout plan keeps for every later telegram of the same layout."""
    if records is None:
        records = t.records
    picks = pick_summary(records)
    i_total, i_target, i_date, i_flow = picks

    def val(i: int | None) -> Any:
        return None if i is None else records[i].value

    apply_summary(t, val(i_total), val(i_target), val(i_date), val(i_flow),
                  records[i_flow].unit if i_flow is not None else "")
    return picks


def to_m3h(value: float | int, unit: str) -> float:
    if unit == "m3/min":
        return float(value) * 60
    if unit == "m3/s":
        return float(value) * 3600
    return float(value)


def status_alarms(t: Telegram, sts: int) -> None:
    name = _STATUS_LOW.get(sts & 0x03)
    if name:
        t.add_alarm(name)
    for bit, label in _STATUS_BITS:
        if sts & bit:
            t.add_alarm(label)
