"""lse_07_17: due values, the error-code record (02 BB 56) and the storage-8 set date."""

from __future__ import annotations

import pytest
from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.dates import encode_date_g as type_g
from decoders.manufacturer import letters_to_code as mfct


def bcd(value: int, size: int) -> bytes:
    return bytes.fromhex(f"{value:0{2 * size}d}")[::-1]




@pytest.mark.parametrize("index", [60, 61])
def test_vector_error_code_ok(index: int) -> None:
    t = decode_vector(VECTORS[index])  # reference error_code "OK"
    ref = VECTORS[index]["reference_output"]
    assert t.alarms == []
    assert t.extra["error_code"] == 0
    assert t.extra["due_m3"] == ref["due_m3"]
    assert t.extra.get("due_date") == ref["due_date"]


def test_vector_set_date_8() -> None:
    t = decode_vector(VECTORS[59])
    ref = VECTORS[59]["reference_output"]
    assert t.extra["consumption_at_set_date_8_m3"] == ref["consumption_at_set_date_8_m3"]
    assert t.extra["set_date_8"] == ref["set_date_8"]
    assert t.extra["model_version"] == ref["model_version"]


def test_built_frame_with_error_code() -> None:
    payload = (
        b"\x0c\x13" + bcd(1234567, 4) + b"\x4c\x13" + bcd(1200000, 4) + b"\x42\x6c" + type_g(2024, 12, 31)
        + b"\x02\xbb\x56" + (0x0003).to_bytes(2, "little") + b"\x32\x6c" + type_g(2025, 2, 3)
    )
    t = Decoder().decode(wmbus(mfct("LSE"), "09993623", 0xD8, 0x07, bytes([0x7A, 0x80, 0, 0, 0]) + payload))
    assert t.driver == "lse_07_17"
    assert (t.total_m3, t.target_m3, t.target_date) == (1234.567, 1200.0, "2024-12-31")
    assert (t.extra["error_code"], t.extra["error_date"]) == (3, "2025-02-03")
    assert t.alarms == ["ERROR"]
    assert t.extra["status_flags"] == ["ERROR_CODE_0x3"]
