"""Wehrle modularis water meters (WZG) read over wired M-Bus: 13 dated due-date readings.

Each storage 1..13 pairs a date with a reading; storage 1 is the current due date (the
summary's target) and a "future value" date record announces the next one."""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ..records import DataRecord
from ._qds import COMMON, INST, error_flags, picker, read, start


def _custom(r: DataRecord) -> str | None:
    return "+next_target_date" if r.quantity == "date" and r.vifes == ("future_value",) else None


_PICKER = picker({**COMMON, ("fabrication_no", 0, INST): "+fabrication_no",
                **{("volume", s, INST): f"+target_{s}_m3" for s in range(1, 14)},
                **{("date", s, INST): f"+target_{s}_date" for s in range(1, 14)}},
               _custom)


def decode(t: Telegram, ctx: DriverContext) -> None:
    found = read(t, _PICKER)
    error_flags(t, start(t), found)


DRIVER = Driver(
    name="werhlemodwm",
    signatures=signatures("WZG 03 16"),
    decode=decode,
    fields=("meter_datetime", "fabrication_no", "next_target_date", "target_N_m3", "target_N_date", "status_flags"),
    description="Wehrle modularis water meters (wired M-Bus)",
)
