"""Apator/AMT Topas ES KR (AMT): year-period and month-period readings with their end dates.

The due-date summary stays on the year period (storage 1, as the generic rule gives); the month
period (storage 3) is published next to it for utilities that bill monthly."""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ..records import DataRecord
from ._qds import COMMON, INST, error_flags, picker, read, start


def _custom(r: DataRecord) -> str | None:
    if r.quantity == "volume" and r.storage == 1 and r.tariff == 1 and not r.vifes and not r.subunit:
        return "+reverse_volume_year_period_m3"
    return None


_PICKER = picker({**COMMON, ("access_number", 0, INST): "access", ("volume_flow", 0, INST): "+current_flow_m3h",
                ("flow_temperature", 0, INST): "+temperature_c",
                ("remaining_battery_life", 0, INST): "+remaining_battery_life_d",
                ("date", 1, INST): "+meter_year_period_end_date", ("volume", 1, INST): "+volume_year_period_m3",
                ("datetime", 3, INST): "+meter_month_period_end_datetime",
                ("volume", 3, INST): "+volume_month_period_m3"},
               _custom)


def decode(t: Telegram, ctx: DriverContext) -> None:
    found = read(t, _PICKER)
    flags = start(t)
    access = found.get("access")
    if access is not None and access.raw:
        t.extra["access_counter"] = int.from_bytes(access.raw, "little")  # a counter, never negative
    error_flags(t, flags, found)


DRIVER = Driver(
    name="topaseskr",
    signatures=signatures("AMT F1 06", "AMT F1 07"),
    decode=decode,
    fields=("meter_datetime", "access_counter", "current_flow_m3h", "temperature_c", "remaining_battery_life_d",
            "meter_year_period_end_date", "volume_year_period_m3", "meter_month_period_end_datetime",
            "volume_month_period_m3", "reverse_volume_year_period_m3", "status_flags"),
    description="Apator Topas ES KR water meters",
)
