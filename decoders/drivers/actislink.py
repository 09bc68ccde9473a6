"""Actaris/Itron ActisLink water modules (ALK): OMS security mode 2, DES-CBC with an 8-byte key.

The core decrypts mode 2 (DES-CBC, IV zero: with it the vector's first block decrypts to the
`2F 2F` check bytes, with the mode-5 style IV it does not); the records are standard, so this
driver only adds the meter clock and the status texts.
"""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ..picks import RecordPicker
from ._qds import start

_PICKER = RecordPicker(lambda r: "clock" if r.quantity == "datetime" and not r.storage else None)


def decode(t: Telegram, ctx: DriverContext) -> None:
    clock = _PICKER.pick(t).get("clock")
    if clock is not None and type(clock.value) is str:
        t.extra["meter_datetime"] = clock.value
    start(t)


DRIVER = Driver(
    name="actislink",
    signatures=signatures("ALK 04 07"),
    decode=decode,
    fields=("meter_datetime", "status_flags"),
    description="Actaris ActisLink water radio modules (DES, security mode 2)",
    standard_records=True,
)
