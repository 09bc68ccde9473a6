"""Layout plans: decode the summary of a telegram without walking all its records.

A meter model sends the same record layout (headers, fillers, lengths) in every telegram; only
the values change. After one full parse we keep, per layout, the byte positions that are not
values (the skeleton) and which records carry the summary. A later payload of the same length
whose skeleton bytes match (the payload as one integer, masked to the skeleton bytes and
compared: three C-level steps) has exactly the same record structure, so only the three or four
summary values need decoding. The full record list is still produced on demand
(`Telegram.records` is lazy) and is identical to a full parse; the tests check that equivalence.
"""

from __future__ import annotations

from typing import Any

from .model import Telegram
from .records import DataRecord, _Header, json_head, record_from_span, span_value
from .summary import Picks, to_m3h

_MAX_PER_LENGTH = 16
_MAX_PLANS = 8192


class Plan:
    __slots__ = ("_json", "flow_unit", "mask", "skeleton", "slots", "spans", "summary", "warning")

    def __init__(self, mask: int, skeleton: int,
                 slots: tuple[tuple[_Header, int, int] | None, ...], flow_unit: str,
                 spans: tuple[tuple[_Header | None, int, int], ...], warning: str | None = None) -> None:
        # A payload of the plan's length has this layout when
        # int.from_bytes(payload, "big") & mask == skeleton: the mask keeps the non-value bytes.
        self.mask = mask
        self.skeleton = skeleton
        self.slots = slots  # (header, value start, value end) for total, target, date, flow
        # (value decoder, start, end) per slot: planned slots are fixed-length and never empty
        # (the summary takes numeric codings only), so the decoder is called directly.
        self.summary = tuple(None if s is None else (s[0].decode, s[1], s[2]) for s in slots)
        self.flow_unit = flow_unit
        self.spans = spans  # every record, for materialising the full list without a re-parse
        self.warning = warning  # the damaged-tail warning every payload of this layout earns
        self._json: tuple[tuple[dict[str, Any] | None, _Header | None, int, int], ...] | None = None

    def materialise(self, payload: bytes) -> list[DataRecord]:
        return [record_from_span(h, payload, a, b) for h, a, b in self.spans]

    def records_json(self, payload: bytes) -> list[dict[str, Any]]:
        """`[r.to_json() for r in self.materialise(payload)]` without building the records: every
        key but the value is the layout's, built once (the CLI prints every record of every line)."""
        spans = self._json
        if spans is None:
            spans = self._json = tuple((None if h is None else json_head(h), h, a, b) for h, a, b in self.spans)
        out = []
        append = out.append
        for head, h, a, b in spans:
            if head is None:
                append(record_from_span(h, payload, a, b).to_json())
                continue
            d = head.copy()
            d["value"] = span_value(h, payload, a, b)[0]  # type: ignore[arg-type]
            if h.vifes:  # type: ignore[union-attr]
                d["vifes"] = list(h.vifes)  # type: ignore[union-attr]
            append(d)
        return out

    def apply_summary(self, t: Telegram, payload: bytes) -> None:
        """What `summary.apply_summary` does with this layout's summary values, decoded straight
        from the payload in one call: it runs for nearly every telegram."""
        s0, s1, s2, s3 = self.summary
        if s0 is not None:
            v = s0[0](payload[s0[1] : s0[2]])
            kind = type(v)
            if kind is float:
                t.total_m3 = v
            elif kind is int:
                t.total_m3 = float(v)
        if s1 is not None:
            v = s1[0](payload[s1[1] : s1[2]])
            kind = type(v)
            if kind is float:
                t.target_m3 = v
            elif kind is int:
                t.target_m3 = float(v)
        if s2 is not None:
            v = s2[0](payload[s2[1] : s2[2]])
            if type(v) is str:
                t.target_date = v[:10]
        if s3 is not None:
            v = s3[0](payload[s3[1] : s3[2]])
            if type(v) in (int, float):
                t.flow_m3h = to_m3h(v, self.flow_unit)


class LayoutCache:
    def __init__(self) -> None:
        self._by_length: dict[int, list[Plan]] = {}
        self._count = 0

    def match(self, payload: bytes) -> Plan | None:
        plans = self._by_length.get(len(payload))
        if plans:
            value = int.from_bytes(payload, "big")
            for plan in plans:
                if value & plan.mask == plan.skeleton:
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
        slots: list[tuple[_Header, int, int] | None] = []
        for idx in picks:
            if idx is None:
                slots.append(None)
                continue
            h, a, b = spans[idx]
            if h is None or h.low == 0x0D:  # variable-length values are not planned
                return None
            slots.append((h, a, b))
        mask = int.from_bytes(bytes(0 if p in value_positions else 0xFF for p in range(len(payload))), "big")
        flow_idx = picks[3]
        plan = Plan(mask, int.from_bytes(payload, "big") & mask, tuple(slots),
                    records[flow_idx].unit if flow_idx is not None else "", tuple(spans), warning)
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
