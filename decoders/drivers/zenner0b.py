"""Zenner water meters version 0x0B (ZRI): everything is in the `0F` manufacturer data.

Layout found by matching the vectors' bytes against the reference readings:

    0..3   status word, uint32 LE (0 = OK; bit meanings unknown, shown as STATUS_<hex>)
    4..7   due-date reading, uint32 LE in 1/256 litre
    8..11  total, uint32 LE in 1/256 litre
"""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ..errors import DecodeError
from ..model import DriverContext, Telegram
from ..records import DataRecord
from ._qds import picker, read, start

_MIN = 12
_SCALE = 256 * 1000  # 1/256 litre -> m3


def _custom(r: DataRecord) -> str | None:
    return "mfct" if r.quantity == "manufacturer_data" else None


_PICKER = picker({}, _custom)


def decode(t: Telegram, ctx: DriverContext) -> None:
    found = read(t, _PICKER)
    flags = start(t)
    hit = found.get("mfct")
    if hit is None:
        return
    data = hit.raw
    if len(data) < _MIN:
        raise DecodeError(f"Zenner manufacturer data has {len(data)} bytes, needs {_MIN}", "manufacturer data")
    status = int.from_bytes(data[0:4], "little")
    t.target_m3 = int.from_bytes(data[4:8], "little") / _SCALE
    t.total_m3 = int.from_bytes(data[8:12], "little") / _SCALE
    if status:
        flags.append(f"STATUS_{status:X}")


DRIVER = Driver(
    name="zenner0b",
    signatures=signatures("ZRI 0B 16"),
    decode=decode,
    fields=("status_flags",),
    description="Zenner water meters, version 0x0B (manufacturer-data registers)",
)
