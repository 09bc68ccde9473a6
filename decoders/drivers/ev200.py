"""Elster EV200 (ELR version 0x0D): BCD total and due-date reading, then manufacturer data
whose layout no vector explains; it is kept as hex for later analysis, not interpreted."""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ..records import DataRecord
from ._qds import COMMON, error_flags, picker, put, read, start, text


def _custom(r: DataRecord) -> str | None:
    return "mfct" if r.quantity == "manufacturer_data" else None


_PICKER = picker(COMMON, _custom)


def decode(t: Telegram, ctx: DriverContext) -> None:
    found = read(t, _PICKER)
    error_flags(t, start(t), found)
    put(t, "manufacturer_data_hex", text(found, "mfct"))


DRIVER = Driver(
    name="ev200",
    signatures=signatures("ELR 0D 07"),
    decode=decode,
    fields=("meter_datetime", "manufacturer_data_hex", "status_flags"),
    description="Elster EV200 water meter",
)
