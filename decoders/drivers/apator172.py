"""Apator 17-2 (APT, CI 0xA0): the register counts thirds of a cubic metre.

The A-field says device type 0x11 (water data logger); the meter behind it is a water meter,
which is what billing needs to see.
"""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ._apa_third import decoder_for

DRIVER = Driver(
    name="apator172",
    signatures=signatures("APT 04 11"),
    decode=decoder_for("apator172", 3.0, "water"),
    fields=(),
    description="Apator 17-2 (CI 0xA0 proprietary; total = register / 3 m3)",
    standard_records=False,
)
