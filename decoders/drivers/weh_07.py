"""Wehrle water meter, device type 0x07 (WEH), alone or behind a Techem radio converter.

The MK Radio 4a converter (link layer TCH v0x95 t0x37) wraps the same WEH meter in a long TPL
header, so its frames are detected as this driver; `mkradio4a` decodes them identically.
"""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ._apa_weh import decode

DRIVER = Driver(
    name="weh_07",
    signatures=signatures("WEH FE 07", "WEH 03 07"),
    decode=decode,
    fields=("meter_datetime",),
    description="Wehrle (WEH) water meter, standard OMS records",
)
