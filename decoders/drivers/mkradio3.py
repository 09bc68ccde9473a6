"""Techem MK Radio 3 (TCH, CI 0xA2): due-date and current-period volumes, bit-packed."""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ._apa_mkradio import PERIOD_FIELDS, decode_periods

DRIVER = Driver(
    name="mkradio3",
    signatures=signatures("TCH 74 62", "TCH 74 72"),
    decode=decode_periods,
    fields=PERIOD_FIELDS,
    description="Techem MK Radio 3 water meter (CI 0xA2; total = due-date volume + current period)",
    standard_records=False,
)
