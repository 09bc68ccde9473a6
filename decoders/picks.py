"""Per-layout record picking for drivers: the few registers a driver reads, by role.

A driver needs a handful of records beyond the summary (status, battery, a due date at another
storage number). Asking for `t.records` would rebuild every record of every telegram. The core
already knows each payload's layout (`layout.Plan`), so a `RecordPicker` decides once per
layout, from the record headers alone, which records play which role, and afterwards decodes
only those values. Selection must depend on headers only (quantity, unit, storage, function,
tariff, subunit, vifes, dif, vif), never on values, so that the choice holds for the whole
layout; a telegram whose layout has no plan falls back to scanning its records.

Most picked registers are only copied into `t.extra` under a name, converted (a float, a
scaled number). A picker given a `publish` rule compiles those once per layout into
(name, value function, start, end) steps, so a telegram costs one slice and one call per
published register: no `DataRecord` is built for a value nobody reads as a record, and a value
whose type passes unconverted is published straight from the header's decoder.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, NamedTuple

from .layout import Plan
from .model import Telegram
from .records import DataRecord, _Header, record_from_span

Selector = Callable[[DataRecord], Hashable | None]

_MAX_LAYOUTS = 4096


class Publish(NamedTuple):
    """How a role's value goes into `t.extra`: under `name`, as `convert(record value)` unless
    that is None (an invalid value, a wrong type); the first valid value of a name wins.
    `keep`: the caller also wants the record itself in the picked dict. `unchanged(header)`
    says that `convert` returns every value of that header as it is: the header's decoder then
    publishes directly, one call per value instead of two or three."""

    name: str
    convert: Callable[[Any], Any]
    keep: bool = False
    unchanged: Callable[[_Header], bool] | None = None


# Decided per role from the record headers only (the probe record has no value).
PublishRule = Callable[[Hashable, DataRecord], Publish | None]
ValueStep = tuple[str, Callable[[bytes], Any], int, int]


class _Program:
    """One picker's plan for one layout: the values to publish and the records to build.
    `distinct`: no two value steps share a name, so into an empty `extra` every step writes
    without asking whether an earlier one already did."""

    __slots__ = ("distinct", "records", "values")

    def __init__(self, values: tuple[ValueStep, ...], records: tuple[tuple[Hashable, int], ...]) -> None:
        self.values = values
        self.records = records
        self.distinct = len({step[0] for step in values}) == len(values)


class RecordPicker:
    """`select(record)` returns a role for a wanted record, None otherwise; the first record
    of each role wins, in payload order. With `numbered` (string roles), every record of a
    role is picked, the k-th under the role `role#k` from the second on: for meters that repeat
    a header for a second register. With `publish`, roles it names are published into `t.extra`
    by `pick` instead of (or, with `keep`, besides) being returned."""

    __slots__ = ("_by_plan", "_numbered", "_publish", "_select")

    def __init__(self, select: Selector, publish: PublishRule | None = None, numbered: bool = False) -> None:
        self._select = select
        self._publish = publish
        self._numbered = numbered
        self._by_plan: dict[Plan, _Program] = {}

    def pick(self, t: Telegram) -> dict[Hashable, DataRecord]:
        plan = t._plan
        if plan is None:
            return self.pick_records(t, t.records)
        prog = self._by_plan.get(plan)
        if prog is None:
            prog = self._learn(plan)
        payload = t.payload
        if prog.values:
            extra = t.extra
            if prog.distinct and not extra:
                for name, fn, a, b in prog.values:
                    v = fn(payload[a:b])
                    if v is not None:
                        extra[name] = v
            else:
                for name, fn, a, b in prog.values:
                    if name not in extra:
                        v = fn(payload[a:b])
                        if v is not None:
                            extra[name] = v
        spans = plan.spans
        out: dict[Hashable, DataRecord] = {}
        new = tuple.__new__
        for role, i in prog.records:
            h, a, b = spans[i]
            if h is not None and h.low != 0x0D and a != b:  # fixed-length value: build inline
                raw = payload[a:b]
                out[role] = new(DataRecord, h.prefix + (h.decode(raw), h.vifes, raw))  # noqa: RUF005
            else:
                out[role] = record_from_span(h, payload, a, b)
        return out

    def pick_records(self, t: Telegram, records: list[DataRecord]) -> dict[Hashable, DataRecord]:
        """The same choice (and publishing) over a record list the caller already holds (e.g. a
        driver that parses its own payload, or the records before a damaged tail)."""
        found = self._scan(records)
        rule = self._publish
        if rule is None:
            return found
        extra = t.extra
        out: dict[Hashable, DataRecord] = {}
        for role, r in found.items():
            use = rule(role, r)
            if use is None:
                out[role] = r
                continue
            if use.name not in extra:
                v = use.convert(r.value)
                if v is not None:
                    extra[use.name] = v
            if use.keep:
                out[role] = r
        return out

    def pick_raw(self, t: Telegram) -> dict[Hashable, tuple[bytes, bytes, bytes]]:
        """{role: (DIF bytes, VIF bytes, raw data)}: the same choice as `pick`, values left
        undecoded, for a driver that reads a flag word or a BCD string straight from the bytes.
        Only for pickers without a `publish` rule."""
        plan = t._plan
        if plan is None:
            return {role: (r.dif, r.vif, r.raw) for role, r in self._scan(t.records).items()}
        prog = self._by_plan.get(plan)
        if prog is None:
            prog = self._learn(plan)
        payload = t.payload
        spans = plan.spans
        out: dict[Hashable, tuple[bytes, bytes, bytes]] = {}
        for role, i in prog.records:
            h, a, b = spans[i]
            if h is None:
                out[role] = (payload[a - 1 : a], b"", payload[a:b])
            else:
                out[role] = (h.dif, h.vif, payload[a - 1 : b] if h.low == 0x0D else payload[a:b])
        return out

    def _scan(self, records: list[DataRecord]) -> dict[Hashable, DataRecord]:
        out: dict[Hashable, DataRecord] = {}
        select = self._select
        seen: dict[Hashable, int] = {}
        for r in records:
            role = self._role(select(r), seen)
            if role is not None and role not in out:
                out[role] = r
        return out

    def _role(self, role: Hashable | None, seen: dict[Hashable, int]) -> Hashable | None:
        """The role of the next record `select` named `role`: numbered repeats, or None for a
        repeat (the first record of a role wins)."""
        if role is None or not self._numbered:
            return role
        k = seen.get(role, 0) + 1
        seen[role] = k
        return role if k == 1 else f"{role}#{k}"

    def _learn(self, plan: Plan) -> _Program:
        seen: dict[Hashable, int] = {}
        probes: dict[Hashable, DataRecord] = {}
        counts: dict[Hashable, int] = {}
        for i, (h, _a, _b) in enumerate(plan.spans):
            if h is None:
                probe = DataRecord(b"\x0f", b"", 0, 0, 0, "instantaneous", "manufacturer_data", "", None)
            else:
                probe = DataRecord(h.dif, h.vif, h.storage, h.tariff, h.subunit, h.function, h.quantity, h.unit,
                                   None, h.vifes)
            role = self._role(self._select(probe), counts)
            if role is not None and role not in seen:
                seen[role] = i
                probes[role] = probe
        values: list[ValueStep] = []
        records: list[tuple[Hashable, int]] = []
        rule = self._publish
        for role, i in seen.items():
            use = rule(role, probes[role]) if rule is not None else None
            if use is None:
                records.append((role, i))
                continue
            values.append(_value_step(use, *plan.spans[i]))
            if use.keep:
                records.append((role, i))
        prog = _Program(tuple(values), tuple(records))
        if len(self._by_plan) >= _MAX_LAYOUTS:
            self._by_plan.clear()
        self._by_plan[plan] = prog
        return prog


def _value_step(use: Publish, h: _Header | None, a: int, b: int) -> ValueStep:
    """(name, fn, start, end) with fn(payload[start:end]) the published value (None: none)."""
    convert = use.convert
    if h is not None and h.low != 0x0D and a != b:
        decode = h.decode
        if use.unchanged is not None and use.unchanged(h):
            return use.name, decode, a, b
        return use.name, lambda raw: convert(decode(raw)), a, b
    if h is not None and h.low != 0x0D and a == b:
        none = convert(None)  # a zero-length data field has no value
        return use.name, lambda _raw: none, a, b
    # Variable-length (LVAR) and manufacturer data: hand over the slice from the byte before
    # the value (the LVAR byte, or the 0F/1F DIF) and rebuild the value as the full path does.
    return use.name, lambda raw: convert(record_from_span(h, raw, 1, len(raw)).value), a - 1, b
