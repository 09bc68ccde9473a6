"""FIO water meters: standard records; status comes from the TPL status byte only."""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ._dhl import Selection, flags_decoder, key

_SPEC = {key("datetime"): ("meter_datetime", None)}
_PLANS = Selection(_SPEC, ("error_flags",))


DRIVER = Driver(
    name="fiowater",
    signatures=signatures("FIO 01 07"),
    decode=flags_decoder(_PLANS),
    fields=("meter_datetime", "status_flags"),
    description="FIO water meters",
)
