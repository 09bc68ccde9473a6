"""ECM picoflux water meters (ECM version 0x05): standard records, AES mode 5 with the meter key."""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ._dhl import TO_SECONDS, Selection, flags_decoder, key

_SPEC = {
    key("datetime"): ("meter_datetime", None),
    key("actuality_duration"): ("actuality_duration_s", TO_SECONDS),
    key("volume", vifes=("backward_flow",)): ("total_backward_m3", 1.0),
}
_PLANS = Selection(_SPEC, ("error_flags",))


DRIVER = Driver(
    name="picoflux",
    signatures=signatures("ECM 05 07"),
    decode=flags_decoder(_PLANS),
    fields=("meter_datetime", "actuality_duration_s", "total_backward_m3", "status_flags"),
    description="ECM picoflux water meters",
)
