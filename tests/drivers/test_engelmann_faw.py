"""engelmann_faw (EFE version 0): mode-5 encrypted 0x73 compact frames of the announced layout 0x052D."""

from __future__ import annotations

import pytest
from frames import le, wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.compact import signature_of
from decoders.crc import crc16_en13757_bytewise as crc
from decoders.dates import encode_date_g, encode_datetime_f
from decoders.drivers.engelmann_faw import LAYOUT_052D
from decoders.security import aes_cbc_encrypt, mode5_iv

EFE = 0x14C5  # "EFE"
KEY = bytes.fromhex("000102030405060708090a0b0c0d0e0f")




def test_layout_signature() -> None:
    assert signature_of(LAYOUT_052D) == 0x052D


def test_vector_status_and_history() -> None:
    v = VECTORS[27]
    ref = v["reference_output"]
    t = decode_vector(v)
    assert ref["status"] == "OK"
    assert t.alarms == [] and t.extra["status_flags"] == []
    assert (t.target_m3, t.target_date) == (ref["consumption_at_reporting_date_m3"], ref["reporting_date"])
    assert t.extra["meter_datetime"] == ref["meter_datetime"]
    for n in range(1, 16):
        assert t.extra[f"consumption_{n}_months_ago_m3"] == pytest.approx(ref[f"consumption_{n}_months_ago_m3"])


def compact_frame(total_l: int, due_l: int, flags: int, months: list[int], key: bytes, acc: int = 0x51) -> bytes:
    values = (encode_date_g(2026, 12, 31) + le(due_l, 4) + le(flags, 1) + b"".join(le(m, 4) for m in months)
              + encode_datetime_f(2027, 2, 3, 4, 5) + le(total_l, 4))
    sizes = (2, 4, 1, *([4] * 15), 4, 4)
    pos, records = 0, b""
    for h, n in zip(LAYOUT_052D, sizes, strict=True):
        records += h + values[pos : pos + n]
        pos += n
    assert pos == len(values)
    # Signature, then the CRC of the full frame the compact one stands for (headers + values).
    plain = b"\x2f\x2f" + le(0x052D, 2) + le(crc(records), 2) + values
    plain += b"\x2f" * (-len(plain) % 16)
    id_bytes = bytes.fromhex("20248622")
    a_field = id_bytes + bytes((0x00, 0x07))
    header = id_bytes + le(EFE, 2) + bytes((0x00, 0x07, acc, 0x00)) + le(0x0500 | (len(plain) // 16) << 4, 2)
    enc = aes_cbc_encrypt(key, mode5_iv(le(EFE, 2), a_field, acc), plain)
    return wmbus(EFE, "22862420", 0x00, 0x07, b"\x73" + header + enc)


def test_built_encrypted_compact_frame() -> None:
    months = [500000 - 1000 * n for n in range(1, 16)]
    t = Decoder(default_key=KEY).decode(compact_frame(512345, 480000, 0, months, KEY))
    assert t.driver == "engelmann_faw" and t.decrypted
    assert (t.total_m3, t.target_m3, t.target_date) == (512.345, 480.0, "2026-12-31")
    assert t.extra["consumption_1_months_ago_m3"] == 499.0
    assert t.extra["consumption_15_months_ago_m3"] == 485.0
    assert t.extra["meter_datetime"] == "2027-02-03 04:05"
    assert t.alarms == [] and t.extra["status_flags"] == []


def test_built_frame_error_flags_are_flagged_without_alarm() -> None:
    t = Decoder(default_key=KEY).decode(compact_frame(1, 1, 0x24, [0] * 15, KEY))
    assert t.extra["status_flags"] == ["ERROR_FLAGS_24"]
    assert t.alarms == []


def test_wrong_and_missing_key() -> None:
    frame = compact_frame(1, 1, 0, [0] * 15, KEY)
    assert Decoder(default_key=bytes(16)).decode_safe(frame).reason == "wrong_key"
    assert Decoder().decode_safe(frame).reason == "missing_key"
