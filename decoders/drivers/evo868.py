"""Maddalena EVO 868 radio module (MAD version 0x50): standard records plus a 12-month history."""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ._dhl_mad import FIELDS, mad_plans, mad_records, mad_spec

_SPEC = mad_spec("device_datetime")
_PLANS = mad_plans(_SPEC)


def decode(t: Telegram, ctx: DriverContext) -> None:
    mad_records(t, _PLANS.select(t, ctx.payload))


DRIVER = Driver(
    name="evo868",
    signatures=signatures("MAD 50 06", "MAD 50 07", "MAD 50 16"),
    decode=decode,
    fields=("device_datetime", *FIELDS),
    description="Maddalena EVO 868 water meter module",
)
