"""Sensus iPERL (SEN version 0x68): the one volume-flow record is the maximum flow, not the
current flow (reference: max_flow_m3h), so it is not reported as `flow_m3h`."""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ._dhl import Selection, error_flags, finish_status, first, is_number, sts_flags

_PLANS = Selection(None, ("volume_flow", "error_flags"))


def decode(t: Telegram, ctx: DriverContext) -> None:
    records = _PLANS.select(t, ctx.payload)
    flow = first(records, "volume_flow")
    if flow is not None and is_number(flow.value):
        t.extra["max_flow_m3h"] = float(flow.value)
        t.flow_m3h = None
    sts_flags(t)
    error_flags(t, first(records, "error_flags", plain_only=False))
    finish_status(t)


DRIVER = Driver(
    name="iperl",
    signatures=signatures("SEN 68 06", "SEN 68 07", "SEN 7C 07"),
    decode=decode,
    fields=("max_flow_m3h", "status_flags"),
    description="Sensus iPERL water meters",
)
