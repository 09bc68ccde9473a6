"""Test-side frame builders (independent of the decoder's parsing code)."""

from __future__ import annotations

from decoders.crc import crc16_en13757_bytewise as crc


def with_crc_format_a(frame: bytes) -> bytes:
    """Insert format-A block CRCs into a CRC-free frame (L unchanged: it never counts CRCs)."""
    out = bytearray(frame[:10]) + crc(frame[:10]).to_bytes(2, "big")
    rest = frame[10:]
    for i in range(0, len(rest), 16):
        block = rest[i : i + 16]
        out += block + crc(block).to_bytes(2, "big")
    return bytes(out)


def with_crc_format_b(frame: bytes) -> bytes:
    """Format B: L counts every byte after itself, CRCs included."""
    body = frame[1:]
    total = len(body) + 2 + (2 if len(body) + 1 > 126 else 0)
    first = bytes([total]) + body[:125]
    out = bytearray(first) + crc(first).to_bytes(2, "big")
    if len(body) > 125:
        tail = body[125:]
        out += tail + crc(tail).to_bytes(2, "big")
    return bytes(out)


def wmbus(m: int, meter_id: str, version: int, dtype: int, rest: bytes, c: int = 0x44) -> bytes:
    a = bytes.fromhex(meter_id)[::-1] + bytes([version, dtype])
    body = bytes([c]) + m.to_bytes(2, "little") + a + rest
    return bytes([len(body)]) + body


def le(value: int, size: int) -> bytes:
    """Little-endian field of `size` bytes (two's complement when negative)."""
    return value.to_bytes(size, "little", signed=value < 0)
