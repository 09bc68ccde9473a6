"""Itron water meters (ITW): standard records; error flags may carry a record-error VIFE."""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ._dhl import Selection, flags_decoder, key

_SPEC = {
    key("datetime"): ("meter_datetime", None),
    key("enhanced_identification"): ("enhanced_id", None),
    key("volume", vifes=("backward_flow",)): ("total_backward_m3", 1.0),
    key("volume_flow"): ("volume_flow_m3h", 1.0),
}
_PLANS = Selection(_SPEC, ("error_flags",))


DRIVER = Driver(
    name="itron",
    signatures=signatures("ITW 00 07", "ITW 03 07", "ITW 33 07", "ITW 00 16"),
    decode=flags_decoder(_PLANS),
    fields=("meter_datetime", "enhanced_id", "total_backward_m3", "volume_flow_m3h", "status_flags"),
    description="Itron water meters",
)
