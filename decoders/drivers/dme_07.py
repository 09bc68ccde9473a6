"""Diehl DME version 0x7B water meters: plain OMS records; only status needs the driver."""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ._dhl_diehl import FIELDS, diehl_plans, diehl_records, diehl_spec

_SPEC = diehl_spec("set_date", "at_set_date")
_PLANS = diehl_plans(_SPEC)


def decode(t: Telegram, ctx: DriverContext) -> None:
    diehl_records(t, _PLANS.select(t, ctx.payload))


DRIVER = Driver(
    name="dme_07",
    signatures=signatures("DME 7B 07"),
    decode=decode,
    fields=("set_date", "total_at_set_date_m3", *FIELDS),
    description="Diehl DME 0x7B water meters",
)
