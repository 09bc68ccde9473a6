"""Qundis Q water / QWater 5.5 (QDS): standard 0x7A/0x72 frames and 0x78 walk-by frames.

The billing reading of these meters is the storage-17 register (the last month-end
due date), not storage 1 (the yearly due date), so the driver moves the summary's due-date
reading there. Walk-by frames carry everything in one manufacturer record `0D FF 5F`; its
layout was reverse-engineered from the public vectors (offsets inside the record's data):

    0..11   header (constant bytes 7..9 = 07 C1 13 in every frame seen)
    12..15  total, 8-digit BCD litres
    16..17  yearly due date (type G), 18..21 its reading (BCD litres)
    22..23  storage-17 due date (type G), 24..27 its reading (BCD litres)
    28..    monthly consumption deltas, int16 LE litres, 0x8000 = no value
"""

from __future__ import annotations

from functools import lru_cache

from ..dates import date_g
from ..driver_api import Driver, signatures
from ..errors import DecodeError
from ..model import DriverContext, Telegram
from ..records import DataRecord, bcd_to_int
from ._qds import COMMON, INST, picker, put, read, start

_WALKBY_VIF = b"\xff\x5f"
_WALKBY_MAGIC = b"\x07\xc1\x13"
_WALKBY_MIN = 28
_NO_DELTA = 0x8000
_DELTA_NAMES = tuple(f"volume_delta_{k + 2}_m3" for k in range(64))


def _custom(r: DataRecord) -> str | None:
    if r.vif == _WALKBY_VIF and r.dif == b"\x0d":
        return "walkby"
    if r.quantity == "volume_flow" and not r.storage and not r.tariff:
        return "+volume_flow_m3h"
    return None


_PICKER = picker(
    {**COMMON, ("volume", 1, INST): "+due_date_m3", ("date", 1, INST): "+due_date",
     ("volume", 17, INST): "+due_17_date_m3", ("date", 17, INST): "+due_17_date", ("date", 0, "error"): "+error_date"},
    _custom,
)


def _litres(raw: bytes) -> float | None:
    v = bcd_to_int(raw)
    return None if v is None else v / 1000


def _set_target(t: Telegram, due: tuple[str | None, float | None], due17: tuple[str | None, float | None]) -> None:
    """Storage 17 when it is dated, else the yearly due date; an undated reading bills nothing."""
    t.target_m3 = None
    t.target_date = None
    for date, value in (due17, due):
        if date is not None:
            t.target_date = date
            t.target_m3 = value
            return


def _walkby(t: Telegram, data: bytes) -> None:
    where = "Qundis walk-by record 0D FF 5F"
    if len(data) < _WALKBY_MIN:
        raise DecodeError(f"walk-by record has {len(data)} bytes, the layout needs {_WALKBY_MIN}", where)
    if data[7:10] != _WALKBY_MAGIC:
        raise DecodeError(f"unknown walk-by layout (header {data[:12].hex()})", where, reason="unsupported")
    total = _litres(data[12:16])
    if total is not None:
        t.total_m3 = total
    due = (date_g(data[16:18]), _litres(data[18:22]))
    due17 = (date_g(data[22:24]), _litres(data[24:28]))
    _put_due(t, due, due17)
    _set_target(t, due, due17)
    t.extra.update(_deltas(data[_WALKBY_MIN:]))


@lru_cache(maxsize=4096)
def _deltas(data: bytes) -> tuple[tuple[str, float], ...]:
    """Monthly deltas change once a month while the meter is heard on every pass: cached."""
    out = []
    for k, pos in enumerate(range(0, len(data) - 1, 2)):
        v = data[pos] | data[pos + 1] << 8
        if v != _NO_DELTA:
            out.append((_DELTA_NAMES[k] if k < len(_DELTA_NAMES) else f"volume_delta_{k + 2}_m3",
                        (v - 0x10000 if v & 0x8000 else v) / 1000))
    return tuple(out)


def _put_due(t: Telegram, due: tuple[str | None, float | None], due17: tuple[str | None, float | None]) -> None:
    put(t, "due_date", due[0])
    put(t, "due_date_m3", due[1])
    put(t, "due_17_date", due17[0])
    put(t, "due_17_date_m3", due17[1])


def decode(t: Telegram, ctx: DriverContext) -> None:
    found = read(t, _PICKER)
    start(t)
    walkby = found.get("walkby")
    if walkby is not None:
        _walkby(t, walkby.raw[1:])
        return
    extra = t.extra
    due = (extra.get("due_date"), extra.get("due_date_m3"))
    due17 = (extra.get("due_17_date"), extra.get("due_17_date_m3"))
    if due[1] is not None or due17[1] is not None:
        _set_target(t, due, due17)


DRIVER = Driver(
    name="qwater",
    aliases=("qwaterv2",),
    signatures=signatures("QDS 33 37", "QDS 35 37", "QDS 16 06", "QDS 16 07", "QDS 17 06", "QDS 17 07", "QDS 18 06",
        "QDS 18 07", "QDS 1A 06", "QDS 1A 07", "QDS 1D 06", "QDS 1D 07", "QDS 36 06", "QDS 36 07", "QDS 19 07",
        "LSE 19 07", "LSE 1A 06", "LSE 1A 07", "LSE 1D 06", "LSE 1D 07", "LSE 33 37", "LSE 35 37", "LSE 36 06",
        "LSE 36 07"),
    decode=decode,
    fields=("meter_datetime", "due_date", "due_date_m3", "due_17_date", "due_17_date_m3", "error_date",
            "volume_flow_m3h", "volume_delta_N_m3", "status_flags"),
    description="Qundis QWater / Q water 5.5 (standard and walk-by frames)",
)
