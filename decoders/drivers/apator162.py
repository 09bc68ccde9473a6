"""Apator AT-WMBUS-16-2 (APA 05 06/07): OMS mode 5 frame whose plaintext is a tagged register list.

Plaintext layout after the `2F 2F` check bytes:
1. one lead byte (0x0F on current meters, 0x80 on older ones), skipped;
2. a 7-byte status block, skipped;
3. registers: a tag byte, then a value whose length the tag fixes (`TAG_LENGTHS`);
4. optional `FF` padding;
5. a 2- or 4-byte checksum at the very end (not verified: its algorithm is not published).

Only tag 0x10 has a published meaning: the total volume, unsigned 32-bit little-endian litres.
The total may stand anywhere in the list, so every other register is skipped by its length. The
whole payload has to match this grammar: a tag of unknown length makes everything after it
unreadable, so such a frame yields no total at all rather than a guess.
"""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ..errors import DecodeError
from ..model import DriverContext, Telegram

TOTAL_TAG = 0x10
FILLER = 0xFF
CHECKSUM_SIZES = (2, 4)
FIRST_TAG = 2 + 1 + 7  # 2F 2F, lead byte, status block
WHERE = "apator162 register list"


def _tag_lengths() -> tuple[int, ...]:
    """Value bytes after each tag; -1 = unknown tag."""
    lengths = [-1] * 256
    fixed = {0x00: 4, 0x01: 3, 0x10: 4, 0x11: 2, 0x40: 6, 0x41: 2, 0x42: 4, 0x43: 2, 0x44: 3,
             0x8A: 9, 0x8B: 6, 0x8C: 6, 0x8E: 7,
             0xA0: 4, 0xA1: 4, 0xA2: 1, 0xA3: 7, 0xA4: 4, 0xA5: 1, 0xA6: 3, 0xA9: 1, 0xAF: 1,
             0xB0: 5, 0xB1: 8, 0xB2: 16, 0xB3: 8, 0xB4: 2, 0xB5: 16, 0xD0: 3, 0xD3: 3, 0xF0: 4}
    for tag in (0x80, 0x81, 0x82, 0x83, 0x84, 0x86, 0x87):
        fixed[tag] = 10
    for tag in (0x85, 0x88, 0x8F):
        fixed[tag] = 11
    for tag in (0xA7, 0xA8, 0xAA, 0xAB, 0xAC, 0xAD):
        fixed[tag] = 2
    for tag in (*range(0xB6, 0xC0), *range(0xC0, 0xC8)):
        fixed[tag] = 3
    for tag in range(0x71, 0x7D):  # history: one byte, then (tag - 0x6F) 4-byte values
        fixed[tag] = 1 + 4 * (tag - 0x6F)
    for tag, size in fixed.items():
        lengths[tag] = size
    return tuple(lengths)


TAG_LENGTHS = _tag_lengths()


def _tail_ok(p: bytes, i: int) -> bool:
    """From `i`: FF padding (possibly none) and then exactly a 2- or 4-byte checksum."""
    n = len(p)
    j = i
    while j < n and p[j] == FILLER:
        j += 1
    return any(i <= n - size <= j for size in CHECKSUM_SIZES)


def _walk(p: bytes, i: int, total: int | None) -> tuple[bool, int | None]:
    """Match registers from `i` to the end; returns (matched, first total on the matching path).

    Registers are tried before the end (a checksum whose first byte is a short tag); at most two
    positions can also be an end, so the backtracking stays linear."""
    n = len(p)
    end2, end4 = n - 2, n - 4
    lengths = TAG_LENGTHS
    while True:
        if i < n and p[i] == FILLER:
            return _tail_ok(p, i), total
        size = lengths[p[i]] if i < n else -1
        nxt = i + 1 + size
        if i in (end2, end4):
            if size >= 0 and nxt <= n:
                ok, found = _walk(p, nxt, total if total is not None or p[i] != TOTAL_TAG
                                  else int.from_bytes(p[i + 1 : nxt], "little"))
                if ok:
                    return True, found
            return True, total
        if size < 0 or nxt > n:
            return False, total
        if p[i] == TOTAL_TAG and total is None:
            total = int.from_bytes(p[i + 1 : nxt], "little")
        i = nxt


def _first_problem(p: bytes) -> str:
    """Where a greedy walk stops, for the error message."""
    i = FIRST_TAG
    n = len(p)
    while i < n and p[i] != FILLER:
        size = TAG_LENGTHS[p[i]]
        if size < 0:
            return f"unknown tag 0x{p[i]:02X} at offset {i}"
        if i + 1 + size > n:
            return f"tag 0x{p[i]:02X} at offset {i} needs {size} bytes, the frame ends first"
        i += 1 + size
    return f"no 2- or 4-byte checksum after the registers (offset {i})"


def total_litres(payload: bytes) -> int:
    """The total register of a plaintext register list; DecodeError if the list does not parse."""
    if payload[:2] != b"\x2f\x2f":
        raise DecodeError("payload does not start with 2F 2F", WHERE)
    if len(payload) < FIRST_TAG + CHECKSUM_SIZES[0]:
        raise DecodeError(f"payload holds {len(payload)} bytes, the status block alone needs {FIRST_TAG}", WHERE)
    ok, total = _walk(payload, FIRST_TAG, None)
    if not ok:
        raise DecodeError(f"register list does not parse: {_first_problem(payload)}", WHERE, reason="unsupported")
    if total is None:
        raise DecodeError("no total-volume register (tag 0x10) in the register list", WHERE, reason="unsupported")
    return total


def decode(t: Telegram, ctx: DriverContext) -> None:
    t.total_m3 = total_litres(ctx.payload) / 1000


DRIVER = Driver(
    name="apator162",
    signatures=signatures("APA 05 06", "APA 05 07"),
    decode=decode,
    fields=(),
    description="Apator AT-WMBUS-16-2 (mode 5, proprietary tagged registers; total from tag 0x10)",
    standard_records=False,
)
