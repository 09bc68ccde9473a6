"""Apator AT-WMBUS-16-2: OMS mode 5 frame whose plaintext is a proprietary tagged register list.

After the `2F 2F` check bytes comes a sequence of one-byte tags, each with a fixed length, then
optional `FF` filler and a 2-byte trailer. Only tag 0x10 (total volume, litres, 4 bytes LE) has
a known meaning; the lengths of the other tags were learned from the public vectors so that
they can be skipped:

- 0x0F: 7 bytes; 0x41: 7 bytes; 0x43: 2 bytes; 0xA0: 4 bytes; 0x80-0x8F: 10 bytes;
- 0x71-0x7F: 1 + 4 x (n + 1) bytes with n the low nibble (a list of falling 4-byte readings,
  which looks like history, but its period is unknown so it is not published).

An unknown tag stops the walk: its length is unknown, so nothing after it can be trusted.
"""

from __future__ import annotations

from ..driver_api import Driver, Signature
from ..errors import DecodeError
from ..model import DriverContext, Telegram

TOTAL_TAG = 0x10
FILLER = 0xFF
TRAILER = 2
WHERE = "apator162 register list"


def _tag_lengths() -> tuple[int, ...]:
    lengths = [-1] * 256
    for tag, size in ((0x0F, 7), (0x10, 4), (0x41, 7), (0x43, 2), (0xA0, 4)):
        lengths[tag] = size
    for tag in range(0x80, 0x90):
        lengths[tag] = 10
    for tag in range(0x71, 0x80):
        lengths[tag] = 1 + 4 * ((tag & 0x0F) + 1)
    return tuple(lengths)


TAG_LENGTHS = _tag_lengths()


def total_litres(payload: bytes) -> tuple[int | None, int | None]:
    """Walk the tags; return (total litres or None, offset of an unknown tag or None)."""
    if payload[:2] != b"\x2f\x2f":
        raise DecodeError("payload does not start with 2F 2F", WHERE)
    lengths = TAG_LENGTHS
    end = len(payload) - TRAILER
    i = 2
    total = None
    while i < end:
        tag = payload[i]
        if tag == FILLER:
            break
        size = lengths[tag]
        if size < 0:
            return total, i
        nxt = i + 1 + size
        if nxt > end:
            raise DecodeError(f"tag 0x{tag:02X} needs {size} bytes, frame ends first", f"{WHERE}, offset {i}")
        if tag == TOTAL_TAG and total is None:
            total = int.from_bytes(payload[i + 1 : nxt], "little")
        i = nxt
    return total, None


def decode(t: Telegram, ctx: DriverContext) -> None:
    total, unknown_at = total_litres(ctx.payload)
    if unknown_at is not None:
        t.warnings.append(f"unknown tag 0x{ctx.payload[unknown_at]:02X} at offset {unknown_at}: rest skipped")
    if total is None:
        raise DecodeError("no total-volume register (tag 0x10) found", WHERE, reason="unsupported")
    t.total_m3 = total / 1000


DRIVER = Driver(
    name="apator162",
    signatures=(Signature("APA", 0x05, 0x07), Signature("APA", 0x05, 0x06)),
    decode=decode,
    fields=(),
    description="Apator AT-WMBUS-16-2 (mode 5, proprietary tagged registers; total from tag 0x10)",
    standard_records=False,
)
