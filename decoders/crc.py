"""CRC-16/EN-13757 (poly 0x3D65, init 0, not reflected, final XOR 0xFFFF).

Used for the link-layer block CRCs (format-B detection alone checks up to 126 bytes of every
frame), the ELL payload CRC and compact-frame signatures. A pure-Python loop cost 7-8 us per
frame here, a quarter of the per-telegram budget, so the hot path uses fastcrc's compiled
implementation; the byte-table form below stays as the reference the tests check it against.
"""

from __future__ import annotations

from fastcrc import crc16 as _fast

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

crc16_en13757 = _fast.en_13757
"""Return the CRC as an int; it is transmitted most significant byte first."""


def crc16_en13757_bytewise(data: bytes | bytearray | memoryview) -> int:
    """The plain byte-at-a-time definition; the reference the compiled form is tested against."""
    crc = 0
    table = _TABLE
    for b in data:
        crc = ((crc << 8) & 0xFFFF) ^ table[(crc >> 8) ^ b]
    return crc ^ 0xFFFF
