"""Aventies water meters (AAA): total, 14 set-date readings (storages 1..14), error flags.

The one error-flag text the vectors explain is the pair 0x0011, printed by the reference as
"HF MEASUREMENT" (vector 23, flags 0x1111 -> "ERROR_FLAGS_1100 HF MEASUREMENT"); which of the
two bits means what is not derivable, so the text is given only when both are set. What it
implies for billing is not known either, so it raises no normalised alarm."""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ._qds import COMMON, INST, error_flags, picker, read, start

_FLAGS = ((0x0011, "HF MEASUREMENT", None),)
_PICKER = picker({**COMMON, **{("volume", s, INST): f"+consumption_at_set_date_{s}_m3" for s in range(1, 15)}})


def decode(t: Telegram, ctx: DriverContext) -> None:
    found = read(t, _PICKER)
    error_flags(t, start(t), found, _FLAGS)


DRIVER = Driver(
    name="aventieswm",
    signatures=signatures("AAA 25 07"),
    decode=decode,
    fields=("meter_datetime", "consumption_at_set_date_N_m3", "status_flags"),
    description="Aventies water meters",
)
