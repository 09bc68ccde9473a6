"""Helpers shared by the D1 drivers (Apator, Techem, Bmeters).

Kept small and cheap on purpose: a driver runs for every telegram the van hears, so register
lookups go through a per-layout plan (`_apa_scan.Picker`), repeated formatting is cached, and
nothing here parses with construct or regex.
"""

from __future__ import annotations

import time
from functools import lru_cache

from ..dates import decode_point_in_time
from ..errors import DecodeError
from ..model import DriverContext, Telegram
from ._apa_scan import BCD_CODINGS, Found, Picker

COMPACT_CIS = frozenset((0x73, 0x79, 0x7B))
CLOCK = {b"\x6d": "meter_datetime"}

# Zero-padded two-digit strings: a tuple lookup is far cheaper than a format spec per call.
TWO_DIGITS = tuple(f"{i:02d}" for i in range(100))
# Alarm names the core derives from STS bits 1:0 (EN 13757-3 "error" / "alarm").
STS_LOW_ALARMS = {0b10: "ERROR", 0b11: "ALARM"}


def registers(t: Telegram, ctx: DriverContext, picker: Picker) -> Found:
    """{name: (DIF, VIF bytes, data)} of the plain registers named by their VIF bytes.

    Full frames go through the driver's `Picker` so that the core's lazy record list is not
    built just for a clock; compact frames have no headers in the payload, but the core has
    already expanded their records, so those are read instead.
    """
    if t.ci not in COMPACT_CIS:
        return picker(ctx.payload)
    wanted = picker.wanted
    out: Found = {}
    for r in t.records:
        if len(r.dif) == 1 and not r.dif[0] & 0xF0:
            name = wanted.get(r.vif)
            if name is not None and name not in out:
                out[name] = (r.dif[0], r.vif, r.raw)
    return out


def put_meter_datetime(t: Telegram, found: Found) -> None:
    """Crews compare the meter clock with the van's to spot meters whose clock drifted."""
    reg = found.get("meter_datetime")
    if reg is not None and (reg[0] & 0x0F) not in BCD_CODINGS and len(reg[2]) in (2, 4, 6):
        value = _point_in_time(reg[2])
        if value is not None:
            t.extra["meter_datetime"] = value


@lru_cache(maxsize=4096)
def _point_in_time(raw: bytes) -> str | None:
    """Meters heard in one drive share few distinct clock minutes: formatting each once is enough."""
    return decode_point_in_time(raw)


def need(data: bytes, size: int, what: str, where: str) -> None:
    """Turn a short proprietary payload into a DecodeError before any slicing can go wrong."""
    if len(data) < size:
        raise DecodeError(f"{what} needs {size} bytes, only {len(data)} present", where)


def unknown_flag(prefix: str, value: int) -> str:
    """Bits whose meaning no source tells us are kept visible rather than dropped."""
    return f"{prefix}{value:02X}"


def drop_sts_low_alarm(t: Telegram) -> None:
    """Undo the core's STS bits 1:0 alarm for meters that use those bits for something else."""
    if t.sts is None:
        return
    name = STS_LOW_ALARMS.get(t.sts & 0x03)
    if name is not None and name in t.alarms:
        t.alarms.remove(name)


@lru_cache(maxsize=8192)
def packed_date(word: int) -> str | None:
    """Techem's 16-bit date: day bits 0-4, month bits 5-8, year-2000 bits 9-15.

    None when the day or month is out of range (a meter that has not passed a due date yet).
    """
    day = word & 0x1F
    month = (word >> 5) & 0x0F
    if not 1 <= month <= 12 or day == 0:
        return None
    return f"{2000 + (word >> 9):04d}-{month:02d}-{day:02d}"


@lru_cache(maxsize=4096)
def _day(days: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(days * 86400))


def unix_minutes(unix: int) -> str:
    """"YYYY-MM-DD HH:MM" of a Unix time; the date part is cached because a drive spans few days."""
    days, rem = divmod(unix, 86400)
    return f"{_day(days)} {TWO_DIGITS[rem // 3600]}:{TWO_DIGITS[rem // 60 % 60]}"
