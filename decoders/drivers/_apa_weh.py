"""Techem / Wehrle water meters behind a Techem radio (TPL manufacturer WEH).

The meter sends standard OMS records (mode 5 frames whose payload is plain `2F 2F` in the
public vectors), so the core already yields total, due-date value and date; the proprietary
block after the `0F` marker is not published because nothing says what it holds.
"""

from __future__ import annotations

from ..model import DriverContext, Telegram
from ._apa_util import CLOCK, put_meter_datetime, registers, vif_picker

PICK = vif_picker(CLOCK)


def decode(t: Telegram, ctx: DriverContext) -> None:
    put_meter_datetime(t, registers(t, PICK))
