"""Zenner minomess (ZRI 00 07, 01 06, 01 16): the due-date reading is storage 8 (storage 1 on
some meters), storage 0 holds the meter's own date.

Before the first due date passes, the storage-8 volume is all F (invalid: no target) or, on some
meters, `00 00 00 80`, which read as BCD would be 80,000 m3. Design choice: that filler is
treated as "not set" (no `target_m3`, a warning says why) rather than passed on as a reading,
because a billing run would otherwise bill a due-date reading of 80,000 m3.
"""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ._qds import COMMON, INST, error_flags, picker, read, set_target, start

FILLER_M3 = 80000.0  # BCD 80000000 litres: the filler some meters send before a due date
_PICKER = picker({**COMMON, ("date", 8, INST): "due_date", ("volume", 8, INST): "due_m3"})


def decode(t: Telegram, ctx: DriverContext) -> None:
    found = read(t, _PICKER)
    flags = start(t)
    set_target(t, found, "due_date", "due_m3")
    if t.target_m3 == FILLER_M3:
        t.target_m3 = None
        t.warnings.append("due-date volume 00 00 00 80 is the meter's not-yet-set filler, not 80000 m3")
    error_flags(t, flags, found)


DRIVER = Driver(
    name="minomess",
    signatures=signatures("ZRI 00 07", "ZRI 01 16", "ZRI 01 06"),
    decode=decode,
    fields=("meter_date", "meter_datetime", "status_flags"),
    description="Zenner minomess water meters",
)
