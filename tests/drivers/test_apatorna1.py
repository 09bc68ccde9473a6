"""Apator NA-1: one AES-CBC block of bit-packed registers; vectors, alarms, frames built here."""

from __future__ import annotations

import calendar

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder

APA = 0x0601
KEY = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
INDICES = [i for i, v in enumerate(VECTORS) if v["driver"] == "apatorna1"]
EPOCH_2000 = calendar.timegm((2000, 1, 1, 0, 0, 0))


def na1_plain(total_l: int, clock: tuple[int, ...], age_h: int, since_l: int, min_flow: bool) -> bytes:
    """The 16-byte plaintext, packed field by field as the driver's docstring describes."""
    secs = calendar.timegm((*clock, 0)) - EPOCH_2000
    return bytes([
        0x2F, total_l & 0x0F, (total_l >> 4) & 0xFF, (total_l >> 12) & 0xFF, 0,
        *secs.to_bytes(4, "little"),
        age_h & 0xFF, (since_l & 0x03) | (age_h >> 8) << 2, (since_l >> 2) & 0xFF, (since_l >> 10) & 0xFF,
        0, 0, 0x80 if min_flow else 0,
    ])


def na1_frame(meter_id: str, acc: int, plain: bytes, key: bytes = KEY, ci: int = 0xA0, status: int = 1) -> bytes:
    a = bytes.fromhex(meter_id)[::-1] + bytes([0x14, 0x07])
    iv = APA.to_bytes(2, "little") + a + bytes([acc]) * 8
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return wmbus(APA, meter_id, 0x14, 0x07, bytes([ci, acc, status]) + enc.update(plain) + enc.finalize())


@pytest.mark.parametrize("index", INDICES)
def test_vectors_match_every_reference_field(index: int) -> None:
    v = VECTORS[index]
    ref = v["reference_output"]
    t = decode_vector(v)
    assert t.error is None
    assert t.total_m3 == pytest.approx(ref["total_m3"], abs=1e-9)
    for name in ("meter_datetime", "historic_datetime", "historic_age_h", "historic_status", "frame_status"):
        assert t.extra[name] == ref[name], name
    assert t.extra["historic_m3"] == pytest.approx(ref["historic_m3"], abs=1e-9)


# current_status is "OK" in all seven reference outputs; the historic MINIMUM_FLOW is about a
# past period and SUMMER_TIME is clock information, so neither is an alarm.
@pytest.mark.parametrize("index", INDICES)
def test_vector_alarms(index: int) -> None:
    t = decode_vector(VECTORS[index])
    assert t.alarms == []
    assert t.extra["status_flags"] == []


@pytest.mark.parametrize("ci", [0xA0, 0xA1])
def test_built_frame(ci: int) -> None:
    plain = na1_plain(987654, (2025, 1, 15, 8, 30, 0), 700, 123457, True)
    t = Decoder(default_key=KEY).decode(na1_frame("01020304", 0x5A, plain, ci=ci, status=0))
    assert (t.id, t.driver, t.total_m3) == ("01020304", "apatorna1", 987.654)
    assert t.extra["meter_datetime"] == "2025-01-15 08:30"
    assert t.extra["historic_age_h"] == 700
    assert t.extra["historic_datetime"] == "2024-12-17 04:30"
    assert t.extra["historic_m3"] == pytest.approx(864.197, abs=1e-9)
    assert (t.extra["historic_status"], t.extra["frame_status"]) == ("MINIMUM_FLOW", "OK")
    assert t.alarms == []


def test_unknown_bits_are_kept_visible() -> None:
    plain = bytearray(na1_plain(1000, (2024, 6, 1, 0, 0, 0), 1, 0, False))
    plain[14] = 0x04
    t = Decoder(default_key=KEY).decode(na1_frame("01020304", 0x01, bytes(plain), status=0x03))
    assert t.extra["status_flags"] == ["UNKNOWN_FRAME_02", "UNKNOWN_B14_04"]
    assert t.extra["frame_status"] == "SUMMER_TIME"


def test_byte_4_set_is_refused_not_guessed() -> None:
    plain = bytearray(na1_plain(1000, (2024, 6, 1, 0, 0, 0), 1, 0, False))
    plain[4] = 0x01
    t = Decoder(default_key=KEY).decode_safe(na1_frame("01020304", 0x01, bytes(plain)))
    assert t.reason == "unsupported" and t.total_m3 is None


def test_wrong_and_missing_key_are_clear_errors() -> None:
    frame = na1_frame("01020304", 0x11, na1_plain(5, (2024, 6, 1, 0, 0, 0), 1, 0, False))
    wrong = Decoder(default_key=bytes(16)).decode_safe(frame)
    assert wrong.reason == "wrong_key" and wrong.total_m3 is None
    assert Decoder().decode_safe(frame).reason == "missing_key"


def test_short_frame_is_an_error() -> None:
    t = Decoder(default_key=KEY).decode_safe(wmbus(APA, "01020304", 0x14, 0x07, bytes([0xA0, 0x01, 0x00]) + bytes(8)))
    assert t.error is not None and t.reason == "invalid"
