"""Diehl DME version 0x63 water meters: the due-date reading is at storage 8 with a type F date-time;
storage 1 is the set-date reading."""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ._dhl_diehl import FIELDS, diehl_plans, diehl_records, diehl_spec

_SPEC = diehl_spec("set_date", "at_set_date")
_PLANS = diehl_plans(_SPEC)


def decode(t: Telegram, ctx: DriverContext) -> None:
    diehl_records(t, _PLANS.select(t, ctx.payload))


DRIVER = Driver(
    name="dme173",
    signatures=signatures("DME 63 07"),
    decode=decode,
    fields=("set_date", "total_at_set_date_m3", *FIELDS),
    description="Diehl DME 0x63 water meters (due date at the date-time storage)",
)
