"""Bmeters RFM-TX1 radio module (BMT 05 07): CI 0x7A with security mode 16, a byte-wise scramble.

The frame is not AES-encrypted. Only the 4 volume bytes are scrambled, each with the access
number and one byte of a 16-row mask table (row = access number & 0x0F); the meter's clock that
follows is plain BCD. Offsets are in the payload after the short TPL header:
- bytes 2-5: scrambled volume, 8 BCD digits of litres, least significant pair first;
- bytes 13-18: date-time, BCD second, minute, hour, day, month, year (20yy).
Nothing else in the frame has a known meaning, so nothing else is published.
"""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ..errors import DecodeError
from ..model import DriverContext, Telegram

WHERE = "rfmtx1 payload"
VOLUME = slice(2, 6)
CLOCK = slice(13, 19)
MASKS = (
    b"\x7a\x10\x1a\x0a", b"\x70\x13\x22\x13", b"\xb9\x0b\x8e\x99", b"\x79\x07\x4a\x16",
    b"\x07\x9a\xcb\x69", b"\x32\xa1\x39\x0e", b"\x9c\x7e\x60\x99", b"\xb4\xc4\x80\xa3",
    b"\x0a\xce\x19\x03", b"\xf0\x05\xa5\x86", b"\x16\x98\x11\x5e", b"\x0c\xc9\x7d\xa2",
    b"\x4a\x48\xe4\x1f", b"\x77\x2e\x8a\xe8", b"\xbd\x78\x57\x8c", b"\x39\x6f\x28\x05",
)


def scramble(volume: bytes, access_number: int) -> bytes:
    """The scramble is an XOR, so the same function scrambles and descrambles."""
    mask = MASKS[access_number & 0x0F]
    return bytes(v ^ access_number ^ m for v, m in zip(volume, mask, strict=True))


def _bcd(b: int) -> int:
    hi, lo = b >> 4, b & 0x0F
    if hi > 9 or lo > 9:
        raise ValueError
    return hi * 10 + lo


def decode(t: Telegram, ctx: DriverContext) -> None:
    p = ctx.payload
    if (ctx.security_mode or 0) != 16:
        raise DecodeError(f"security mode {ctx.security_mode} is not the RFM-TX1 scramble (16)", WHERE,
                          reason="unsupported")
    if len(p) < VOLUME.stop:
        raise DecodeError(f"payload holds {len(p)} bytes, the volume needs {VOLUME.stop}", WHERE)
    clear = scramble(p[VOLUME], t.acc or 0)
    try:
        litres = sum(_bcd(b) * 100**i for i, b in enumerate(clear))
    except ValueError:
        raise DecodeError(f"descrambled volume {clear[::-1].hex()} is not BCD: altered frame", WHERE,
                          reason="invalid") from None
    t.encryption = "rfmtx1-xor"
    t.decrypted = True
    t.total_m3 = litres / 1000
    if len(p) >= CLOCK.stop:
        try:
            sec, minute, hour, day, month, year = (_bcd(b) for b in p[CLOCK])
        except ValueError:
            return
        if 1 <= day <= 31 and 1 <= month <= 12 and hour < 24 and minute < 60 and sec < 60:
            t.extra["meter_datetime"] = f"20{year:02d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}"


DRIVER = Driver(
    name="rfmtx1",
    signatures=signatures("BMT 05 07"),
    decode=decode,
    fields=("meter_datetime",),
    description="Bmeters RFM-TX1 (security mode 16: volume XOR-scrambled with the access number)",
    standard_records=False,
)
