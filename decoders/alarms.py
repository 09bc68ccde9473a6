"""The normalised alarm vocabulary shared by every driver.

Billing and crews filter on these names whatever the brand; each driver also keeps the
manufacturer's own flag text in `extra["status_flags"]` so nothing is lost in translation.
"""

from __future__ import annotations

LEAK = "LEAK"
BURST = "BURST"
BACKFLOW = "BACKFLOW"
DRY = "DRY"
TAMPER = "TAMPER"
MAGNET = "MAGNET"
REMOVAL = "REMOVAL"
LOW_BATTERY = "LOW_BATTERY"
PERMANENT_ERROR = "PERMANENT_ERROR"
TEMPORARY_ERROR = "TEMPORARY_ERROR"
NO_CONSUMPTION = "NO_CONSUMPTION"
ERROR = "ERROR"
ALARM = "ALARM"

NORMALISED = frozenset(
    {LEAK, BURST, BACKFLOW, DRY, TAMPER, MAGNET, REMOVAL, LOW_BATTERY, PERMANENT_ERROR, TEMPORARY_ERROR,
     NO_CONSUMPTION, ERROR, ALARM}
)
