"""Apator Ultrimis, second reference naming (`status`, `total_backward_m3`).

It decodes the same telegrams as `ultrimis`, which keeps automatic detection (two drivers
cannot both claim one signature); this one is chosen with `--driver ultrimisv2`.
"""

from __future__ import annotations

from ..driver_api import Driver
from ._apa_ultrimis import decoder_for

DRIVER = Driver(
    name="ultrimisv2",
    signatures=(),
    decode=decoder_for("total_backward_m3", "status"),
    fields=("total_backward_m3", "status", "status_flags"),
    description="Apator Ultrimis ultrasonic water meter, v2 field names (forced with --driver only)",
)
