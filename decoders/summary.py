"""The water summary every consumer wants: total, due-date value and date, flow, alarms.

Conventions (reference, "total_m3 by convention"): the total is the first instantaneous volume
at storage 0, tariff 0, subunit 0 with no combinable VIFE; the due-date value is the same at
storage 1, dated by the storage-1 date record.
"""

from __future__ import annotations

from .model import Telegram

# TPL status byte bits (EN 13757-3); bits 7:5 are manufacturer specific and left to drivers.
_STATUS_LOW = {0b10: "ERROR", 0b11: "ALARM"}
_STATUS_BITS = ((0x04, "LOW_BATTERY"), (0x08, "PERMANENT_ERROR"), (0x10, "TEMPORARY_ERROR"))


def fill_water_summary(t: Telegram) -> None:
    total = target = flow = None
    target_date = None
    for r in t.records:
        if r.tariff or r.subunit or r.vifes or r.function != "instantaneous":
            continue
        q = r.quantity
        numeric = type(r.value) in (int, float)
        if q == "volume" and r.unit == "m3" and numeric:
            if r.storage == 0:
                if total is None:
                    total = r.value
            elif r.storage == 1 and target is None:
                target = r.value
        elif q == "volume_flow" and r.storage == 0 and flow is None and numeric:
            flow = _to_m3h(r.value, r.unit)
        elif (q == "date" or q == "datetime") and r.storage == 1 and target_date is None and type(r.value) is str:
            target_date = r.value[:10]
    if total is not None:
        t.total_m3 = float(total)
    if target is not None:
        t.target_m3 = float(target)
    if target_date is not None:
        t.target_date = target_date
    if flow is not None:
        t.flow_m3h = flow


def _to_m3h(value: float | int | None, unit: str) -> float | None:
    if value is None:
        return None
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
