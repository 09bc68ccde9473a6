"""What the Diehl standard-record meters (hydrus, dme173, dme_07) share: due-date choice, extras
named as the reference prints them, and status."""

from __future__ import annotations

from collections.abc import Callable

from ..model import Telegram
from ._dhl import (
    DAYS_PER_GREGORIAN_YEAR,
    TO_HOURS,
    TO_SECONDS,
    Record,
    RenameSpec,
    Selection,
    error_flags,
    finish_status,
    first,
    key,
    sts_flags,
    target_from_datetime_storage,
)


def diehl_spec(date_name: str, volume_stem: str) -> RenameSpec:
    """The storage-1 date becomes `date_name` and its volumes `total_{volume_stem}_m3` /
    `total_tariff{n}_{volume_stem}_m3`, as the reference prints them per family (hydrus: at_date;
    dme173: set_date, at_set_date)."""
    spec: RenameSpec = {
        key("flow_temperature"): ("flow_temperature_c", 1.0),
        key("external_temperature"): ("external_temperature_c", 1.0),
        key("remaining_battery_life"): ("remaining_battery_life_y", 1 / DAYS_PER_GREGORIAN_YEAR),
        key("customer"): ("customer", None),
        key("datetime"): ("meter_datetime", None),
        key("actuality_duration"): ("actuality_duration_s", TO_SECONDS),
        key("operating_time"): ("operating_time_h", TO_HOURS),
        key("date", 1): (date_name, None),
        key("volume", 1): (f"total_{volume_stem}_m3", 1.0),
    }
    for tariff in (1, 2, 3):
        spec[key("volume", tariff=tariff)] = (f"total_tariff{tariff}_m3", 1.0)
        spec[key("volume", 1, tariff=tariff)] = (f"total_tariff{tariff}_{volume_stem}_m3", 1.0)
    return spec


def _due_candidate(r: Record) -> bool:
    """Exactly the records `target_from_datetime_storage` weighs: plain instantaneous volumes
    (m3) and date-times above storage 0; no other record is built for it."""
    return (r.storage >= 1 and r.function == "instantaneous" and not (r.tariff or r.subunit or r.vifes)
            and ((r.quantity == "volume" and r.unit == "m3") or r.quantity == "datetime"))


def diehl_plans(spec: RenameSpec, also: Callable[[Record], bool] | None = None) -> Selection:
    """Error flags, due-date candidates and `spec`, plus the records `also` accepts (headers
    only) that a driver inspects."""
    if also is None:
        return Selection(spec, ("error_flags",), _due_candidate)
    return Selection(spec, ("error_flags",), lambda r: _due_candidate(r) or also(r))


def diehl_records(t: Telegram, records: list[Record]) -> None:
    target_from_datetime_storage(t, records)
    sts_flags(t)
    error_flags(t, first(records, "error_flags", plain_only=False))
    finish_status(t)


FIELDS = ("target_datetime", "flow_temperature_c", "external_temperature_c", "remaining_battery_life_y",
          "customer", "meter_datetime", "actuality_duration_s", "operating_time_h", "total_tariffN_m3",
          "status_flags")
