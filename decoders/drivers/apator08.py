"""Apator 08 (APT, CI 0xA0): the register counts thirds of a litre."""

from __future__ import annotations

from ..driver_api import Driver, Signature
from ._apa_third import decoder_for

DRIVER = Driver(
    name="apator08",
    signatures=(Signature("APT", 0x03, None, 0xA0),),
    decode=decoder_for("apator08", 3000.0, None),
    fields=(),
    description="Apator 08 (CI 0xA0 proprietary; total = register / 3 litres)",
    standard_records=False,
)
