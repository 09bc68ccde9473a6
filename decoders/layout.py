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

from collections.abc import Callable
from functools import partial
from struct import Struct
from typing import Any

from orjson import dumps

from .model import Telegram
from .records import SOURCE_NAMES, DataRecord, _Header, json_head, record_from_span, span_value
from .summary import Picks, to_m3h

# Where the value goes in a record's JSON. Inside a JSON string every quote is escaped, so `,"`
# occurs only between members: the first match is the value member itself.
_VALUE = b',"value":null'

_COMPILE_AT = 8  # a layout's JSON is compiled at its 8th telegram (`Plan._worth_compiling`)
_MAX_PER_LENGTH = 16
_MAX_PLANS = 8192


class Plan:
    __slots__ = ("_json", "_line", "_uses", "_values", "flow_unit", "mask", "skeleton", "slots", "spans", "summary",
                 "warning")

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
        # Built from the `_COMPILE_AT`-th payload's skeleton (the same bytes in every payload).
        self._json: tuple[tuple[dict[str, Any], tuple[str, ...]], ...] | None = None
        self._line: bytes | None = None  # the records' JSON with a %b per value
        # Every record value of a payload in one generated function (`_compile`).
        self._values: Callable[[bytes], list[Any]] | None = None
        self._uses = 0  # JSON requests before `_values` was compiled

    def materialise(self, payload: bytes) -> list[DataRecord]:
        return [record_from_span(h, payload, a, b) for h, a, b in self.spans]

    def records_json(self, payload: bytes) -> list[dict[str, Any]]:
        """`[r.to_json() for r in self.materialise(payload)]` without building the records: every
        key but the value is the layout's, built once (the CLI prints every record of every line)."""
        heads = self._json
        if heads is None:
            if not self._worth_compiling():
                return [r.to_json() for r in self.materialise(payload)]
            heads = self._json = tuple((head, head.get("vifes", ())) for head in self._heads(payload))
        out = []
        append = out.append
        for (head, vifes), value in zip(heads, self._values(payload), strict=True):  # type: ignore[misc]
            d = head.copy()
            d["value"] = value
            if vifes:  # a list of its own per record, as `DataRecord.to_json` gives
                d["vifes"] = list(vifes)
            append(d)
        return out

    def records_json_bytes(self, payload: bytes) -> bytes:
        """`orjson.dumps(self.records_json(payload))`, byte for byte, without the dicts.

        The JSON of a layout's records differs between telegrams only in the values, so the rest
        is one bytes template with a `%b` per value. The values are encoded by orjson in one call
        as a list and split at the commas; a value whose own JSON holds a comma (text) makes the
        comma count wrong, and then each value is encoded on its own.
        """
        template = self._line
        if template is None:
            if not self._worth_compiling():
                return dumps([r.to_json() for r in self.materialise(payload)])
            parts = [dumps(head).replace(b"%", b"%%").replace(_VALUE, b',"value":%b', 1)
                     for head in self._heads(payload)]
            template = self._line = b"[" + b",".join(parts) + b"]"
        values = self._values(payload)  # type: ignore[misc]
        body = dumps(values)
        if body.count(b",") == len(values) - 1:
            return template % tuple(body[1:-1].split(b","))
        return template % tuple(map(dumps, values))

    def _heads(self, payload: bytes) -> list[dict[str, Any]]:
        """`DataRecord.to_json` of each record with the value left None."""
        return [record_from_span(h, payload, a, b)._replace(value=None).to_json() if h is None else json_head(h)
                for h, a, b in self.spans]

    def _worth_compiling(self) -> bool:
        """Whether this payload is the layout's `_COMPILE_AT`-th: then `_values` is compiled.

        Compiling costs about as much as printing fifty telegrams the plain way, so a layout heard
        only a few times (damaged or one-off telegrams) is never compiled."""
        if self._values is not None:
            return True
        self._uses += 1
        if self._uses < _COMPILE_AT:
            return False
        self._compile()
        return True

    def _compile(self) -> None:
        """`_values`: every record value of a payload of this layout, in one generated function.

        Fixed-size integers (the bulk of all values) come from one `struct` unpack of the whole
        payload; the other simple codings are inlined from their header's `source` expression;
        the rest call the header's decoder. Compiled once per layout (a meter model's layout
        serves thousands of telegrams); only integers and names of our own go into the source."""
        names: dict[str, Any] = dict(SOURCE_NAMES)
        exprs = []
        fmt = ["<"]  # the struct format: pad bytes up to each integer, then its code(s)
        pos = fields = 0
        for i, (h, a, b) in enumerate(self.spans):
            raw = f"p[{a}:{b}]"
            if h is None:  # manufacturer data (DIF 0x0F/0x1F): the rest of the payload in hex
                exprs.append(f"{raw}.hex()")
            elif h.low == 0x0D:  # variable length: the decoder reads the LVAR byte in front
                names[f"_v{i}"] = partial(_lvar_value, h)
                exprs.append(f"_v{i}(p[{a - 1}:{b}])")
            elif a == b:  # no data bytes (DIF coding 0 or 8)
                exprs.append("None")
            elif h.source is None:
                names[f"_v{i}"] = h.decode
                exprs.append(f"_v{i}({raw})")
            else:
                ints = {"int_s": f"_fb({raw}, 'little', signed=True)", "int_u": f"_fb({raw}, 'little')"}
                kind = "int_s" if "{int_s}" in h.source else "int_u" if "{int_u}" in h.source else None
                codes = _INT_CODES.get(b - a)
                if kind is not None and codes is not None and a >= pos:
                    code, high = codes[kind == "int_u"]
                    fmt.append(f"{a - pos}x{code}{high or ''}" if a > pos else f"{code}{high or ''}")
                    if high is None:
                        ints[kind] = f"_t[{fields}]"
                    else:  # 3 or 6 bytes: the unsigned low part, then the high part with the sign
                        ints[kind] = f"(_t[{fields}] | _t[{fields + 1}] << {8 * _SIZES[code]})"
                    fields += 1 if high is None else 2
                    pos = b
                exprs.append(h.source.format(r=raw, **ints))
        body = f"    return [{', '.join(exprs)}]\n"
        if fields:
            names["_unpack"] = Struct("".join(fmt)).unpack_from
            body = "    _t = _unpack(p)\n" + body
        exec(compile(f"def values(p):\n{body}", "<layout values>", "exec"), names)
        self._values = names["values"]

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


# struct codes of a little-endian integer by size: (signed, unsigned), each (code, high-part code);
# 3 and 6 bytes have no code of their own and are read as an unsigned low part and a high part.
_INT_CODES: dict[int, tuple[tuple[str, str | None], tuple[str, str | None]]] = {
    1: (("b", None), ("B", None)), 2: (("h", None), ("H", None)), 4: (("i", None), ("I", None)),
    8: (("q", None), ("Q", None)), 3: (("H", "b"), ("H", "B")), 6: (("I", "h"), ("I", "H")),
}
_SIZES = {"H": 2, "I": 4}


def _lvar_value(h: _Header, raw: bytes) -> Any:
    """The value of a variable-length record from its slice, LVAR byte first."""
    return span_value(h, raw, 1, len(raw))[0]


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
