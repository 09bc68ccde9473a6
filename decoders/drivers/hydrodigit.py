"""Bmeters Hydrodigit (BMT v0x17): standard records, then a `0F` block of optional contents.

The first byte of the `0F` block is a bitmap of which optional fields follow (battery voltage,
fraud date, leak date, backflow, …), but both public vectors carry only zero bytes after it,
so neither the bit order nor the field encodings can be learned from them; the driver names
the meter clock and leaves the block in the records.
"""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ._apa_util import CLOCK, put_meter_datetime, registers, vif_picker

PICK = vif_picker(CLOCK)


def decode(t: Telegram, ctx: DriverContext) -> None:
    put_meter_datetime(t, registers(t, PICK))


DRIVER = Driver(
    name="hydrodigit",
    signatures=signatures("BMT 13 06", "BMT 17 06", "BMT 13 07", "BMT 15 07", "BMT 17 07"),
    decode=decode,
    fields=("meter_datetime",),
    description="Bmeters Hydrodigit water meter (standard OMS records)",
)
