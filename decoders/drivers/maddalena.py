"""Maddalena water meters (MAD version 0x01): the EVO layout; the due date may be the meter's
"never" date 2000-01-01 with a zero reading, which is what the meter says and is reported."""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ._dhl_mad import FIELDS, mad_plans, mad_records, mad_spec

_SPEC = mad_spec("meter_datetime")
_PLANS = mad_plans(_SPEC)


def decode(t: Telegram, ctx: DriverContext) -> None:
    mad_records(t, _PLANS.select(t, ctx.payload))


DRIVER = Driver(
    name="maddalena",
    signatures=signatures("MAD 01 07", "MAD 01 06"),
    decode=decode,
    fields=("meter_datetime", *FIELDS),
    description="Maddalena water meters",
)
