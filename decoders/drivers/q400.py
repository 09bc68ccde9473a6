"""Axioma Qalcosonic W1/Q400 (AXI, water): forward/backward registers, set-date readings with a
date-time, and error data (`34 FD 17` is an error counter, not error flags, per the reference);
the one-byte remaining-battery record is a percentage on these meters."""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ._dhl import TO_HOURS, Selection, finish_status, key, sts_flags

_FWD = ("forward_flow",)
_BWD = ("backward_flow",)
_SPEC = {
    key("datetime"): ("meter_datetime", None),
    key("datetime", 1): ("set_datetime", None),
    key("volume", 1): ("consumption_at_set_date_m3", 1.0),
    key("volume", vifes=_FWD): ("total_forward_m3", 1.0),
    key("volume", vifes=_BWD): ("total_backward_m3", 1.0),
    key("volume", 1, vifes=_FWD): ("forward_at_set_date_m3", 1.0),
    key("volume", 1, vifes=_BWD): ("backward_at_set_date_m3", 1.0),
    key("volume_flow"): ("volume_flow_m3h", 1.0),
    key("flow_temperature"): ("flow_temperature_c", 1.0),
    key("remaining_battery_life"): ("battery_pct", None),
    key("on_time"): ("on_time_h", TO_HOURS),
    key("operating_time"): ("error_free_time_h", TO_HOURS),
    key("error_flags", 0, "error"): ("error_code_counter", None),
}
_PLANS = Selection(_SPEC)


def decode(t: Telegram, ctx: DriverContext) -> None:
    _PLANS.select(t, ctx.payload)
    sts_flags(t)
    finish_status(t)


DRIVER = Driver(
    name="q400",
    signatures=signatures("AXI 01 07", "AXI 10 07", "AXI 20 07"),
    decode=decode,
    fields=("meter_datetime", "set_datetime", "consumption_at_set_date_m3", "total_forward_m3", "total_backward_m3",
            "forward_at_set_date_m3", "backward_at_set_date_m3", "volume_flow_m3h", "flow_temperature_c",
            "battery_pct", "on_time_h", "error_free_time_h", "error_code_counter", "status_flags"),
    description="Axioma Qalcosonic W1 / Q400 water meters",
)
