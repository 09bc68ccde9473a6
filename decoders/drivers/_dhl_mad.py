"""Maddalena (MAD) meters: evo868 and maddalena share one record layout.

Storage 1 is the set date (the due date), storage 2 a second set date, storage 3 the maximum flow
and when it happened, storages 8-19 a monthly history whose dates the meter does not send: only
the reference date at storage 8 and the storage interval, so the other dates are month steps back.
"""

from __future__ import annotations

from ..model import Telegram
from ._dhl import (
    Record,
    RenameSpec,
    Selection,
    error_flags,
    finish_status,
    first,
    key,
    months_back,
    sts_flags,
)

HISTORY_FIRST = 8
HISTORY_LAST = 19
_HISTORY_M3 = tuple(f"consumption_at_history_{n}_m3" for n in range(1, HISTORY_LAST - HISTORY_FIRST + 2))
_HISTORY_DATE = tuple(f"history_{n}_date" for n in range(1, HISTORY_LAST - HISTORY_FIRST + 2))


def mad_spec(datetime_name: str) -> RenameSpec:
    return {
        key("datetime"): (datetime_name, None),
        key("fabrication_no"): ("fabrication_no", None),
        key("date", 1): ("set_date", None),
        key("volume", 1): ("consumption_at_set_date_m3", 1.0),
        key("date", 2): ("set_date_2", None),
        key("volume", 2): ("consumption_at_set_date_2_m3", 1.0),
        key("volume_flow", 3, "maximum"): ("max_flow_since_datetime_m3h", 1.0),
        key("datetime", 3): ("max_flow_datetime", None),
        key("date", HISTORY_FIRST): ("history_reference_date", None),
        **{key("volume", HISTORY_FIRST + n): (name, 1.0) for n, name in enumerate(_HISTORY_M3)},
    }


def mad_plans(spec: RenameSpec) -> Selection:
    return Selection(spec, ("error_flags",))


def mad_records(t: Telegram, records: list[Record]) -> None:
    extra = t.extra
    ref = extra.get("history_reference_date")
    if isinstance(ref, str):
        for n, name in enumerate(_HISTORY_M3):
            if name in extra:
                date = months_back(ref, n)
                if date is not None:
                    extra[_HISTORY_DATE[n]] = date
    sts_flags(t)
    error_flags(t, first(records, "error_flags", plain_only=False))
    finish_status(t)


FIELDS = ("fabrication_no", "set_date", "consumption_at_set_date_m3", "set_date_2",
          "consumption_at_set_date_2_m3", "max_flow_since_datetime_m3h", "max_flow_datetime",
          "history_reference_date", "consumption_at_history_N_m3", "history_N_date", "status_flags")
