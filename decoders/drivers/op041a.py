"""Apator OP-041A (APA v0x1A, mode 5, standard records): the core does the work.

The register after the `0F` manufacturer marker is not published (nothing says what it is);
the driver only names the meter clock.
"""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ._apa_util import CLOCK, put_meter_datetime, registers, vif_picker

PICK = vif_picker(CLOCK)


def decode(t: Telegram, ctx: DriverContext) -> None:
    put_meter_datetime(t, registers(t, PICK))


DRIVER = Driver(
    name="op041a",
    signatures=signatures("APA 1A 07"),
    decode=decode,
    fields=("meter_datetime",),
    description="Apator OP-041A water meter (standard OMS records)",
)
