"""Zenner minomess (ZRI version 0x00): the due-date reading is storage 8, storage 0 holds the
meter's own date; the storage-8 reading is all-F (invalid) until the first due date passes."""

from __future__ import annotations

from ..driver_api import Driver, Signature
from ..model import DriverContext, Telegram
from ._qds import COMMON, INST, error_flags, picker, read, set_target, start

_PICKER = picker({**COMMON, ("date", 8, INST): "due_date", ("volume", 8, INST): "due_m3"})


def decode(t: Telegram, ctx: DriverContext) -> None:
    found = read(t, _PICKER)
    flags = start(t)
    set_target(t, found, "due_date", "due_m3")
    error_flags(t, flags, found)


DRIVER = Driver(
    name="minomess",
    signatures=(Signature("ZRI", version=0x00, device_type=0x07), Signature("ZRI", version=0x00, device_type=0x06)),
    decode=decode,
    fields=("meter_date", "meter_datetime", "status_flags"),
    description="Zenner minomess water meters",
)
