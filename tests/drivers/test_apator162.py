"""Apator 16-2: the tag walk over the public vectors and over register lists built here."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder

APA = 0x0601
KEY = bytes(range(16))
INDICES = [i for i, v in enumerate(VECTORS) if v["driver"] == "apator162"]


def mode5(meter_id: str, acc: int, plain: bytes, key: bytes = KEY) -> bytes:
    """A 0x7A mode-5 frame: IV = M + A + ACC x 8, CFG announcing every block as encrypted."""
    assert len(plain) % 16 == 0
    a = bytes.fromhex(meter_id)[::-1] + bytes([0x05, 0x07])
    iv = APA.to_bytes(2, "little") + a + bytes([acc]) * 8
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    cipher = enc.update(plain) + enc.finalize()
    cfg = 0x0500 | (len(plain) // 16) << 4
    return wmbus(APA, meter_id, 0x05, 0x07, bytes([0x7A, acc, 0x00]) + cfg.to_bytes(2, "little") + cipher)


def registers(*tags: bytes) -> bytes:
    """2F 2F, the tags, FF filler to a whole block, and a 2-byte trailer (content unknown)."""
    body = b"\x2f\x2f" + b"".join(tags)
    pad = (-(len(body) + 2)) % 16
    return body + b"\xff" * pad + b"\x12\x34"


@pytest.mark.parametrize("index", INDICES)
def test_vectors(index: int) -> None:
    t = decode_vector(VECTORS[index])
    assert t.error is None
    assert t.driver == "apator162"
    assert t.total_m3 == pytest.approx(VECTORS[index]["expect"]["total_m3"], abs=1e-9)


def test_built_frame_with_history_and_unknown_length_tags() -> None:
    plain = registers(
        bytes.fromhex("0f0102030405060743beef"),
        bytes.fromhex("8400000000000000000000"),
        b"\x10" + (1234567).to_bytes(4, "little"),
        b"\x72\x01" + b"".join((1000000 - k).to_bytes(4, "little") for k in range(3)),
        bytes.fromhex("a001020304"),
    )
    t = Decoder(default_key=KEY).decode(mode5("12345678", 0x42, plain))
    assert (t.id, t.driver, t.total_m3, t.decrypted) == ("12345678", "apator162", 1234.567, True)


def test_unknown_tag_makes_the_list_unreadable_even_after_the_total() -> None:
    plain = registers(bytes(8), b"\x10" + (42).to_bytes(4, "little"), b"\x55\x00\x00")
    t = Decoder(default_key=KEY).decode_safe(mode5("00000001", 0x01, plain))
    assert t.total_m3 is None and t.reason == "unsupported"
    assert "unknown tag 0x55" in (t.error or "")


def test_missing_total_is_an_error() -> None:
    t = Decoder(default_key=KEY).decode_safe(mode5("00000001", 0x01, registers(bytes.fromhex("4300ff"))))
    assert t.error is not None and "tag 0x10" in t.error and t.total_m3 is None


def test_wrong_and_missing_key() -> None:
    frame = mode5("00000002", 0x07, registers(b"\x10" + (5).to_bytes(4, "little")))
    assert Decoder(default_key=bytes(16)).decode_safe(frame).reason == "wrong_key"
    assert Decoder().decode_safe(frame).reason == "missing_key"


def test_truncated_tag_is_an_error() -> None:
    plain = b"\x2f\x2f" + bytes.fromhex("0f0102030405060710") + b"\x01\x02\x03" + b"\x00" * 2  # 16 bytes
    t = Decoder(default_key=KEY).decode_safe(mode5("00000003", 0x03, plain))
    assert t.error is not None and "frame ends first" in t.error
