"""Apator 08 (APT, CI 0xA0): the register counts thirds of a litre."""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ._apa_third import decoder_for

DRIVER = Driver(
    name="apator08",
    signatures=signatures("APT 03 03", "APT 0F 0F"),
    decode=decoder_for("apator08", 3000.0, None),
    fields=(),
    description="Apator 08 (CI 0xA0 proprietary; total = register / 3 litres)",
    standard_records=False,
)
