"""Apator Ultrimis, second reference naming (`status`, `total_backward_m3`).

It decodes the same telegrams as `ultrimis`, which keeps automatic detection of APA 01 16 (the
first driver claiming a triple wins); this one is detected for APA 20 16 and can be chosen for
any Ultrimis with `--driver ultrimisv2`.
"""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ._apa_ultrimis import decoder_for

DRIVER = Driver(
    name="ultrimisv2",
    signatures=signatures("APA 20 16"),
    decode=decoder_for("total_backward_m3", "status"),
    fields=("total_backward_m3", "status", "status_flags"),
    description="Apator Ultrimis ultrasonic water meter, v2 field names (forced with --driver only)",
)
