"""LSE water meters (types 0x06/0x07).

Besides the standard registers they send an error code as a volume-flow record with VIFE 0x56
(raw 02 BB 56; zero = OK) and the error date as a "value during error" date; storage 8 is a
second set-date reading.
"""

from __future__ import annotations

from ..alarms import ERROR
from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ._dhl import Record, Selection, add_flag, error_flags, finish_status, first, key, sts_flags

_ERROR_CODE_VIF = bytes.fromhex("bb56")
_SPEC = {
    key("datetime"): ("device_datetime", None),
    key("date", 1): ("due_date", None),
    key("volume", 1): ("due_m3", 1.0),
    key("date", 0, "error"): ("error_date", None),
    key("date", 8): ("set_date_8", None),
    key("volume", 8): ("consumption_at_set_date_8_m3", 1.0),
}


def _is_error_code(r: Record) -> bool:
    return r.vif == _ERROR_CODE_VIF and r.storage == 0


_PLANS = Selection(_SPEC, ("model_version", "error_flags"), _is_error_code)


def decode(t: Telegram, ctx: DriverContext) -> None:
    records = _PLANS.select(t, ctx.payload)
    for r in records:
        if _is_error_code(r) and r.raw:
            code = int.from_bytes(r.raw, "little")
            t.extra["error_code"] = code
            if code:
                add_flag(t, f"ERROR_CODE_0x{code:X}", ERROR)
            break
    model = first(records, "model_version")
    if model is not None and model.raw:
        t.extra["model_version"] = model.raw[::-1].hex()
    sts_flags(t)
    error_flags(t, first(records, "error_flags", plain_only=False))
    finish_status(t)


DRIVER = Driver(
    name="lse_07_17",
    signatures=signatures("LSE 18 06", "LSE 18 07", "LSE 16 07", "LSE 17 07", "LSE D8 07"),
    decode=decode,
    fields=("device_datetime", "due_date", "due_m3", "error_code", "error_date", "set_date_8",
            "consumption_at_set_date_8_m3", "model_version", "status_flags"),
    description="LSE water meters",
)
