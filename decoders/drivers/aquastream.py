"""IMT Aquastream water meters (IMT version 0x01): the tariff-1 volume is the backward register
(reference: total_backwards_m3); battery life is printed in 365-day years."""

from __future__ import annotations

from ..driver_api import Driver, Signature
from ..model import DriverContext, Telegram
from ._dhl import DAYS_PER_YEAR, Selection, error_flags, finish_status, first, key, sts_flags

_SPEC = {
    key("datetime"): ("meter_datetime", None),
    key("volume", tariff=1): ("total_backwards_m3", 1.0),
    key("remaining_battery_life"): ("battery_y", 1 / DAYS_PER_YEAR),
}
_PLANS = Selection(_SPEC, ("error_flags",))


def decode(t: Telegram, ctx: DriverContext) -> None:
    records = _PLANS.select(t, ctx.payload)
    sts_flags(t)
    error_flags(t, first(records, "error_flags", plain_only=False))
    finish_status(t)


DRIVER = Driver(
    name="aquastream",
    signatures=(Signature("IMT", version=0x01, device_type=0x07), Signature("IMT", version=0x01, device_type=0x06)),
    decode=decode,
    fields=("meter_datetime", "total_backwards_m3", "battery_y", "status_flags"),
    description="IMT Aquastream water meters",
)
