"""Elster/Honeywell eMerlin 868 radio module (ELR, type 0x37): standard OMS records.

The module reports its due-date register even before the first due date, as 0x80000000 with
date 2000-00-00; the reference prints those raw, and so do we: billing rules decide what an
unset register means, the decoder must not invent a value."""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ._qds import COMMON, error_flags, picker, read, start

_PICKER = picker(COMMON)


def decode(t: Telegram, ctx: DriverContext) -> None:
    found = read(t, _PICKER)
    error_flags(t, start(t), found)


DRIVER = Driver(
    name="emerlin868",
    signatures=signatures("ELR 11 37", "ELR 12 37"),
    decode=decode,
    fields=("meter_datetime", "status_flags"),
    description="Elster eMerlin 868 water radio module",
)
