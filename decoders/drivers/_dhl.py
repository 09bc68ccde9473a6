"""Helpers shared by the D2 drivers (Diehl group, Sensus, Itron, Sontex, Maddalena and others).

Most of these meters send standard EN 13757-3 records; the drivers only rename a few of them,
pick the right due-date storage and turn status records into normalised alarms. The helpers
take an explicit record list: the few records a driver selected through its `FieldPlans`
(`_dhl_plan`), never `t.records`, whose access would cost a full parse per telegram.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from functools import lru_cache

from ..alarms import ERROR, LOW_BATTERY, PERMANENT_ERROR, TEMPORARY_ERROR
from ..linklayer import id_from_bytes
from ..media import media_name
from ..model import Telegram
from ..summary import apply_summary, pick_summary
from ._dhl_plan import Record
from ._dhl_plan import RenameSpec as RenameSpec  # re-exported for the drivers
from ._dhl_plan import key as key

DAYS_PER_YEAR = 365.0
# Diehl prints battery life in Gregorian years; the reference decoder agrees to 1e-6 with this.
DAYS_PER_GREGORIAN_YEAR = 365.2425
TO_SECONDS: dict[str, float] = {"s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
TO_HOURS: dict[str, float] = {"s": 1 / 3600, "min": 1 / 60, "h": 1.0, "d": 24.0}

_NUMBER = (int, float)
# What `pick_summary` can choose from: selecting all of these keeps its choice identical to a
# choice over the full record list.
SUMMARY_QUANTITIES = frozenset(("volume", "volume_flow", "date", "datetime"))


def plain(r: Record) -> bool:
    """A record without tariff, subunit or combinable VIFE: the register the quantity names."""
    return not (r.tariff or r.subunit or r.vifes)


def is_number(value: object) -> bool:
    return type(value) in _NUMBER


def first(records: Iterable[Record], quantity: str, storage: int = 0, function: str = "instantaneous",
          plain_only: bool = True) -> Record | None:
    for r in records:
        if r.quantity == quantity and r.storage == storage and r.function == function and (
                not plain_only or plain(r)):
            return r
    return None


def summary_from(t: Telegram, records: list[Record]) -> None:
    """The core's water summary, computed over selected records (which include every
    SUMMARY_QUANTITIES record, so the choice is the core's)."""
    i_total, i_target, i_date, i_flow = pick_summary(records)
    apply_summary(
        t,
        None if i_total is None else records[i_total].value,
        None if i_target is None else records[i_target].value,
        None if i_date is None else records[i_date].value,
        None if i_flow is None else records[i_flow].value,
        "" if i_flow is None else records[i_flow].unit,
    )


def flags(t: Telegram) -> list[str]:
    """The manufacturer's own status words, created on first use."""
    out = t.extra.get("status_flags")
    if out is None:
        out = t.extra["status_flags"] = []
    return out


def add_flag(t: Telegram, text: str, alarm: str | None) -> None:
    f = flags(t)
    if text not in f:
        f.append(text)
    if alarm:
        t.add_alarm(alarm)


def sts_flags(t: Telegram) -> None:
    """Mirror the TPL status alarms (already normalised by the core) as status text."""
    sts = t.sts
    if not sts:
        return
    low = sts & 0x03
    if low == 0b10:
        add_flag(t, "ERROR", None)
    elif low == 0b11:
        add_flag(t, "ALARM", None)
    if sts & 0x04:
        add_flag(t, "POWER_LOW", LOW_BATTERY)
    if sts & 0x08:
        add_flag(t, "PERMANENT_ERROR", PERMANENT_ERROR)
    if sts & 0x10:
        add_flag(t, "TEMPORARY_ERROR", TEMPORARY_ERROR)


def error_flags(t: Telegram, r: Record | None, name: str = "ERROR_FLAGS") -> None:
    """EN 13757-3 error flags (VIF FD 17): bit meanings are the manufacturer's, so any bit set
    is an ERROR and the raw value is kept for the crews; zero means OK."""
    if r is None or type(r.value) is not int:
        return
    if r.value:
        add_flag(t, f"{name}_0x{r.value:X}", ERROR)


def finish_status(t: Telegram) -> None:
    """Every D2 driver reports `status_flags`; an empty list is the reference's "OK"."""
    if "status_flags" not in t.extra:
        t.extra["status_flags"] = []


def target_from_datetime_storage(t: Telegram, records: Iterable[Record]) -> int | None:
    """Diehl meters keep the last due-date reading at the storage that also carries a type F
    date-time (reference: "target_datetime"), not always at storage 1; the storage-1 value is
    then an older (annual) set-date reading. Returns the storage used, if any."""
    volumes: dict[int, float] = {}
    stamps: dict[int, str] = {}
    for r in records:
        if r.function != "instantaneous" or r.storage == 0 or r.tariff or r.subunit or r.vifes:
            continue
        if r.quantity == "volume" and r.unit == "m3" and type(r.value) in _NUMBER:
            volumes.setdefault(r.storage, float(r.value))
        elif r.quantity == "datetime" and type(r.value) is str:
            stamps.setdefault(r.storage, r.value)
    for storage in sorted(stamps):
        if storage in volumes:
            t.target_m3 = volumes[storage]
            t.target_date = stamps[storage][:10]
            t.extra["target_datetime"] = stamps[storage]
            return storage
    return None


def month_end(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


@lru_cache(maxsize=4096)
def months_back(date: str, n: int) -> str | None:
    """`date` (YYYY-MM-DD) moved n months back; a month-end stays a month-end (history dates)."""
    try:
        year, month, day = int(date[0:4]), int(date[5:7]), int(date[8:10])
        last = day == month_end(year, month)
    except ValueError:  # calendar.IllegalMonthError is a ValueError
        return None
    total = year * 12 + (month - 1) - n
    y, m = divmod(total, 12)
    m += 1
    if y < 1:
        return None
    d = month_end(y, m) if last else min(day, month_end(y, m))
    return f"{y:04d}-{m:02d}-{d:02d}"


def swap_diehl_address(t: Telegram, a_field: bytes) -> None:
    """Diehl PRIOS/real-data frames send the link address as version, type, id(4); put it back in
    standard order so the id printed matches the meter's label."""
    if len(a_field) != 6:
        return
    t.id = id_from_bytes(a_field[2:6])
    t.version = a_field[0]
    t.device_type = a_field[1]
    t.media = media_name(a_field[1])
