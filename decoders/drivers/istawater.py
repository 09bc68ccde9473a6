"""ista water meters (IST): the billing reading sits in storage 2 with its own date record."""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ._qds import COMMON, INST, error_flags, picker, read, set_target, start

_PICKER = picker({**COMMON, ("date", 2, INST): "due_date", ("volume", 2, INST): "due_m3"})


def decode(t: Telegram, ctx: DriverContext) -> None:
    found = read(t, _PICKER)
    flags = start(t)
    set_target(t, found, "due_date", "due_m3")
    error_flags(t, flags, found)


DRIVER = Driver(
    name="istawater",
    signatures=signatures("IST 31 07"),
    decode=decode,
    fields=("meter_datetime", "status_flags"),
    description="ista water meters (domaqua/istameter, storage-2 due date)",
)
