"""CRC-16/EN-13757 (poly 0x3D65, init 0, not reflected, final XOR 0xFFFF).

Used for the link-layer block CRCs, the ELL payload CRC and compact-frame signatures. It runs
on every frame the van hears (format-B detection alone checks up to 126 bytes), so it consumes
16 bits per step through a 65,536-entry table built from the byte table on first use.
"""

from __future__ import annotations

from struct import unpack as _unpack

_POLY = 0x3D65


def _make_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ _POLY) if crc & 0x8000 else (crc << 1)
        table.append(crc & 0xFFFF)
    return tuple(table)


_TABLE = _make_table()
_TABLE16: list[int] = []


def _make_table16() -> list[int]:
    """Word table in byte-swapped form, so the loop can XOR little-endian words straight in.

    With T[w] the register after shifting the big-endian word w through a zero register, and
    the register kept byte-swapped (r' = swap(r)), one step r = T[r ^ BE(w)] becomes
    r' = swap(T[swap(r' ^ LE(w))]); this table is that composite.
    """
    t8 = _TABLE
    out = [0] * 65536
    for hi in range(256):
        c1 = t8[hi]
        base = (c1 << 8) & 0xFFFF
        top = c1 >> 8
        for lo in range(256):
            r = base ^ t8[top ^ lo]
            out[(lo << 8) | hi] = ((r & 0xFF) << 8) | (r >> 8)
    return out


def crc16_en13757(data: bytes | bytearray | memoryview) -> int:
    """Return the CRC as an int; it is transmitted most significant byte first."""
    global _TABLE16
    if not _TABLE16:
        _TABLE16 = _make_table16()
    t16 = _TABLE16
    crc = 0
    n = len(data)
    even = n & ~1
    if even:
        for w in _unpack(f"<{even >> 1}H", data[:even]):
            crc = t16[crc ^ w]
        crc = ((crc & 0xFF) << 8) | (crc >> 8)
    if n & 1:
        crc = ((crc << 8) & 0xFFFF) ^ _TABLE[(crc >> 8) ^ data[n - 1]]
    return crc ^ 0xFFFF


def crc16_en13757_bytewise(data: bytes | bytearray | memoryview) -> int:
    """The plain byte-at-a-time form; kept as the reference the fast form is tested against."""
    crc = 0
    table = _TABLE
    for b in data:
        crc = ((crc << 8) & 0xFFFF) ^ table[(crc >> 8) ^ b]
    return crc ^ 0xFFFF
