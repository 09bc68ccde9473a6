"""Per-layout field plans: the few records a driver reads, without a full parse per telegram.

The core keeps `Telegram.records` lazy: on a known layout it decodes only the summary values,
and touching `t.records` would cost a full parse. A driver needs a handful more records (status,
battery, set dates). Like the core's layout cache, a plan remembers, per record layout (payload
length + every non-value byte), where the records the driver wants sit; later telegrams of that
layout decode just those values. Which records are wanted is decided from headers only, never
from values, so the choice holds for the whole layout.

Records that a driver only renames into `t.extra` (its `RenameSpec`) are stored straight from
the slot; only the records it inspects are rebuilt, as light `PlanRecord` tuples.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from operator import itemgetter
from typing import Any, NamedTuple

from ..errors import DecodeError
from ..model import Telegram
from ..records import DataRecord, _Header, decode_value, parse_records

COMPACT_CI = frozenset((0x73, 0x79, 0x7B))
_MAX_PER_LENGTH = 8
_MAX_PLANS = 4096
_MEMO_MAX = 64
_SKIP = object()
_NUMBER = (int, float)


class PlanRecord(NamedTuple):
    """A record rebuilt from a plan: the core's cached header fields plus value and raw bytes.

    Built with one C-level tuple concatenation; it has every attribute the drivers read
    (quantity, storage, function, vifes, tariff, subunit, unit, dif, vif, value, raw).
    """

    dif: bytes
    vif: bytes
    storage: int
    tariff: int
    subunit: int
    function: str
    quantity: str
    unit: str
    exp: int
    kind: int
    vifes: tuple[str, ...]
    low: int
    profile: bool
    value: Any
    raw: bytes


# Plans rebuild records from the core's header tuples; should their fields ever change, plans
# switch off (every telegram is then fully parsed) rather than mislabel values.
_PLANS_USABLE = PlanRecord._fields[:13] == _Header._fields

Record = DataRecord | PlanRecord
Selector = Callable[[Record], bool]
_new = tuple.__new__

# (quantity, storage, function, vifes, tariff) of a record -> (extra name, scale), where scale is
# None (value as is), a factor, or a factor per record unit (durations, whose VIF picks the unit).
RecordKey = tuple[str, int, str, tuple[str, ...], int]
Scale = float | dict[str, float] | None
RenameSpec = dict[RecordKey, tuple[str, Scale]]


def key(quantity: str, storage: int = 0, function: str = "instantaneous", vifes: tuple[str, ...] = (),
        tariff: int = 0) -> RecordKey:
    return (quantity, storage, function, vifes, tariff)


def renamed(entry: tuple[str, Scale], value: Any, unit: str) -> Any:
    """The value a renamed record puts into `extra` (numbers scaled and rounded, so JSON shows
    no binary float noise), or `_SKIP` for an invalid or non-numeric one."""
    scale = entry[1]
    if scale is None:
        return _SKIP if value is None else value
    if type(value) not in _NUMBER:
        return _SKIP
    factor = scale.get(unit) if type(scale) is dict else scale
    if factor is None:
        return _SKIP
    scaled = round(float(value) * factor, 6)
    return int(scaled) if type(value) is int and scaled.is_integer() else scaled


def store(extra: dict[str, Any], entry: tuple[str, Scale], value: Any, unit: str) -> None:
    """Put a renamed record's value into `extra`; the first record of a name wins."""
    name = entry[0]
    if name not in extra:
        final = renamed(entry, value, unit)
        if final is not _SKIP:
            extra[name] = final


def _mfct_header(dif: bytes) -> _Header:
    return _Header(dif, b"", 0, 0, 0, "instantaneous", "manufacturer_data", "", 0, 3, (), 0x0F, False)


# (header, value start, value end, memo raw -> (value, renamed value), rename entry or None,
# keep as record, record start for variable-length values or -1)
_Slot = tuple[_Header, int, int, dict[bytes, tuple[Any, Any]], tuple[str, Scale] | None, bool, int]


class _Plan:
    __slots__ = ("getter", "skeleton", "slots")

    def __init__(self, getter: Callable[[bytes], Any], skeleton: Any, slots: tuple[_Slot, ...]) -> None:
        self.getter = getter
        self.skeleton = skeleton
        # Dates, flags and set-date readings repeat across meters and telegrams, and decoding is
        # most of a slot's cost, hence the per-slot memo of raw bytes -> (value, renamed value).
        self.slots = slots

    def apply(self, extra: dict[str, Any], payload: bytes) -> list[Record]:
        out: list[Record] = []
        for h, a, b, memo, entry, keep, start in self.slots:
            raw = payload[a:b]
            hit = memo.get(raw)
            if hit is None:
                if start >= 0:  # text or BCD of variable length: the core's parser, on this record only
                    value = parse_records(payload[start:b])[0].value
                elif h.low == 0x0F:
                    value = raw.hex()
                else:
                    value = decode_value(h, raw)
                hit = (value, _SKIP if entry is None else renamed(entry, value, h.unit))
                if len(memo) >= _MEMO_MAX:
                    memo.clear()
                memo[raw] = hit
            final = hit[1]
            if final is not _SKIP and entry[0] not in extra:  # type: ignore[index]
                extra[entry[0]] = final  # type: ignore[index]
            if keep:
                out.append(_new(PlanRecord, (*h, hit[0], raw)))
        return out


class FieldPlans:
    """One instance per driver: renames `spec` records into `t.extra` and returns the records
    of `quantities` or accepted by `also`, for the driver to inspect."""

    __slots__ = ("_also", "_by_length", "_count", "_quantities", "_spec")

    def __init__(self, spec: RenameSpec | None = None, quantities: Iterable[str] = (),
                 also: Selector | None = None) -> None:
        self._spec: RenameSpec = spec or {}
        self._quantities = frozenset(quantities)
        self._also = also
        self._by_length: dict[int, list[_Plan]] = {}
        self._count = 0

    def _roles(self, r: Record) -> tuple[tuple[str, Scale] | None, bool]:
        entry = None if r.subunit else self._spec.get((r.quantity, r.storage, r.function, r.vifes, r.tariff))
        keep = r.quantity in self._quantities or (self._also is not None and self._also(r))
        return entry, keep

    def select(self, t: Telegram, payload: bytes, where: str = "application layer") -> list[Record]:
        """Apply the renames and return the kept records of this telegram, in payload order.

        A damaged tail is tolerated as the core tolerates it (the records before it count); a
        payload with no record at all raises `DecodeError`.
        """
        if t.ci in COMPACT_CI:  # the core expanded these from a learned format already
            return self._from_records(t, t.records)
        plans = self._by_length.get(len(payload))
        if plans:
            for plan in plans:
                if plan.getter(payload) == plan.skeleton:
                    return plan.apply(t.extra, payload)
        records: list[DataRecord] = []
        spans: list[tuple[Any, int, int]] = []
        try:
            parse_records(payload, 0, where, records, spans)
        except DecodeError:
            if not records:
                raise
            # The bytes from the damage on are not in any span, so they are part of the
            # skeleton: a later payload matches only with the same damage, which fails the same way.
        if _PLANS_USABLE and len(spans) == len(records):
            self._learn(payload, records, spans)
        return self._from_records(t, records)

    def _from_records(self, t: Telegram, records: Iterable[Record]) -> list[Record]:
        out: list[Record] = []
        extra = t.extra
        for r in records:
            entry, keep = self._roles(r)
            if entry is not None:
                store(extra, entry, r.value, r.unit)
            if keep:
                out.append(r)
        return out

    def _learn(self, payload: bytes, records: list[DataRecord], spans: list[tuple[Any, int, int]]) -> None:
        slots: list[_Slot] = []
        for r, (h, a, b) in zip(records, spans, strict=True):
            entry, keep = self._roles(r)
            if entry is None and not keep:
                continue
            start = -1
            if h is None:
                h = _mfct_header(payload[a - 1 : a])
            elif h.low == 0x0D:  # variable length: the header and LVAR byte precede the value
                start = a - 1 - len(h.dif) - len(h.vif)
                if start < 0 or payload[start : a - 1] != h.dif + h.vif:
                    return
            slots.append((h, a, b, {}, entry, keep, start))
        values: set[int] = set()
        for _, a, b in spans:
            values.update(range(a, b))
        positions = [p for p in range(len(payload)) if p not in values]
        if not positions:
            getter: Callable[[bytes], Any] = lambda _p: ()  # noqa: E731
        elif len(positions) == 1:
            getter = itemgetter(positions[0])
        else:
            getter = itemgetter(*positions)
        plan = _Plan(getter, getter(payload), tuple(slots))
        if self._count >= _MAX_PLANS:
            self._by_length.clear()
            self._count = 0
        bucket = self._by_length.setdefault(len(payload), [])
        if len(bucket) >= _MAX_PER_LENGTH:
            bucket.pop(0)
            self._count -= 1
        bucket.append(plan)
        self._count += 1
