"""Bmeters RFM-TX1 (security mode 16): XOR descrambling of the volume, all 16 mask rows."""

from __future__ import annotations

import random

import pytest
from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.drivers.rfmtx1 import scramble
from simulators.encoder.table import RFMTX1_MASKS

BMT = 0x09B4


def frame(litres: int, acc: int, clock: bytes = bytes.fromhex("590410310320"), cfg: bytes = b"\x06\x10") -> bytes:
    digits = bytes.fromhex(f"{litres:08d}")[::-1]
    volume = bytes(d ^ acc ^ m for d, m in zip(digits, bytes.fromhex(RFMTX1_MASKS[acc & 0x0F]), strict=True))
    payload = b"\x11\x15" + volume + bytes(7) + clock + bytes(8)
    return wmbus(BMT, "74737271", 0x05, 0x07, bytes([0x7A, acc, 0x00]) + cfg + payload)


def test_vector_worked_example() -> None:
    (index,) = [i for i, v in enumerate(VECTORS) if v["driver"] == "rfmtx1"]
    t = decode_vector(VECTORS[index])
    assert (t.driver, t.error, t.total_m3) == ("rfmtx1", None, 188.56)
    assert t.extra["meter_datetime"] == "2020-03-31 10:04"


@pytest.mark.parametrize("row", range(16))
def test_every_mask_row(row: int) -> None:
    rng = random.Random(row)
    litres = rng.randrange(10**8)
    t = Decoder().decode(frame(litres, rng.randrange(16) << 4 | row))
    assert (t.driver, t.encryption, t.decrypted) == ("rfmtx1", "rfmtx1-xor", True)
    assert t.total_m3 == litres / 1000


def test_scramble_is_its_own_inverse() -> None:
    data = bytes([1, 2, 3, 4])
    assert scramble(scramble(data, 0xA5), 0xA5) == data


def test_non_bcd_volume_is_an_error_not_a_number() -> None:
    f = bytearray(frame(1234, 0x05))
    f[17] ^= 0xFF  # first volume byte no longer descrambles to BCD
    t = Decoder().decode_safe(bytes(f))
    assert t.total_m3 is None and t.reason == "invalid"


def test_invalid_clock_is_left_out() -> None:
    t = Decoder().decode(frame(1, 0x01, clock=bytes.fromhex("99999999FF20")))
    assert "meter_datetime" not in t.extra and t.total_m3 == 0.001


def test_other_security_mode_is_refused() -> None:
    t = Decoder().decode_safe(frame(1, 0x01, cfg=b"\x06\x11"))
    assert t.driver == "rfmtx1" and t.reason == "unsupported"
