"""Zenner UIWS ultrasonic water meters (ZRI version 0x99).

The due-date reading is storage 30 (its date is the first of the current month); storage 1
is sent as 0x80000000 (no value). A storage-30 inverse compact profile carries the monthly
history: two header bytes (low nibble of the first = value size) then values, newest first,
one month apart; 0x80.. marks a month without a value (printed as null, as the month exists)."""

from __future__ import annotations

from functools import lru_cache

from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ..records import DataRecord
from ._qds import COMMON, INST, error_flags, picker, read, set_target, start

_DUE = 30


def _custom(r: DataRecord) -> str | None:
    if r.storage == _DUE and r.quantity == "volume" and "inverse_compact_profile" in r.vifes:
        return "profile"
    return None


_PICKER = picker({**COMMON, ("date", _DUE, INST): "due_date", ("volume", _DUE, INST): "due_m3",
                ("flow_temperature", 0, INST): "+flow_temperature_c",
                ("external_temperature", 0, INST): "+external_temperature_c"},
               _custom)


_M3 = tuple(f"target_{n}_m3" for n in range(1, 65))
_DATE = tuple(f"target_{n}_date" for n in range(1, 65))


@lru_cache(maxsize=256)
def _month_dates(due_date: str, count: int) -> tuple[str, ...]:
    """The first `count` months before the due date (same day): the profile is monthly.

    Every meter of a reading round shares the due date, so this is computed once per round."""
    year, month, day = int(due_date[:4]), int(due_date[5:7]), due_date[8:10]
    out = []
    for n in range(1, count + 1):
        m = month - 1 - n
        out.append(f"{year + m // 12:04d}-{m % 12 + 1:02d}-{day}")
    return tuple(out)


@lru_cache(maxsize=4096)
def _profile_items(data: bytes, due_date: str | None) -> tuple[tuple[str, float | str | None], ...]:
    """The profile as extra items. A meter's history changes once a month while it is heard on
    every pass, so the decoded items are cached by the profile bytes and due date."""
    if len(data) < 2:
        return ()
    size = data[0] & 0x0F
    if size not in (1, 2, 4):
        return ()
    invalid = 1 << (8 * size - 1)
    values = [int.from_bytes(data[pos : pos + size], "little") for pos in range(2, len(data) - size + 1, size)]
    items: list[tuple[str, float | str | None]] = [
        (_M3[n], None if v == invalid else (v - 2 * invalid if v & invalid else v) / 1000)
        for n, v in enumerate(values[: len(_M3)])
    ]
    if due_date is not None and due_date[:4].isdigit() and due_date[5:7].isdigit() and 1 <= int(due_date[5:7]) <= 12:
        items.extend(zip(_DATE, _month_dates(due_date, min(len(values), len(_DATE))), strict=False))
    return tuple(items)


def decode(t: Telegram, ctx: DriverContext) -> None:
    found = read(t, _PICKER)
    flags = start(t)
    set_target(t, found, "due_date", "due_m3")
    profile = found.get("profile")
    if profile is not None:
        t.extra.update(_profile_items(profile.raw[1:], t.target_date))
    error_flags(t, flags, found)


DRIVER = Driver(
    name="uiws",
    signatures=signatures("ZRI 99 07"),
    decode=decode,
    fields=("meter_datetime", "flow_temperature_c", "external_temperature_c", "target_N_m3", "target_N_date",
            "status_flags"),
    description="Zenner UIWS ultrasonic water meters",
)
