"""Per-layout read plans for the D3 drivers: the few records a driver reads, without a full parse.

The core keeps `Telegram.records` lazy (on a known layout it decodes only the summary), so a
driver touching `t.records` would cost a full parse per telegram. A plan remembers, per record
layout (payload length plus every byte that is not a value), where the records the driver
wants sit; later telegrams of that layout decode only those values. Which records are wanted
is decided from headers alone, so the choice holds for every telegram of the layout.

A name starting with "+" publishes the value straight into `t.extra` under the rest of the
name (numbers as float, text as is, invalid values left out): history-heavy meters then cost
one slice and one dict store per register.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from operator import itemgetter
from typing import Any

from ..errors import DecodeError
from ..model import Telegram
from ..records import DataRecord, decode_value, parse_records, record_from_span

COMPACT_CI = frozenset((0x73, 0x79, 0x7B))
_MAX_PER_LENGTH = 8
_MAX_PLANS = 2048
_MEMO_MAX = 64
_NUMBER = (int, float)
_SKIP: Any = object()

RecordKey = tuple[str, int, str]
# name -> (value, raw bytes as in DataRecord.raw)
Found = dict[str, tuple[Any, bytes]]
Want = Callable[[DataRecord], str | None]
# (name, extra name or None, header, value start, value end, memo of raw -> found entry)
_Slot = tuple[str, str | None, Any, int, int, dict[bytes, tuple[Any, bytes]]]


def _no_skeleton(payload: bytes) -> tuple[()]:
    return ()


def _published(value: Any) -> Any:
    """The form of a value in `t.extra`: float for numbers, text as is, `_SKIP` otherwise."""
    if type(value) in _NUMBER:
        return float(value)
    if type(value) is str:
        return value
    return _SKIP


class Plans:
    """One instance per driver.

    `spec` names plain records (tariff 0, subunit 0, no VIFE) by (quantity, storage, function);
    `custom` may name any record. A name seen twice in one layout gets `#2`, `#3`... appended.
    """

    __slots__ = ("_by_length", "_compact", "_count", "_custom", "_spec")

    def __init__(self, spec: Mapping[RecordKey, str], custom: Want | None = None) -> None:
        self._spec = dict(spec)
        self._custom = custom
        self._by_length: dict[int, list[tuple[Callable[[bytes], Any], Any, tuple[_Slot, ...]]]] = {}
        self._count = 0
        self._compact: dict[tuple[bytes, int], list[str | None]] = {}

    def _names(self, records: Iterable[DataRecord]) -> list[str | None]:
        spec = self._spec
        custom = self._custom
        seen: dict[str, int] = {}
        out: list[str | None] = []
        for r in records:
            name = custom(r) if custom is not None else None
            if name is None and not (r.tariff or r.subunit or r.vifes):
                name = spec.get((r.quantity, r.storage, r.function))
            if name is not None:
                k = seen.get(name, 0) + 1
                seen[name] = k
                if k > 1:
                    name = f"{name}#{k}"
            out.append(name)
        return out

    def read(self, t: Telegram, payload: bytes) -> Found:
        """The wanted records of this telegram; a payload with no record at all raises."""
        if t.ci in COMPACT_CI:  # no headers in the payload: the core has expanded the records
            records = t.records
            # The format signature names the layout, so the names are worked out once per format.
            at = 2 if payload[:2] == b"\x2f\x2f" else 0
            key = (payload[at : at + 2], len(records))
            names = self._compact.get(key)
            if names is None:
                if len(self._compact) >= _MAX_PLANS:
                    self._compact.clear()
                names = self._compact[key] = self._names(records)
            return _from_records(t.extra, names, records)
        plans = self._by_length.get(len(payload))
        if plans:
            for getter, skeleton, slots in plans:
                if getter(payload) == skeleton:
                    return _apply(t.extra, slots, payload)
        records: list[DataRecord] = []
        spans: list[tuple[Any, int, int]] = []
        try:
            parse_records(payload, 0, "application layer", records, spans)
        except DecodeError:
            if not records:
                raise
            # The records before a damaged tail still count, as in the core. The bytes from the
            # damage on are in no span, hence part of the skeleton: a later payload matches the
            # plan only with the same damage, which fails the same way.
        names = self._names(records)
        if len(spans) == len(records):
            self._learn(payload, names, spans)
        return _from_records(t.extra, names, records)

    def _learn(self, payload: bytes, names: list[str | None], spans: list[tuple[Any, int, int]]) -> None:
        in_value = bytearray(len(payload))
        slots: list[_Slot] = []
        for name, (h, a, b) in zip(names, spans, strict=True):
            in_value[a:b] = b"\x01" * (b - a)
            if name is not None:
                slots.append((name, name[1:] if name[0] == "+" else None, h, a, b, {}))
        positions = [i for i, v in enumerate(in_value) if not v]
        getter: Callable[[bytes], Any] = itemgetter(*positions) if positions else _no_skeleton
        if self._count >= _MAX_PLANS:
            self._by_length.clear()
            self._count = 0
        bucket = self._by_length.setdefault(len(payload), [])
        if len(bucket) >= _MAX_PER_LENGTH:
            bucket.pop(0)
            self._count -= 1
        bucket.append((getter, getter(payload), tuple(slots)))
        self._count += 1


def _from_records(extra: dict[str, Any], names: list[str | None], records: list[DataRecord]) -> Found:
    out: Found = {}
    for name, r in zip(names, records, strict=True):
        if name is None:
            continue
        if name[0] == "+":
            value = _published(r.value)
            if value is not _SKIP:
                extra[name[1:]] = value
        else:
            out[name] = (r.value, r.raw)
    return out


def _apply(extra: dict[str, Any], slots: tuple[_Slot, ...], payload: bytes) -> Found:
    out: Found = {}
    for name, published, h, a, b, memo in slots:
        raw = payload[a:b]
        hit = memo.get(raw)
        if hit is None:
            if h is None:  # 0F/1F manufacturer data to the end
                hit = (raw.hex(), raw)
            elif h.low == 0x0D:  # variable length: DataRecord.raw includes the LVAR byte
                hit = (record_from_span(h, payload, a, b).value, payload[a - 1 : b])
            else:
                hit = (decode_value(h, raw), raw)
            if published is not None:
                hit = (_published(hit[0]), raw)
            if len(memo) >= _MEMO_MAX:
                memo.clear()
            memo[raw] = hit
        if published is None:
            out[name] = hit
        elif hit[0] is not _SKIP:
            extra[published] = hit[0]
    return out
