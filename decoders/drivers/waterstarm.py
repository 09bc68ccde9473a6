"""Deltamess/Engelmann WaterStar M (DWZ, and EFE version 0x70): standard records.

Error flag 0x40 is the meter's leak-or-no-usage detector (vector 99: flags 0x0040 printed as
LEAKAGE_OR_NO_USAGE); other bits are unexplained and kept as `ERROR_FLAGS_<hex>`."""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ..records import DataRecord
from ._qds import COMMON, INST, error_flags, picker, read, start

_FLAGS = ((0x40, "LEAKAGE_OR_NO_USAGE", "LEAK"),)


def _custom(r: DataRecord) -> str | None:
    if r.quantity == "volume" and r.vifes == ("backward_flow",) and not r.tariff and r.storage < 2:
        return "+total_backwards_at_set_date_m3" if r.storage else "+total_backwards_m3"
    return None


_PICKER = picker({**COMMON, ("voltage", 0, INST): "+battery_v", ("model_version", 0, INST): "version",
                ("parameter_set_id", 0, INST): "params", ("date", 1, INST): "+set_date",
                ("volume", 1, INST): "+consumption_at_set_date_m3",
                **{("volume", s, INST): f"+consumption_at_history_{s - 1}_m3" for s in range(2, 17)}},
               _custom)


def decode(t: Telegram, ctx: DriverContext) -> None:
    found = read(t, _PICKER)
    flags = start(t)
    for reg, name in (("version", "meter_version"), ("params", "parameter_set")):
        hit = found.get(reg)
        if hit is not None and hit.raw:
            t.extra[name] = hit.raw[::-1].hex()
    error_flags(t, flags, found, _FLAGS)


DRIVER = Driver(
    name="waterstarm",
    signatures=signatures("DWZ 00 06", "DWZ 02 06", "DWZ 02 07", "EFE 03 07", "EFE 70 07", "DWZ 00 07"),
    decode=decode,
    fields=("meter_datetime", "total_backwards_m3", "total_backwards_at_set_date_m3", "battery_v", "meter_version",
            "parameter_set", "set_date", "consumption_at_set_date_m3", "consumption_at_history_N_m3", "status_flags"),
    description="Deltamess / Engelmann WaterStar M water meters",
)
