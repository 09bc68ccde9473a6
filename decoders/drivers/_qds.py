"""Helpers shared by the D3 drivers (Qundis, Kamstrup, Zenner, Engelmann and smaller families).

Drivers read their registers through a `decoders.picks.RecordPicker` built by `picker` (a dict
role -> DataRecord); the helpers here turn those into summary fields, extras and status flags.
A role starting with "+" publishes the value straight into `t.extra` under the rest of the name
(numbers as float, text as is, invalid values left out).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

from ..model import Telegram
from ..picks import Publish, RecordPicker
from ..records import DataRecord, _Header

INST = "instantaneous"

RecordKey = tuple[str, int, str]
Found = dict[Hashable, DataRecord]
Want = Callable[[DataRecord], str | None]

# Registers most drivers read: the meter clock (or date), published as is, and the FD 17 error
# flags. Crews compare the meter clock with the van's to spot meters whose clock drifted.
COMMON: dict[RecordKey, str] = {
    ("datetime", 0, INST): "+meter_datetime",
    ("date", 0, INST): "+meter_date",
    ("error_flags", 0, INST): "error_flags",
}

# The texts the reference prints for the EN 13757-3 STS bits; the core already turns the same
# bits into normalised alarms, these are the manufacturer-facing flag texts.
_STS_LOW = {0b01: "BUSY", 0b10: "ERROR", 0b11: "ALARM"}
_STS_BITS = ((0x04, "POWER_LOW"), (0x08, "PERMANENT_ERROR"), (0x10, "TEMPORARY_ERROR"))
_NUMBER = (int, float)

FlagTable = Sequence[tuple[int, str, str | None]]


def selector(spec: Mapping[RecordKey, str], custom: Want | None = None) -> Want:
    """`spec` names plain records (tariff 0, subunit 0, no VIFE) by (quantity, storage, function);
    `custom` may name any record and is asked first. Headers only: the choice holds per layout."""
    spec = dict(spec)

    def select(r: DataRecord) -> str | None:
        name = custom(r) if custom is not None else None
        if name is None and not (r.tariff or r.subunit or r.vifes):
            name = spec.get((r.quantity, r.storage, r.function))
        return name

    return select


def picker(spec: Mapping[RecordKey, str], custom: Want | None = None, numbered: bool = False) -> RecordPicker:
    """`numbered`: every record of a role is read, the k-th as `role#k` from the second on."""
    return RecordPicker(selector(spec, custom), _publish_rule, numbered)


def _extra_value(value: Any) -> Any:
    """Numbers as float, text as is; anything else (an invalid value) is not published."""
    kind = type(value)
    if kind is float or kind is str:
        return value
    if kind is int:
        return float(value)
    return None


def _as_is(h: _Header) -> bool:
    """Headers whose values `_extra_value` keeps as they are (floats and text, or None)."""
    return h.vtype is float or h.vtype is str


_PUBLISH: dict[str, Publish] = {}


def _publish_rule(role: Hashable, _probe: DataRecord) -> Publish | None:
    """"+name" roles are published as `name`; the picker compiles this once per layout."""
    if type(role) is not str or role[0] != "+":
        return None
    use = _PUBLISH.get(role)
    if use is None:
        use = _PUBLISH[role] = Publish(role[1:], _extra_value, False, _as_is)
    return use


def read(t: Telegram, pk: RecordPicker) -> Found:
    """The picked records of this telegram (a picker made by `picker`): "+" roles are published
    into `t.extra` on the way and are not in the returned dict."""
    return pk.pick(t)


def num(found: Found, name: str) -> float | None:
    """A numeric register as float; None when absent or flagged invalid by the meter."""
    hit = found.get(name)
    if hit is None or type(hit.value) not in _NUMBER:
        return None
    return float(hit.value)


def text(found: Found, name: str) -> str | None:
    hit = found.get(name)
    if hit is None or type(hit.value) is not str:
        return None
    return hit.value


def put(t: Telegram, name: str, value: Any) -> None:
    """Extras that the meter did not send (or sent as invalid) are left out, not printed as null."""
    if value is not None:
        t.extra[name] = value


def start(t: Telegram) -> list[str]:
    """The STS flag texts, which every D3 driver publishes; returns the list to extend."""
    flags = sts_texts(t.sts)
    t.extra["status_flags"] = flags
    return flags


def set_target(t: Telegram, found: Found, date_name: str, value_name: str) -> bool:
    """Use the named registers as the due-date reading; True when the date was valid.

    Meters that keep the billing value outside storage 1 would otherwise get the generic summary's
    storage-1 value (often an invalid marker) printed as their due-date reading.
    """
    date = text(found, date_name)
    value = num(found, value_name)
    if date is None and value is None:
        return False
    t.target_m3 = value
    t.target_date = None if date is None else date[:10]
    return date is not None


def sts_texts(sts: int | None) -> list[str]:
    """The manufacturer-neutral STS bit names, in the order the reference prints them."""
    if not sts:
        return []
    out: list[str] = []
    low = _STS_LOW.get(sts & 0x03)
    if low:
        out.append(low)
    for bit, name in _STS_BITS:
        if sts & bit:
            out.append(name)
    return out


def error_flags(t: Telegram, flags: list[str], found: Found, table: FlagTable = ()) -> None:
    """Decode the `FD 17` error-flag record into flag texts and normalised alarms.

    A table entry applies when all bits of its mask are set (some texts are known only for a
    bit pair). Set bits no applied entry explains are kept as `ERROR_FLAGS_<hex>` (the
    reference's spelling) for the crew to read, but raise no normalised alarm: billing filters
    on those names, and an unexplained bit must not put a meter on the faulty list.
    """
    hit = found.get("error_flags")
    if hit is None or type(hit.value) is not int:
        return
    value = hit.value
    rest = value
    for mask, name, alarm in table:
        if value & mask == mask:
            rest &= ~mask
            flags.append(name)
            if alarm:
                t.add_alarm(alarm)
    if rest:
        flags.append(f"ERROR_FLAGS_{rest:X}")
