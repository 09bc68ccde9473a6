"""ECM picoflux water meters (ECM version 0x05): standard records, AES mode 5 with the meter key."""

from __future__ import annotations

from ..driver_api import Driver, Signature
from ..model import DriverContext, Telegram
from ._dhl import TO_SECONDS, Selection, error_flags, finish_status, first, key, sts_flags

_SPEC = {
    key("datetime"): ("meter_datetime", None),
    key("actuality_duration"): ("actuality_duration_s", TO_SECONDS),
    key("volume", vifes=("backward_flow",)): ("total_backward_m3", 1.0),
}
_PLANS = Selection(_SPEC, ("error_flags",))


def decode(t: Telegram, ctx: DriverContext) -> None:
    records = _PLANS.select(t, ctx.payload)
    sts_flags(t)
    error_flags(t, first(records, "error_flags", plain_only=False))
    finish_status(t)


DRIVER = Driver(
    name="picoflux",
    signatures=(Signature("ECM", version=0x05, device_type=0x07), Signature("ECM", version=0x05, device_type=0x06)),
    decode=decode,
    fields=("meter_datetime", "actuality_duration_s", "total_backward_m3", "status_flags"),
    description="ECM picoflux water meters",
)
