"""Link layer for the encoder: the DLL header and the optional format A / B block CRCs.

Builders return CRC-free frames (`L C M A CI ...`, L = len - 1, the canonical shape the
decoder normalises to); `with_crcs` adds what a radio actually sends. L-field rules
(reference "dongles-and-link-layer", section 2): format A's L never counts CRCs, format B's
L counts every byte after itself, CRCs included.
"""

from __future__ import annotations

from decoders.crc import crc16_en13757
from decoders.manufacturer import letters_to_code

SND_NR = 0x44
CRC_FORMATS = ("none", "A", "B")
_FORMAT_B_MAX = 256  # L is one byte and counts everything after itself


def m_field(manufacturer: str) -> bytes:
    return letters_to_code(manufacturer).to_bytes(2, "little")


def a_field(meter_id: str, version: int, device_type: int) -> bytes:
    """ID as 4 little-endian BCD bytes (the label's digits reversed by byte), version, type."""
    return bytes.fromhex(meter_id)[::-1] + bytes((version, device_type))


def dll_frame(m: bytes, a: bytes, body: bytes, c: int = SND_NR) -> bytes:
    """A CRC-free frame: L, C, M(2), A(6), then `body` starting at the first CI."""
    rest = bytes((c,)) + m + a + body
    if len(rest) > 255:
        raise ValueError(f"frame of {len(rest)} bytes after L does not fit a one-byte L-field")
    return bytes((len(rest),)) + rest


def _crc(block: bytes) -> bytes:
    return crc16_en13757(block).to_bytes(2, "big")


def with_format_a(frame: bytes) -> bytes:
    """Block 1 = the 10 header bytes, then 16-byte blocks (the last shorter), each + CRC."""
    out = bytearray(frame[:10]) + _crc(frame[:10])
    for i in range(10, len(frame), 16):
        block = frame[i : i + 16]
        out += block + _crc(block)
    return bytes(out)


def with_format_b(frame: bytes) -> bytes:
    """Block 1+2 (at most 126 bytes incl. L) share one CRC; a longer frame has a block 3 + CRC."""
    body = frame[1:]
    total = len(body) + 2 + (2 if len(body) + 1 > 126 else 0)
    if total + 1 > _FORMAT_B_MAX:
        raise ValueError(f"frame too long for format B: L would be {total}")
    first = bytes((total,)) + body[:125]
    out = bytearray(first) + _crc(first)
    if len(body) > 125:
        tail = body[125:]
        out += tail + _crc(tail)
    return bytes(out)


def with_crcs(frame: bytes, crc: str) -> bytes:
    if crc == "none":
        return frame
    if crc == "A":
        return with_format_a(frame)
    if crc == "B":
        return with_format_b(frame)
    raise ValueError(f"crc must be one of {CRC_FORMATS}, got {crc!r}")
