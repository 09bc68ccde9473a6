"""IMT Aquastream water meters (IMT version 0x01): the tariff-1 volume is the backward register
(reference: total_backwards_m3); battery life is printed in 365-day years."""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ._dhl import DAYS_PER_YEAR, Selection, flags_decoder, key

_SPEC = {
    key("datetime"): ("meter_datetime", None),
    key("volume", tariff=1): ("total_backwards_m3", 1.0),
    key("remaining_battery_life"): ("battery_y", 1 / DAYS_PER_YEAR),
}
_PLANS = Selection(_SPEC, ("error_flags",))


DRIVER = Driver(
    name="aquastream",
    signatures=signatures("IMT 01 07"),
    decode=flags_decoder(_PLANS),
    fields=("meter_datetime", "total_backwards_m3", "battery_y", "status_flags"),
    description="IMT Aquastream water meters",
)
