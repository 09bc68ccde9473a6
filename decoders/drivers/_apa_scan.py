"""Pick a few named registers out of an EN 13757-3 payload without building the record list.

The core decodes the summary from a cached layout plan and parses the full record list only
when someone asks for `t.records`; a driver that reads `t.records` for one clock or one flag
word would pay that full parse on every telegram. This walk only steps over the DIF/VIF
headers and slices the data of the records asked for.

Only plain records are picked: no DIFE (storage 0, tariff 0, subunit 0) and function
"instantaneous", the registers the reference prints. A malformed payload simply ends the walk:
the core has already judged the frame, this is a read-only look.

A meter model repeats one record layout, so `Picker` remembers, per layout, where the wanted
data sit: the next payload of that layout costs one C-level `itemgetter` over the bytes that
steer the walk and a tuple compare (the idea of the core's layout plans), whatever its record
count.
"""

from __future__ import annotations

from collections.abc import Mapping
from operator import itemgetter
from typing import Any

Found = dict[str, tuple[int, bytes, bytes]]
# Data field length by DIF low nibble; -1 = variable length (LVAR), -2 = manufacturer data / special.
_LENGTHS = (0, 1, 2, 3, 4, 4, 6, 8, 0, 1, 2, 3, 4, -1, 6, -2)
BCD_CODINGS = frozenset((0x9, 0xA, 0xB, 0xC, 0xE))
_MAX_PLANS_PER_LENGTH = 8
_MAX_PLANS = 512


def _lvar_size(lvar: int) -> int:
    if lvar <= 0xBF:
        return lvar
    if lvar <= 0xDF:
        return lvar & 0x0F
    if lvar <= 0xEF:
        return lvar - 0xE0
    if lvar <= 0xF4:
        return 4 * (lvar - 0xEC)
    if lvar == 0xF5:
        return 48
    if lvar == 0xF6:
        return 64
    return -1


def pick(payload: bytes, wanted: Mapping[bytes, str], trace: list[int] | None = None,
         spans: dict[str, int] | None = None) -> Found:
    """{name: (DIF, VIF bytes, data)} for the first plain record whose VIF bytes `wanted` names.

    With `trace`, every byte position that steers the walk (headers, LVAR and filler bytes, the
    DIF that ends it) is appended, then -1 if the walk reached a clean end; `spans` receives
    the data offset of each picked register.
    """
    out: Found = {}
    n = len(payload)
    i = 0
    lengths = _LENGTHS
    while i < n:
        start = i
        dif = payload[i]
        i += 1
        low = dif & 0x0F
        if low == 0x0F:
            if trace is not None:
                trace.append(start)
            if dif == 0x2F:
                continue
            break  # manufacturer data to the end, or a reserved DIF
        ext = dif & 0x80
        while ext:
            if i >= n:
                return out
            ext = payload[i] & 0x80
            i += 1
        if i >= n:
            return out
        vif_start = i
        vif = payload[i]
        i += 1
        if vif == 0xFD or vif == 0xFB:
            if i >= n:
                return out
            more = payload[i] & 0x80
            i += 1
        elif vif & 0x7F == 0x7C:
            if i >= n:
                return out
            i += 1 + payload[i]
            more = vif & 0x80
        else:
            more = vif & 0x80
        while more:
            if i >= n:
                return out
            more = payload[i] & 0x80
            i += 1
        vif_end = i
        size = lengths[low]
        if size == -1:
            if i >= n:
                return out
            size = _lvar_size(payload[i])
            i += 1
            if size < 0:
                return out
        if i + size > n:
            return out
        if trace is not None:
            trace.extend(range(start, i))
        if not dif & 0xF0:
            vif_bytes = payload[vif_start:vif_end]
            name = wanted.get(vif_bytes)
            if name is not None and name not in out:
                out[name] = (dif, vif_bytes, payload[i : i + size])
                if spans is not None:
                    spans[name] = i
        i += size
    if trace is not None:
        trace.append(-1)
    return out


class Picker:
    """`pick` for one driver's wanted registers, remembering per layout where they are."""

    __slots__ = ("_count", "_plans", "wanted")

    def __init__(self, wanted: Mapping[bytes, str]) -> None:
        self.wanted = dict(wanted)
        self._plans: dict[int, list[tuple[Any, Any, tuple[tuple[str, int, bytes, int, int], ...]]]] = {}
        self._count = 0

    def __call__(self, payload: bytes) -> Found:
        plans = self._plans.get(len(payload))
        if plans:
            for getter, skeleton, slots in plans:
                if getter(payload) == skeleton:
                    return {name: (dif, vif, payload[a:b]) for name, dif, vif, a, b in slots}
        return self._learn(payload)

    def _learn(self, payload: bytes) -> Found:
        trace: list[int] = []
        spans: dict[str, int] = {}
        found = pick(payload, self.wanted, trace, spans)
        # Only a clean walk over at least two steering bytes makes a plan (itemgetter of a
        # single position returns a scalar, and an unfinished walk proves nothing).
        if len(trace) < 3 or trace[-1] != -1 or self._count >= _MAX_PLANS:
            return found
        plans = self._plans.setdefault(len(payload), [])
        if len(plans) >= _MAX_PLANS_PER_LENGTH:
            return found
        getter = itemgetter(*trace[:-1])
        slots = tuple((name, dif, vif, spans[name], spans[name] + len(data))
                      for name, (dif, vif, data) in found.items())
        plans.append((getter, getter(payload), slots))
        self._count += 1
        return found


def as_int(dif: int, data: bytes) -> int | None:
    """Binary integers unsigned (flag words), BCD as decimal digits; None for an invalid BCD."""
    if (dif & 0x0F) in BCD_CODINGS:
        digits = data[::-1].hex()
        return int(digits) if digits.isdigit() else None
    return int.from_bytes(data, "little")


def as_signed(dif: int, data: bytes) -> int | None:
    """A numeric register as the core reads it: binary two's complement, or BCD with an F sign."""
    if (dif & 0x0F) in BCD_CODINGS:
        digits = data[::-1].hex()
        if digits.isdigit():
            return int(digits)
        if digits[:1] == "f" and digits[1:].isdigit():
            return -int(digits[1:])
        return None
    if (dif & 0x0F) == 5:
        return None  # real32 registers are not needed by these drivers
    return int.from_bytes(data, "little", signed=True)
