"""Apator Ultrimis ultrasonic meter (APA v0x01, type 0x16): standard records, own status rules.

The public vector sends STS 0x03, which EN 13757-3 reads as "alarm", yet the reference
decoder reports the meter as OK: this meter's status is the error-flags record (VIF FD 17),
so the core's STS bits 1:0 alarm is withdrawn. No source names the error-flag bits, so a set
bit is reported as `ERROR_FLAG_<hex>` and raises the generic ERROR alarm.
"""

from __future__ import annotations

from ..alarms import ERROR
from ..driver_api import DecodeFn
from ..model import DriverContext, Telegram
from ._apa_util import as_int, as_signed, drop_sts_low_alarm, registers, unknown_flag, vif_picker

# Backward-flow volume: VIF 0x10-0x17 with the extension bit, then VIFE 0x3C; exponent n - 6.
WANTED = {bytes((0x90 | n, 0x3C)): f"backward_{n}" for n in range(8)}
WANTED[b"\xfd\x17"] = "error_flags"
BACKWARD = tuple((f"backward_{n}", n - 6) for n in range(8))
PICK = vif_picker(WANTED)


def decoder_for(backward_name: str, status_name: str) -> DecodeFn:
    """ultrimis and ultrimisv2 differ only in the names the reference gives two fields."""

    def decode(t: Telegram, ctx: DriverContext) -> None:
        drop_sts_low_alarm(t)
        found = registers(t, PICK)
        for name, exp in BACKWARD:
            reg = found.get(name)
            if reg is not None:
                value = as_signed(reg)
                if value is not None:
                    t.extra[backward_name] = value / 10**-exp if exp < 0 else float(value * 10**exp)
                break
        flags: list[str] = []
        err = found.get("error_flags")
        word = as_int(err) if err is not None else None
        if word:
            flags = [unknown_flag("ERROR_FLAG_", 1 << b) for b in range(word.bit_length()) if word >> b & 1]
            t.add_alarm(ERROR)
        t.extra[status_name] = " ".join(flags) if flags else "OK"
        t.extra["status_flags"] = flags

    return decode
