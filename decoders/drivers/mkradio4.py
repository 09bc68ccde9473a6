"""Techem MK Radio 4 (TCH, CI 0xA2): due-date and current-period volumes, bit-packed."""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ._apa_mkradio import PERIOD_FIELDS, decode_periods

DRIVER = Driver(
    name="mkradio4",
    signatures=signatures("TCH 95 62", "TCH 70 62", "TCH 95 72", "TCH 70 72"),
    decode=decode_periods,
    fields=PERIOD_FIELDS,
    description="Techem MK Radio 4 water meter (CI 0xA2; total = due-date volume + current period)",
    standard_records=False,
)
