"""Watertech (WTT) water meters: standard records; the software version is two ASCII chars."""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ._qds import COMMON, INST, error_flags, picker, read, start

_PICKER = picker({**COMMON, ("software_version", 0, INST): "sw"})


def decode(t: Telegram, ctx: DriverContext) -> None:
    found = read(t, _PICKER)
    error_flags(t, start(t), found)
    sw = found.get("sw")
    if sw is not None and sw.raw and all(0x20 <= b < 0x7F for b in sw.raw):
        t.extra["software_version"] = sw.raw[::-1].decode("ascii")


DRIVER = Driver(
    name="watertech",
    signatures=signatures("WTT 59 07"),
    decode=decode,
    fields=("meter_datetime", "software_version", "status_flags"),
    description="Watertech water meters",
)
