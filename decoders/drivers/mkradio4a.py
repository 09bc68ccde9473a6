"""Techem MK Radio 4a: a radio converter (TCH v0x95 t0x37) in front of a Wehrle meter.

Its long-header frames name the meter (WEH v0xFE t0x07), exactly like the `weh_07` frames, so
automatic detection cannot tell them apart and gives them to `weh_07`; both decode the same
standard records. This driver claims only short-header frames sent under the converter's own
address, and is otherwise chosen with `--driver mkradio4a`.
"""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ._apa_weh import decode

DRIVER = Driver(
    name="mkradio4a",
    signatures=signatures("HYD FE 06", "TCH 95 37"),
    decode=decode,
    fields=("meter_datetime",),
    description="Techem MK Radio 4a converter with a Wehrle meter (standard OMS records)",
)
