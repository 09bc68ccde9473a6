"""Apator APT-WMBUS-NA-1 overlay (CI 0xA0 / 0xA1): one AES-CBC block of bit-packed registers.

Frame after the CI: ACC, frame status, 16 encrypted bytes. Everything below was established by
analysing the public vectors (key 00…00) against the reference decoder's output:

- IV = M(2) + A(6) + ACC x 8, as in OMS mode 5 (the only IV for which all seven vectors give
  the printed totals; the ACC tail is visible as repeated bytes in the raw AES output).
- Plaintext byte 0 is always 0x2F: it is the only check that the key was right.
- Total, litres: byte 1 bits 0-3, then bytes 2-3 (20 bits). Byte 1 bits 4-7 and byte 4 are
  zero in every vector and their meaning is unknown (byte 4 may hold higher total bits or a
  status), so a telegram where byte 4 is not zero is refused rather than guessed at.
- Meter clock: bytes 5-8, seconds since 2000-01-01 00:00, little-endian.
- Age of the historic (month-end) value, hours: byte 9, then byte 10 bits 2-7 above it.
- Consumption since the historic value, litres: byte 10 bits 0-1, then bytes 11-12 above them.
- Byte 15 bit 7: the historic period saw minimum flow. Bytes 13-14 and the rest of byte 15
  are zero in every vector; if set they are reported as unknown status bits.
- Frame status byte (outside the cipher): bit 0 = the meter clock runs on summer time.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, NoReturn

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ..driver_api import Driver, signatures
from ..errors import DecodeError
from ..model import DriverContext, Telegram
from ._apa_util import need, unix_minutes, unknown_flag

WHERE = "apatorna1 encrypted block"
EPOCH_2000 = 946684800  # 2000-01-01T00:00:00Z as a Unix time
CHECK_BYTE = 0x2F
SUMMER_TIME = 0x01
HISTORIC_MINIMUM_FLOW = 0x80
ACC_SPREAD = 0x0101010101010101  # ACC repeated in each of the IV's last 8 bytes


@lru_cache(maxsize=4096)
def _ecb_decryptor(key: bytes) -> Any:
    """ECB keeps no state between blocks, so one context per key serves every telegram."""
    return Cipher(algorithms.AES(key), modes.ECB()).decryptor()


def _refuse(body: bytes, key: bytes | None, ma: bytes) -> NoReturn:
    """The slow path: say precisely why this frame cannot be decrypted."""
    need(body, 19, "CI, ACC, status and one AES block", "apatorna1 frame")
    if key is None:
        raise DecodeError("no key for this Apator NA-1 meter (AES-CBC block)", WHERE, reason="missing_key")
    if len(key) != 16:
        raise DecodeError("key is not AES-128", WHERE, reason="wrong_key")
    raise DecodeError("the IV needs the wireless M-Bus M and A fields, which this frame lacks", WHERE)


def plaintext(ctx: DriverContext) -> bytes:
    body = ctx.body
    key = ctx.key
    ma = ctx.m_field + ctx.a_field
    if len(body) < 19 or key is None or len(key) != 16 or len(ma) != 8:
        _refuse(body, key, ma)
    raw = _ecb_decryptor(key).update(body[3:19])
    iv = int.from_bytes(ma, "big") << 64 | body[1] * ACC_SPREAD
    plain = (int.from_bytes(raw, "big") ^ iv).to_bytes(16, "big")
    if plain[0] != CHECK_BYTE:
        raise DecodeError("decryption failed: wrong key (check byte is not 0x2F)", WHERE, reason="wrong_key")
    return plain


def _unknown_bits(p: bytes, frame: int) -> list[str]:
    flags = []
    if frame & 0xFE:
        flags.append(unknown_flag("UNKNOWN_FRAME_", frame & 0xFE))
    if p[1] & 0xF0:
        flags.append(unknown_flag("UNKNOWN_B1_", p[1] & 0xF0))
    for index, mask in ((13, 0xFF), (14, 0xFF), (15, 0x7F)):
        if p[index] & mask:
            flags.append(unknown_flag(f"UNKNOWN_B{index}_", p[index] & mask))
    return flags


def decode(t: Telegram, ctx: DriverContext) -> None:
    p = plaintext(ctx)
    if p[4]:
        raise DecodeError(
            f"plaintext byte 4 is 0x{p[4]:02X}: its meaning (total above 1048.575 m3 or a status) is unknown",
            WHERE, reason="unsupported",
        )
    total = (p[1] & 0x0F) | (p[2] << 4) | (p[3] << 12)
    clock = int.from_bytes(p[5:9], "little") + EPOCH_2000
    age_h = p[9] | (p[10] >> 2) << 8
    since = (p[10] & 0x03) | (p[11] << 2) | (p[12] << 10)
    t.total_m3 = total / 1000
    extra = t.extra
    extra["meter_datetime"] = unix_minutes(clock)
    extra["historic_age_h"] = age_h
    extra["historic_datetime"] = unix_minutes(clock - 3600 * age_h)
    if since <= total:
        extra["historic_m3"] = (total - since) / 1000
    else:
        t.warnings.append("consumption since the historic value exceeds the total: historic value dropped")
    extra["historic_status"] = "MINIMUM_FLOW" if p[15] & HISTORIC_MINIMUM_FLOW else "OK"
    frame = ctx.body[2]
    extra["frame_status"] = "SUMMER_TIME" if frame & SUMMER_TIME else "OK"
    extra["status_flags"] = _unknown_bits(p, frame) if (frame & 0xFE) | (p[1] & 0xF0) | p[13] | p[14] | (
        p[15] & 0x7F) else []
    t.encryption = "aes-cbc-apator"
    t.decrypted = True


DRIVER = Driver(
    name="apatorna1",
    signatures=signatures("APA 14 07"),
    decode=decode,
    fields=("meter_datetime", "historic_m3", "historic_datetime", "historic_age_h", "historic_status",
            "frame_status", "status_flags"),
    description="Apator APT-WMBUS-NA-1 (CI 0xA0/0xA1, one AES-CBC block, bit-packed registers)",
    standard_records=False,
)
