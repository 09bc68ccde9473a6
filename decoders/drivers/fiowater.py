"""FIO water meters: standard records; status comes from the TPL status byte only."""

from __future__ import annotations

from ..driver_api import Driver, Signature
from ._dhl import Selection, flags_decoder, key

_SPEC = {key("datetime"): ("meter_datetime", None)}
_PLANS = Selection(_SPEC, ("error_flags",))


DRIVER = Driver(
    name="fiowater",
    signatures=tuple(Signature("FIO", device_type=d) for d in (0x07, 0x06, 0x16)),
    decode=flags_decoder(_PLANS),
    fields=("meter_datetime", "status_flags"),
    description="FIO water meters",
)
