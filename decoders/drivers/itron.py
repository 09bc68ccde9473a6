"""Itron water meters (ITW): standard records; error flags may carry a record-error VIFE."""

from __future__ import annotations

from ..driver_api import Driver, Signature
from ..model import DriverContext, Telegram
from ._dhl import Selection, error_flags, finish_status, first, key, sts_flags

_SPEC = {
    key("datetime"): ("meter_datetime", None),
    key("enhanced_identification"): ("enhanced_id", None),
    key("volume", vifes=("backward_flow",)): ("total_backward_m3", 1.0),
    key("volume_flow"): ("volume_flow_m3h", 1.0),
}
_PLANS = Selection(_SPEC, ("error_flags",))


def decode(t: Telegram, ctx: DriverContext) -> None:
    records = _PLANS.select(t, ctx.payload)
    sts_flags(t)
    error_flags(t, first(records, "error_flags", plain_only=False))
    finish_status(t)


DRIVER = Driver(
    name="itron",
    signatures=tuple(Signature("ITW", device_type=d) for d in (0x07, 0x06, 0x15, 0x16)),
    decode=decode,
    fields=("meter_datetime", "enhanced_id", "total_backward_m3", "volume_flow_m3h", "status_flags"),
    description="Itron water meters",
)
