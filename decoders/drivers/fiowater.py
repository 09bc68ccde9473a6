"""FIO water meters: standard records; status comes from the TPL status byte only."""

from __future__ import annotations

from ..driver_api import Driver, Signature
from ..model import DriverContext, Telegram
from ._dhl import Selection, error_flags, finish_status, first, key, sts_flags

_SPEC = {key("datetime"): ("meter_datetime", None)}
_PLANS = Selection(_SPEC, ("error_flags",))


def decode(t: Telegram, ctx: DriverContext) -> None:
    records = _PLANS.select(t, ctx.payload)
    sts_flags(t)
    error_flags(t, first(records, "error_flags", plain_only=False))
    finish_status(t)


DRIVER = Driver(
    name="fiowater",
    signatures=tuple(Signature("FIO", device_type=d) for d in (0x07, 0x06, 0x16)),
    decode=decode,
    fields=("meter_datetime", "status_flags"),
    description="FIO water meters",
)
