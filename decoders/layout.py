"""Layout plans: decode the summary of a telegram without walking all its records.

A meter model sends the same record layout (headers, fillers, lengths) in every telegram; only
the values change. After one full parse we keep, per layout, the byte positions that are not
values (the skeleton) and which records carry the summary. A later payload of the same length
whose skeleton bytes match (one C-level `itemgetter` and a tuple compare) has exactly the same
record structure, so only the three or four summary values need decoding. The full record list
is still produced on demand (`Telegram.records` is lazy) and is identical to a full parse; the
tests check that equivalence.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

from .records import DataRecord, _Header, decode_value, record_from_span
from .summary import Picks

_MAX_PER_LENGTH = 16
_MAX_PLANS = 8192


class Plan:
    __slots__ = ("flow_unit", "getter", "skeleton", "slots", "spans", "warning")

    def __init__(self, getter: Callable[[bytes], Any], skeleton: Any,
                 slots: tuple[tuple[_Header, int, int] | None, ...], flow_unit: str,
                 spans: tuple[tuple[_Header | None, int, int], ...], warning: str | None = None) -> None:
        self.getter = getter
        self.skeleton = skeleton
        self.slots = slots  # (header, value start, value end) for total, target, date, flow
        self.flow_unit = flow_unit
        self.spans = spans  # every record, for materialising the full list without a re-parse
        self.warning = warning  # the damaged-tail warning every payload of this layout earns

    def materialise(self, payload: bytes) -> list[DataRecord]:
        return [record_from_span(h, payload, a, b) for h, a, b in self.spans]

    def summary_values(self, payload: bytes) -> tuple[Any, Any, Any, Any]:
        s0, s1, s2, s3 = self.slots
        return (
            None if s0 is None else decode_value(s0[0], payload[s0[1] : s0[2]]),
            None if s1 is None else decode_value(s1[0], payload[s1[1] : s1[2]]),
            None if s2 is None else decode_value(s2[0], payload[s2[1] : s2[2]]),
            None if s3 is None else decode_value(s3[0], payload[s3[1] : s3[2]]),
        )


class LayoutCache:
    def __init__(self) -> None:
        self._by_length: dict[int, list[Plan]] = {}
        self._count = 0

    def match(self, payload: bytes) -> Plan | None:
        plans = self._by_length.get(len(payload))
        if plans:
            for plan in plans:
                if plan.getter(payload) == plan.skeleton:
                    return plan
        return None

    def learn(self, payload: bytes, records: list[DataRecord], spans: list[tuple[_Header | None, int, int]],
              picks: Picks, warning: str | None = None) -> Plan | None:
        """Record the layout of a parsed payload (`warning` if its tail was damaged)."""
        if len(spans) != len(records):
            return None
        value_positions: set[int] = set()
        for _, a, b in spans:
            value_positions.update(range(a, b))
        positions = [p for p in range(len(payload)) if p not in value_positions]
        slots: list[tuple[_Header, int, int] | None] = []
        for idx in picks:
            if idx is None:
                slots.append(None)
                continue
            h, a, b = spans[idx]
            if h is None or h.low == 0x0D:  # variable-length values are not planned
                return None
            slots.append((h, a, b))
        if len(positions) == 0:
            getter: Callable[[bytes], Any] = lambda _p: ()  # noqa: E731
            skeleton: Any = ()
        elif len(positions) == 1:
            getter = itemgetter(positions[0])
            skeleton = payload[positions[0]]
        else:
            getter = itemgetter(*positions)
            skeleton = getter(payload)
        flow_idx = picks[3]
        plan = Plan(getter, skeleton, tuple(slots), records[flow_idx].unit if flow_idx is not None else "",
                    tuple(spans), warning)
        bucket = self._by_length.setdefault(len(payload), [])
        if len(bucket) >= _MAX_PER_LENGTH:
            bucket.pop(0)
            self._count -= 1
        if self._count >= _MAX_PLANS:
            self._by_length.clear()
            self._count = 0
            bucket = self._by_length.setdefault(len(payload), [])
        bucket.append(plan)
        self._count += 1
        return plan
