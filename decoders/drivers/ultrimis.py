"""Apator Ultrimis (reference naming of the first driver generation)."""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ._apa_ultrimis import decoder_for

DRIVER = Driver(
    name="ultrimis",
    signatures=signatures("APA 01 16"),
    decode=decoder_for("total_backward_flow_m3", "current_status"),
    fields=("total_backward_flow_m3", "current_status", "status_flags"),
    description="Apator Ultrimis ultrasonic water meter (standard records; status from error flags)",
)
