"""Bmeters IWM-TX5 radio module (BMT v0x18): standard records; tamper in the status byte.

TPL status bits 7:5 are manufacturer specific. Of the two public vectors, the one the reference
decoder reports as TAMPER is the one with STS bit 6 (0x40) set, and nothing else in the status
byte differs, so bit 6 is read as tamper; bits 5 and 7 stay visible as `UNKNOWN_<hex>`.
"""

from __future__ import annotations

from ..alarms import TAMPER
from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ._apa_util import CLOCK, put_meter_datetime, registers, unknown_flag, vif_picker

PICK = vif_picker(CLOCK)

STS_TAMPER = 0x40
STS_OTHER = 0xA0


def decode(t: Telegram, ctx: DriverContext) -> None:
    put_meter_datetime(t, registers(t, PICK))
    sts = t.sts or 0
    flags = []
    if sts & STS_TAMPER:
        flags.append("TAMPER")
        t.add_alarm(TAMPER)
    if sts & STS_OTHER:
        flags.append(unknown_flag("UNKNOWN_", sts & STS_OTHER))
    t.extra["status"] = " ".join(flags) if flags else "OK"
    t.extra["status_flags"] = flags


DRIVER = Driver(
    name="iwmtx5",
    signatures=signatures("BMT 18 07", "BMT 18 06"),
    decode=decode,
    fields=("meter_datetime", "status", "status_flags"),
    description="Bmeters IWM-TX5 radio module (standard OMS records; tamper from STS bit 6)",
)
