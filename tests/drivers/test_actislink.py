"""actislink (ALK): security mode 2, DES-CBC with a zero IV and an 8-byte key, through the core."""

from __future__ import annotations

import pytest
from frames import le
from test_conformance import VECTORS

from decoders import DecodeError, Decoder
from decoders.dates import encode_datetime_f
from decoders.security import des_cbc_encrypt

KEY = bytes.fromhex("0102030405060708")




def test_vector() -> None:
    v = VECTORS[0]
    t = Decoder(default_key=bytes.fromhex(v["key"])).decode(bytes.fromhex(v["telegram_hex"]))
    assert t.total_m3 == v["expect"]["total_m3"] and t.driver == "actislink"
    assert t.decrypted and t.encryption == "mode2"


def frame(total_l: int, key: bytes) -> bytes:
    plain = b"\x2f\x2f\x04\x13" + le(total_l, 4) + b"\x04\x6d" + encode_datetime_f(2025, 12, 1, 6, 5)
    plain += b"\x2f" * (-len(plain) % 16)
    body = bytes((0x7A, 0x01, 0x00)) + le(0x0200 | (len(plain) // 16) << 4, 2) + des_cbc_encrypt(key, plain)
    head = b"\x46\x8b\x05\x01\x00\x00\x00\x04\x07"
    return bytes([len(head) + len(body)]) + head + body


def test_built_frame() -> None:
    t = Decoder(default_key=KEY).decode(frame(765432, KEY))
    assert t.total_m3 == 765.432
    assert t.extra["meter_datetime"] == "2025-12-01 06:05"


def test_wrong_and_missing_key() -> None:
    raw = frame(1, KEY)
    with pytest.raises(DecodeError) as wrong:
        Decoder(default_key=bytes(8)).decode(raw)
    assert wrong.value.reason == "wrong_key"
    with pytest.raises(DecodeError) as missing:
        Decoder().decode(raw)
    assert missing.value.reason == "missing_key"
    with pytest.raises(DecodeError) as aes:
        Decoder(default_key=bytes(16)).decode(raw)
    assert aes.value.reason == "wrong_key" and "8-byte DES" in str(aes.value)
