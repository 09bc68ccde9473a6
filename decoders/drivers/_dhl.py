"""Helpers shared by the D2 drivers (Diehl group, Sensus, Itron, Sontex, Maddalena and others).

Most of these meters send standard EN 13757-3 records; the drivers only rename a few of them,
pick the right due-date storage and turn status records into normalised alarms. The helpers
take an explicit record list: the few records a driver selected through its `RecordPicker`
(`decoders.picks`, built by `picker` below), which on a known layout decodes only those values.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Hashable, Iterable
from functools import lru_cache, partial
from typing import Any

from ..alarms import ERROR, LOW_BATTERY, PERMANENT_ERROR, TEMPORARY_ERROR
from ..errors import DecodeError
from ..linklayer import id_from_bytes
from ..media import media_name
from ..model import DriverContext, Telegram
from ..picks import Publish, RecordPicker
from ..records import DataRecord, _Header, parse_records

Record = DataRecord

DAYS_PER_YEAR = 365.0
# Diehl prints battery life in Gregorian years; the reference decoder agrees to 1e-6 with this.
DAYS_PER_GREGORIAN_YEAR = 365.2425
TO_SECONDS: dict[str, float] = {"s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
TO_HOURS: dict[str, float] = {"s": 1 / 3600, "min": 1 / 60, "h": 1.0, "d": 24.0}

_NUMBER = (int, float)

# (quantity, storage, function, vifes, tariff) of a record -> (extra name, scale), where scale is
# None (value as is), a factor, or a factor per record unit (durations, whose VIF picks the unit).
RecordKey = tuple[str, int, str, tuple[str, ...], int]
Scale = float | dict[str, float] | None
RenameSpec = dict[RecordKey, tuple[str, Scale]]


def key(quantity: str, storage: int = 0, function: str = "instantaneous", vifes: tuple[str, ...] = (),
        tariff: int = 0) -> RecordKey:
    return (quantity, storage, function, vifes, tariff)


def rename_converter(scale: Scale, unit: str) -> Callable[[Any], Any]:
    """The value a renamed record of `unit` puts into `extra` (numbers scaled and rounded, so JSON
    shows no binary float noise), or None for an invalid or non-numeric one. Chosen once per
    layout: the unit, and so the factor, is fixed by the record header."""
    if scale is None:
        return _as_is
    factor = scale.get(unit) if type(scale) is dict else scale
    if factor is None:
        return _skip
    return partial(_scaled, factor)


def _as_is(value: Any) -> Any:
    return value


def _skip(_value: Any) -> Any:
    return None


def _scaled(factor: float, value: Any) -> Any:
    kind = type(value)
    if kind is not int and kind is not float:
        return None
    scaled = round(float(value) * factor, 6)
    return int(scaled) if kind is int and scaled.is_integer() else scaled


def _any_header(_h: _Header) -> bool:
    return True


def _six_places(h: _Header) -> bool:
    """Values that `_scaled(1.0, v)` returns unchanged: a float n / 10**k with k <= 6 is the
    double nearest a number of at most six decimals, so rounding to six places gives it back;
    an integer of at most 48 bits survives the float round trip."""
    if h.vtype is float:
        return h.exp >= -6
    return h.vtype is int and h.exp == 0 and h.low != 0x7


def _unchanged(scale: Scale, unit: str) -> Callable[[_Header], bool] | None:
    if scale is None:
        return _any_header
    factor = scale.get(unit) if type(scale) is dict else scale
    return _six_places if factor == 1.0 else None


def flags_decoder(plans: Selection) -> Callable[[Telegram, DriverContext], None]:
    """The decode of drivers whose extras are renames plus the status and error-flag texts."""

    def decode(t: Telegram, ctx: DriverContext) -> None:
        records = plans.select(t, ctx.payload)
        sts_flags(t)
        error_flags(t, first(records, "error_flags", plain_only=False))
        finish_status(t)

    return decode


class Selection:
    """One per driver: a `RecordPicker` for the records renamed by `spec` into `t.extra`, of
    `quantities`, or accepted by `also` (headers only). A record's role is its DIF/VIF bytes, so
    every wanted register is picked, in payload order. Renames are compiled per layout by the
    picker; only the records of `quantities` or `also` are built and returned."""

    __slots__ = ("_picker", "spec")

    def __init__(self, spec: RenameSpec | None = None, quantities: Iterable[str] = (),
                 also: Callable[[DataRecord], bool] | None = None) -> None:
        self.spec: RenameSpec = spec or {}
        wanted = frozenset(quantities)
        spec_keys = self.spec

        def role(r: DataRecord) -> tuple[bytes, bytes, RecordKey | None, bool] | None:
            k = None if r.subunit else (r.quantity, r.storage, r.function, r.vifes, r.tariff)
            if k not in spec_keys:
                k = None
            keep = r.quantity in wanted or (also is not None and also(r))
            if k is not None or keep:
                return (r.dif, r.vif, k, keep)  # the rename key rides along, looked up once per layout
            return None

        def publish(role: Hashable, probe: DataRecord) -> Publish | None:
            _dif, _vif, k, keep = role  # type: ignore[misc]
            if k is None:
                return None
            name, scale = spec_keys[k]
            return Publish(name, rename_converter(scale, probe.unit), keep, _unchanged(scale, probe.unit))

        self._picker = RecordPicker(role, publish)

    def select(self, t: Telegram, payload: bytes, where: str = "application layer",
               records: list[DataRecord] | None = None) -> list[DataRecord]:
        """Apply the renames and return the picked records of `quantities` or `also`, in
        payload order.

        `payload` is the driver's `ctx.payload`; when the core did not decode it into `t`
        (manufacturer CI), or `records` are given, the picks come from those records. A damaged
        tail is tolerated as the core tolerates it; a payload with no record raises `DecodeError`.
        """
        if records is not None:
            picks = self._picker.pick_records(t, records)
        elif t.payload is payload:
            picks = self._picker.pick(t)
        else:
            picks = self._picker.pick_records(t, parse_tolerant(payload, where)[0])
        return list(picks.values())


def parse_tolerant(payload: bytes, where: str) -> tuple[list[DataRecord], list[Any], bool]:
    """Records (and value spans) of `payload`, keeping those before a damaged tail (the third
    item is then True); a payload with no record at all raises `DecodeError`."""
    records: list[DataRecord] = []
    spans: list[Any] = []
    try:
        parse_records(payload, 0, where, records, spans)
    except DecodeError:
        if not records:
            raise
        return records, spans, True
    return records, spans, False


def plain(r: Record) -> bool:
    """A record without tariff, subunit or combinable VIFE: the register the quantity names."""
    return not (r.tariff or r.subunit or r.vifes)


def is_number(value: object) -> bool:
    return type(value) in _NUMBER


def first(records: Iterable[Record], quantity: str, storage: int = 0, function: str = "instantaneous",
          plain_only: bool = True) -> Record | None:
    for r in records:
        if r.quantity == quantity and r.storage == storage and r.function == function and (
                not plain_only or plain(r)):
            return r
    return None


def flags(t: Telegram) -> list[str]:
    """The manufacturer's own status words, created on first use."""
    out = t.extra.get("status_flags")
    if out is None:
        out = t.extra["status_flags"] = []
    return out


def add_flag(t: Telegram, text: str, alarm: str | None) -> None:
    f = flags(t)
    if text not in f:
        f.append(text)
    if alarm:
        t.add_alarm(alarm)


def sts_flags(t: Telegram) -> None:
    """Mirror the TPL status alarms (already normalised by the core) as status text."""
    sts = t.sts
    if not sts:
        return
    low = sts & 0x03
    if low == 0b10:
        add_flag(t, "ERROR", None)
    elif low == 0b11:
        add_flag(t, "ALARM", None)
    if sts & 0x04:
        add_flag(t, "POWER_LOW", LOW_BATTERY)
    if sts & 0x08:
        add_flag(t, "PERMANENT_ERROR", PERMANENT_ERROR)
    if sts & 0x10:
        add_flag(t, "TEMPORARY_ERROR", TEMPORARY_ERROR)


def error_flags(t: Telegram, r: Record | None, name: str = "ERROR_FLAGS") -> None:
    """EN 13757-3 error flags (VIF FD 17): bit meanings are the manufacturer's, so any bit set
    is an ERROR and the raw value is kept for the crews; zero means OK."""
    if r is None or type(r.value) is not int:
        return
    if r.value:
        add_flag(t, f"{name}_0x{r.value:X}", ERROR)


def finish_status(t: Telegram) -> None:
    """Every D2 driver reports `status_flags`; an empty list is the reference's "OK"."""
    if "status_flags" not in t.extra:
        t.extra["status_flags"] = []


def target_from_datetime_storage(t: Telegram, records: Iterable[Record]) -> int | None:
    """Diehl meters keep the last due-date reading at the storage that also carries a type F
    date-time (reference: "target_datetime"), not always at storage 1; the storage-1 value is
    then an older (annual) set-date reading. Returns the storage used, if any."""
    volumes: dict[int, float] = {}
    stamps: dict[int, str] = {}
    for r in records:
        if r.function != "instantaneous" or r.storage == 0 or r.tariff or r.subunit or r.vifes:
            continue
        if r.quantity == "volume" and r.unit == "m3" and type(r.value) in _NUMBER:
            volumes.setdefault(r.storage, float(r.value))
        elif r.quantity == "datetime" and type(r.value) is str:
            stamps.setdefault(r.storage, r.value)
    for storage in sorted(stamps):
        if storage in volumes:
            t.target_m3 = volumes[storage]
            t.target_date = stamps[storage][:10]
            t.extra["target_datetime"] = stamps[storage]
            return storage
    return None


def month_end(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


@lru_cache(maxsize=4096)
def months_back(date: str, n: int) -> str | None:
    """`date` (YYYY-MM-DD) moved n months back; a month-end stays a month-end (history dates)."""
    try:
        year, month, day = int(date[0:4]), int(date[5:7]), int(date[8:10])
        last = day == month_end(year, month)
    except ValueError:  # calendar.IllegalMonthError is a ValueError
        return None
    total = year * 12 + (month - 1) - n
    y, m = divmod(total, 12)
    m += 1
    if y < 1:
        return None
    d = month_end(y, m) if last else min(day, month_end(y, m))
    return f"{y:04d}-{m:02d}-{d:02d}"


def swap_diehl_address(t: Telegram, a_field: bytes) -> None:
    """Diehl PRIOS/real-data frames send the link address as version, type, id(4); put it back in
    standard order so the id printed matches the meter's label."""
    if len(a_field) != 6:
        return
    t.id = id_from_bytes(a_field[2:6])
    t.version = a_field[0]
    t.device_type = a_field[1]
    t.media = media_name(a_field[1])
