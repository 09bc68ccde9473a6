"""Helpers shared by the D1 drivers (Apator, Techem, Bmeters).

Kept small and cheap on purpose: a driver runs for every telegram the van hears, so register
lookups go through the core's per-layout record picker (`decoders.picks.RecordPicker`), which
decides once per layout which records a driver wants and then decodes only those; nothing here
parses with construct or regex.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Mapping
from functools import lru_cache

from ..dates import decode_point_in_time
from ..errors import DecodeError
from ..model import Telegram
from ..picks import RecordPicker
from ..records import DataRecord

Found = dict[Hashable, tuple[bytes, bytes, bytes]]  # name -> (DIF bytes, VIF bytes, raw data)
CLOCK = {b"\x6d": "meter_datetime"}
BCD_CODINGS = frozenset((0x9, 0xA, 0xB, 0xC, 0xE))

# Zero-padded two-digit strings: a tuple lookup is far cheaper than a format spec per call.
TWO_DIGITS = tuple(f"{i:02d}" for i in range(100))
# Alarm names the core derives from STS bits 1:0 (EN 13757-3 "error" / "alarm").
STS_LOW_ALARMS = {0b10: "ERROR", 0b11: "ALARM"}


def vif_picker(wanted: Mapping[bytes, str]) -> RecordPicker:
    """A picker for the plain registers named by their VIF bytes (VIFEs included).

    Only plain records are picked: one DIF byte with no extension, storage 0 and function
    "instantaneous", the registers the reference prints. The choice reads headers only, so the
    core's picker makes it once per layout.
    """
    names = dict(wanted)

    def select(r: DataRecord) -> str | None:
        dif = r.dif
        if len(dif) != 1 or dif[0] & 0xF0:
            return None
        return names.get(r.vif)

    return RecordPicker(select)


def registers(t: Telegram, picker: RecordPicker) -> Found:
    """{name: (DIF, VIF, raw)} of the driver's registers, full and compact frames alike; the
    values stay undecoded because these drivers read flag words and digits from the bytes."""
    return picker.pick_raw(t)


def data(reg: tuple[bytes, bytes, bytes]) -> bytes:
    """The data field of a register, without the LVAR byte of a variable-length one."""
    raw = reg[2]
    return raw[1:] if reg[0][0] & 0x0F == 0x0D else raw


def put_meter_datetime(t: Telegram, found: Found) -> None:
    """Crews compare the meter clock with the van's to spot meters whose clock drifted."""
    reg = found.get("meter_datetime")
    if reg is None or (reg[0][0] & 0x0F) in BCD_CODINGS:
        return
    raw = data(reg)
    if len(raw) in (2, 4, 6):
        value = decode_point_in_time(raw)
        if value is not None:
            t.extra["meter_datetime"] = value


def as_int(reg: tuple[bytes, bytes, bytes]) -> int | None:
    """Binary integers unsigned (flag words), BCD as decimal digits; None for an invalid BCD."""
    raw = data(reg)
    if (reg[0][0] & 0x0F) in BCD_CODINGS:
        digits = raw[::-1].hex()
        return int(digits) if digits.isdigit() else None
    return int.from_bytes(raw, "little")


def as_signed(reg: tuple[bytes, bytes, bytes]) -> int | None:
    """A numeric register as the core reads it: binary two's complement, or BCD with an F sign."""
    raw = data(reg)
    low = reg[0][0] & 0x0F
    if low in BCD_CODINGS:
        digits = raw[::-1].hex()
        if digits.isdigit():
            return int(digits)
        if digits[:1] == "f" and digits[1:].isdigit():
            return -int(digits[1:])
        return None
    if low == 5:
        return None  # real32 registers are not needed by these drivers
    return int.from_bytes(raw, "little", signed=True)


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
