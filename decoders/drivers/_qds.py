"""Helpers shared by the D3 drivers (Qundis, Kamstrup, Zenner, Engelmann and smaller families).

Drivers read their registers through a `_qds_plan.Plans` (a dict name -> (value, raw)); the
helpers here turn those into summary fields, extras and status flags without building anything
per telegram beyond the output values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..model import Telegram
from ._qds_plan import Found, RecordKey

INST = "instantaneous"

# Registers most drivers read: the meter clock (or date), published as is, and the FD 17 error
# flags. Crews compare the meter clock with the van's to spot meters whose clock drifted.
COMMON: dict[RecordKey, str] = {
    ("datetime", 0, INST): "+meter_datetime",
    ("date", 0, INST): "+meter_date",
    ("error_flags", 0, INST): "error_flags",
}

# The texts the reference prints for the EN 13757-3 STS bits; the core already turns the same
# bits into normalised alarms, these are the manufacturer-facing flag texts.
_STS_LOW = {0b01: "BUSY", 0b10: "ERROR", 0b11: "ALARM"}
_STS_BITS = ((0x04, "POWER_LOW"), (0x08, "PERMANENT_ERROR"), (0x10, "TEMPORARY_ERROR"))
_NUMBER = (int, float)

FlagTable = Sequence[tuple[int, str, str | None]]


def num(found: Found, name: str) -> float | None:
    """A numeric register as float; None when absent or flagged invalid by the meter."""
    hit = found.get(name)
    if hit is None or type(hit[0]) not in _NUMBER:
        return None
    return float(hit[0])


def text(found: Found, name: str) -> str | None:
    hit = found.get(name)
    if hit is None or type(hit[0]) is not str:
        return None
    return hit[0]


def put(t: Telegram, name: str, value: Any) -> None:
    """Extras that the meter did not send (or sent as invalid) are left out, not printed as null."""
    if value is not None:
        t.extra[name] = value


def start(t: Telegram) -> list[str]:
    """The STS flag texts, which every D3 driver publishes; returns the list to extend."""
    flags = sts_texts(t.sts)
    t.extra["status_flags"] = flags
    return flags


def set_target(t: Telegram, found: Found, date_name: str, value_name: str) -> bool:
    """Use the named registers as the due-date reading; True when the date was valid.

    Meters that keep the billing value outside storage 1 would otherwise get the generic summary's
    storage-1 value (often an invalid marker) printed as their due-date reading.
    """
    date = text(found, date_name)
    value = num(found, value_name)
    if date is None and value is None:
        return False
    t.target_m3 = value
    t.target_date = None if date is None else date[:10]
    return date is not None


def sts_texts(sts: int | None) -> list[str]:
    """The manufacturer-neutral STS bit names, in the order the reference prints them."""
    if not sts:
        return []
    out: list[str] = []
    low = _STS_LOW.get(sts & 0x03)
    if low:
        out.append(low)
    for bit, name in _STS_BITS:
        if sts & bit:
            out.append(name)
    return out


def error_flags(t: Telegram, flags: list[str], found: Found, table: FlagTable = ()) -> None:
    """Decode the `FD 17` error-flag record into flag texts and normalised alarms.

    A table entry applies when all bits of its mask are set (some texts are known only for a
    bit pair). Set bits no applied entry explains are kept as `ERROR_FLAGS_<hex>` (the
    reference's spelling) for the crew to read, but raise no normalised alarm: billing filters
    on those names, and an unexplained bit must not put a meter on the faulty list.
    """
    hit = found.get("error_flags")
    if hit is None or type(hit[0]) is not int:
        return
    value = hit[0]
    rest = value
    for mask, name, alarm in table:
        if value & mask == mask:
            rest &= ~mask
            flags.append(name)
            if alarm:
                t.add_alarm(alarm)
    if rest:
        flags.append(f"ERROR_FLAGS_{rest:X}")
