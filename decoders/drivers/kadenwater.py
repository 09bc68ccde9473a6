"""Kaden / VIP water meters (KDN, VIP): standard records with a second volume register (B).

The STS manufacturer bits 0x20 and 0x40 are the leak-flow detectors: vector 55 (STS 0x63)
prints "ALARM LEAK_FLOW_HIGH LEAK_FLOW_LOW". Which bit is high and which low is not derivable
from it, so a single bit is reported by its mask and the pair by both names."""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ._qds import COMMON, INST, error_flags, num, picker, put, read, start

_LEAK_BITS = 0x60
# Volume B and duration B repeat the headers of volume A and duration A, so the registers are
# told apart by position: every record of a wanted header is read, the second as "name#2".
_PICKER = picker({**COMMON, ("volume", 0, INST): "volume", ("actuality_duration", 0, INST): "duration",
                ("volume_flow", 0, INST): "+volume_flow_m3h", ("volume_flow", 0, "maximum"): "+max_flow_m3h",
                ("fabrication_no", 0, INST): "+fabrication_no"}, numbered=True)


def decode(t: Telegram, ctx: DriverContext) -> None:
    found = read(t, _PICKER)
    flags = start(t)
    leak = (t.sts or 0) & _LEAK_BITS
    if leak:
        flags.extend(("LEAK_FLOW_HIGH", "LEAK_FLOW_LOW") if leak == _LEAK_BITS else (f"LEAK_FLOW_0x{leak:02X}",))
        t.add_alarm("LEAK")
    put(t, "volume_b_m3", num(found, "volume#2"))
    put(t, "actuality_duration_s", num(found, "duration"))
    put(t, "duration_b_s", num(found, "duration#2"))
    error_flags(t, flags, found)


DRIVER = Driver(
    name="kadenwater",
    signatures=signatures("KDN 01 07", "VIP 01 07"),
    decode=decode,
    fields=("meter_datetime", "volume_b_m3", "actuality_duration_s", "duration_b_s", "volume_flow_m3h",
            "max_flow_m3h", "fabrication_no", "status_flags"),
    description="Kaden / VIP water meters",
)
