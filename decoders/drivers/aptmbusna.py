"""Apator APT-MBUS-NA-1 overlay on wired M-Bus (CI 0x72): standard records plus error flags.

Status comes from two places, both as the reference decoder shows them:

- the TPL status byte: the standard bits (the core turns them into alarms) and bits 7:5,
  which are manufacturer specific and unnamed, so they are kept as `UNKNOWN_<hex>`;
- the error-flags record (VIF FD 17), whose set bits are named `P_…`.

The two public vectors pin down which bits carry which group of names, not the order inside a
group: bits 1, 6 and 11 are LEAK, REVERSE_FLOW and STRONG_LIGHT; bits 2, 3, 4, 8 and 9 are
CLOCK_HAND_ERROR, DETECTION_WITHOUT_CHANGES, MBUS_DISCONNECTED, MINIMUM_FLOW and
PROCESSOR_RESET. The order inside each group below is provisional (alphabetical by bit) until
Apator's documentation confirms it; any other set bit stays visible as `P_UNKNOWN_<hex>`.
"""

from __future__ import annotations

from functools import lru_cache

from ..alarms import BACKFLOW, LEAK, TAMPER
from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ._apa_util import BCD_CODINGS, as_int, data, put_meter_datetime, registers, unknown_flag, vif_picker

ERROR_BITS: dict[int, str] = {
    1: "P_LEAK",
    2: "P_CLOCK_HAND_ERROR",
    3: "P_DETECTION_WITHOUT_CHANGES",
    4: "P_MBUS_DISCONNECTED",
    6: "P_REVERSE_FLOW",
    8: "P_MINIMUM_FLOW",
    9: "P_PROCESSOR_RESET",
    11: "P_STRONG_LIGHT",
}
# Only flags with a field meaning of their own become alarms; the others are the detail behind
# the PERMANENT_ERROR the status byte already raises.
NORMALISED = {"P_LEAK": LEAK, "P_REVERSE_FLOW": BACKFLOW, "P_STRONG_LIGHT": TAMPER}
PICK = vif_picker({
    b"\x6d": "meter_datetime",
    b"\x78": "fabrication_no",
    b"\x26": "operating_hours",
    b"\x27": "operating_days",
    b"\xfd\x17": "error_flags",
})


@lru_cache(maxsize=1024)
def error_flag_names(flags: int) -> tuple[str, ...]:
    """Names of the set bits, low bit first; cached because a meter repeats its flag word."""
    names = []
    bit = 0
    while flags >> bit:
        if flags >> bit & 1:
            names.append(ERROR_BITS.get(bit) or unknown_flag("P_UNKNOWN_", 1 << bit))
        bit += 1
    return tuple(names)


def decode(t: Telegram, ctx: DriverContext) -> None:
    found = registers(t, PICK)
    put_meter_datetime(t, found)
    fab = found.get("fabrication_no")
    if fab is not None and (fab[0][0] & 0x0F) in BCD_CODINGS:
        t.extra["fabrication_no"] = data(fab)[::-1].hex().upper()
    for name, hours in (("operating_hours", 1), ("operating_days", 24)):
        reg = found.get(name)
        if reg is not None:
            value = as_int(reg)
            if value is not None:
                t.extra["operating_time_h"] = value * hours
                break
    flags: list[str] = []
    if t.sts is not None and t.sts & 0xE0:
        flags.append(unknown_flag("UNKNOWN_", t.sts & 0xE0))
    err = found.get("error_flags")
    if err is not None:
        for name in error_flag_names(as_int(err) or 0):
            flags.append(name)
            alarm = NORMALISED.get(name)
            if alarm is not None:
                t.add_alarm(alarm)
    t.extra["status_flags"] = flags


DRIVER = Driver(
    name="aptmbusna",
    signatures=signatures("APA 15 07"),
    decode=decode,
    fields=("meter_datetime", "fabrication_no", "operating_time_h", "status_flags"),
    description="Apator APT-MBUS-NA-1 (wired M-Bus; standard records, error flags as P_* status)",
)
