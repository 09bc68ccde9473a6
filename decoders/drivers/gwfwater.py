"""GWF water meters and radio modules (GWF type 0x0E module, version 0x3C meters).

A trailing manufacturer record holds the GWF status: byte 0 its layout version (only 1 is known),
byte 1 status bits (0x20 = battery low, seen with a zero battery life), byte 2 bit 0 the power
mode (set = saving) and bits 4-7 the battery life in years. A layout other than 1 is reported as
UNKNOWN_MFCT_STATUS_n, as the reference does, with no battery figure.
"""

from __future__ import annotations

from ..alarms import LOW_BATTERY
from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ._dhl import TO_SECONDS, Selection, add_flag, error_flags, finish_status, first, key, sts_flags

_SPEC = {key("actuality_duration"): ("actuality_duration_s", TO_SECONDS)}
_BATTERY_LOW = 0x20
_PLANS = Selection(_SPEC, ("manufacturer_data", "error_flags"))


def _status(t: Telegram, mfct: bytes) -> None:
    if len(mfct) < 3:
        return
    if mfct[0] != 1:
        add_flag(t, f"UNKNOWN_MFCT_STATUS_{mfct[0]}", None)
        return
    status, power = mfct[1], mfct[2]
    t.extra["battery_y"] = power >> 4
    t.extra["power_mode"] = "SAVING" if power & 0x01 else "NORMAL"
    if status & _BATTERY_LOW:
        add_flag(t, "BATTERY_LOW", LOW_BATTERY)
    if status & ~_BATTERY_LOW:
        add_flag(t, f"UNKNOWN_MFCT_STATUS_BITS_0x{status & ~_BATTERY_LOW & 0xFF:02X}", None)


def decode(t: Telegram, ctx: DriverContext) -> None:
    records = _PLANS.select(t, ctx.payload)
    mfct = first(records, "manufacturer_data")
    if mfct is not None:
        _status(t, mfct.raw)
    sts_flags(t)
    error_flags(t, first(records, "error_flags", plain_only=False))
    finish_status(t)


DRIVER = Driver(
    name="gwfwater",
    signatures=signatures("GWF 01 0E", "GWF 3C 07"),
    decode=decode,
    fields=("actuality_duration_s", "battery_y", "power_mode", "status_flags"),
    description="GWF water meters and radio modules",
)
