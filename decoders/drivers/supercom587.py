"""Sontex Supercom 587 (SON version 0x3C).

The storage-1 due date of these meters is 2127-01-01 (type G year field all ones) with a zero
reading until a due date is configured: that is "no due date", so no target is reported then.
"""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ._dhl import Record, Selection, error_flags, finish_status, first, sts_flags

_YEAR_UNSET = 127


def _is_due_date(r: Record) -> bool:
    return r.quantity == "date" and r.storage == 1 and not (r.tariff or r.subunit)


_PLANS = Selection(None, ("software_version", "error_flags"), _is_due_date)


def _type_g_year(raw: bytes) -> int:
    return ((raw[0] & 0xE0) >> 5) | ((raw[1] & 0xF0) >> 1)


def decode(t: Telegram, ctx: DriverContext) -> None:
    records = _PLANS.select(t, ctx.payload)
    due = first(records, "date", 1)
    if due is not None and (len(due.raw) != 2 or due.value is None or _type_g_year(due.raw) == _YEAR_UNSET):
        t.target_m3 = None
        t.target_date = None
    version = first(records, "software_version")
    if version is not None and version.raw:
        t.extra["software_version"] = version.raw[::-1].hex()
    sts_flags(t)
    error_flags(t, first(records, "error_flags", plain_only=False))
    finish_status(t)


DRIVER = Driver(
    name="supercom587",
    signatures=signatures("SON 3C 06", "SON 3C 07"),
    decode=decode,
    fields=("software_version", "status_flags"),
    description="Sontex Supercom 587 water meters (bogus 2127 due date suppressed)",
)
