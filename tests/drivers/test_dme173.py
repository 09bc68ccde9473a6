"""dme173: due date at storage 8 (type F date-time), set date at storage 1, error flags."""

from __future__ import annotations

from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.dates import encode_date_g as type_g
from decoders.manufacturer import letters_to_code as mfct


def bcd(value: int, size: int) -> bytes:
    return bytes.fromhex(f"{value:0{2 * size}d}")[::-1]




def frame(total_l: int, set_l: int, set_date: bytes, due_l: int, due: bytes, errors: int, sts: int = 0) -> bytes:
    payload = (
        b"\x0c\x13" + bcd(total_l, 4) + b"\x04\xfd\x17" + errors.to_bytes(4, "little")
        + b"\x0a\x5a" + bcd(123, 2)
        + b"\x4c\x13" + bcd(set_l, 4) + b"\x42\x6c" + set_date
        + b"\x84\x04\x6d" + bytes([59, 23]) + due + b"\x8c\x04\x13" + bcd(due_l, 4)
    )
    return wmbus(mfct("DME"), "12121212", 0x63, 0x07, bytes([0x7A, 0x01, sts, 0, 0]) + payload)


def test_vector_status_ok_and_extras() -> None:
    v = VECTORS[24]
    t = decode_vector(v)
    ref = v["reference_output"]
    assert t.alarms == []  # status "OK"
    assert t.extra["status_flags"] == []
    assert t.extra["set_date"] == ref["set_date"]
    assert t.extra["total_at_set_date_m3"] == ref["total_at_set_date_m3"]
    assert t.extra["target_datetime"] == ref["target_datetime"]
    assert t.extra["flow_temperature_c"] == ref["flow_temperature_c"]


def test_built_frame_uses_storage_8() -> None:
    t = Decoder().decode(frame(9876543, 9000000, type_g(2024, 12, 31), 9500000, type_g(2025, 2, 28), 0))
    assert t.driver == "dme173"
    assert (t.total_m3, t.target_m3, t.target_date) == (9876.543, 9500.0, "2025-02-28")
    assert (t.extra["set_date"], t.extra["total_at_set_date_m3"]) == ("2024-12-31", 9000.0)
    assert t.extra["flow_temperature_c"] == 12.3
    assert t.alarms == []


def test_built_frame_error_flags_and_sts() -> None:
    t = Decoder().decode(frame(1, 0, type_g(2024, 12, 31), 0, type_g(2025, 1, 31), 0x0100, sts=0x08))
    assert sorted(t.alarms) == ["ERROR", "PERMANENT_ERROR"]
    assert t.extra["status_flags"] == ["PERMANENT_ERROR", "ERROR_FLAGS_0x100"]
