"""Per-layout record picking for drivers: the few registers a driver reads, by role.

A driver needs a handful of records beyond the summary (status, battery, a due date at another
storage number). Asking for `t.records` would rebuild every record of every telegram. The core
already knows each payload's layout (`layout.Plan`), so a `RecordPicker` decides once per
layout, from the record headers alone, which records play which role, and afterwards decodes
only those values. Selection must depend on headers only (quantity, unit, storage, function,
tariff, subunit, vifes, dif, vif), never on values, so that the choice holds for the whole
layout; a telegram whose layout has no plan falls back to scanning its records.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from .layout import Plan
from .model import Telegram
from .records import DataRecord, record_from_span

Selector = Callable[[DataRecord], Hashable | None]

_MAX_LAYOUTS = 4096


class RecordPicker:
    """`select(record)` returns a role for a wanted record, None otherwise; the first record
    of each role wins, in payload order."""

    __slots__ = ("_by_plan", "_select")

    def __init__(self, select: Selector) -> None:
        self._select = select
        self._by_plan: dict[Plan, tuple[tuple[Hashable, int], ...]] = {}

    def pick(self, t: Telegram) -> dict[Hashable, DataRecord]:
        plan = t._plan
        if plan is None:
            return self._scan(t.records)
        roles = self._by_plan.get(plan)
        if roles is None:
            roles = self._learn(plan)
        payload = t.payload
        spans = plan.spans
        out: dict[Hashable, DataRecord] = {}
        new = tuple.__new__
        for role, i in roles:
            h, a, b = spans[i]
            if h is not None and h.low != 0x0D and a != b:  # fixed-length value: build inline
                raw = payload[a:b]
                out[role] = new(DataRecord, (*h.prefix, h.decode(raw), h.vifes, raw))
            else:
                out[role] = record_from_span(h, payload, a, b)
        return out

    def pick_records(self, records: list[DataRecord]) -> dict[Hashable, DataRecord]:
        """The same choice over a record list the caller already holds (e.g. a driver that
        parses its own payload, or the records before a damaged tail)."""
        return self._scan(records)

    def pick_raw(self, t: Telegram) -> dict[Hashable, tuple[bytes, bytes, bytes]]:
        """{role: (DIF bytes, VIF bytes, raw data)}: the same choice as `pick`, values left
        undecoded, for a driver that reads a flag word or a BCD string straight from the bytes."""
        plan = t._plan
        if plan is None:
            return {role: (r.dif, r.vif, r.raw) for role, r in self._scan(t.records).items()}
        roles = self._by_plan.get(plan)
        if roles is None:
            roles = self._learn(plan)
        payload = t.payload
        spans = plan.spans
        out: dict[Hashable, tuple[bytes, bytes, bytes]] = {}
        for role, i in roles:
            h, a, b = spans[i]
            if h is None:
                out[role] = (payload[a - 1 : a], b"", payload[a:b])
            else:
                out[role] = (h.dif, h.vif, payload[a - 1 : b] if h.low == 0x0D else payload[a:b])
        return out

    def _scan(self, records: list[DataRecord]) -> dict[Hashable, DataRecord]:
        out: dict[Hashable, DataRecord] = {}
        select = self._select
        for r in records:
            role = select(r)
            if role is not None and role not in out:
                out[role] = r
        return out

    def _learn(self, plan: Plan) -> tuple[tuple[Hashable, int], ...]:
        seen: dict[Hashable, int] = {}
        for i, (h, _a, _b) in enumerate(plan.spans):
            if h is None:
                probe = DataRecord(b"\x0f", b"", 0, 0, 0, "instantaneous", "manufacturer_data", "", None)
            else:
                probe = DataRecord(h.dif, h.vif, h.storage, h.tariff, h.subunit, h.function, h.quantity, h.unit,
                                   None, h.vifes)
            role = self._select(probe)
            if role is not None and role not in seen:
                seen[role] = i
        roles = tuple(seen.items())
        if len(self._by_plan) >= _MAX_LAYOUTS:
            self._by_plan.clear()
        self._by_plan[plan] = roles
        return roles
