"""minomess (ZRI version 0): due date in storage 8, meter date in storage 0."""

from __future__ import annotations

from frames import le, wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.dates import encode_date_g


def bcd(value: int, size: int) -> bytes:
    return bytes.fromhex(f"{value:0{2 * size}d}")[::-1]


ZRI = 0x6A49


def test_vector_status_and_dates() -> None:
    ref = VECTORS[63]["reference_output"]
    t = decode_vector(VECTORS[63])
    assert ref["status"] == "OK"
    assert t.alarms == [] and t.extra["status_flags"] == []
    assert t.extra["meter_date"] == ref["meter_date"]
    assert (t.target_date, t.target_m3) == (ref["target_date"], None)  # storage-8 reading is all-F


def frame(total_l: int, due_l: int, flags: int, sts: int = 0) -> bytes:
    id_bytes = bytes.fromhex("51345015")
    payload = (b"\x2f\x2f\x0c\x13" + bcd(total_l, 4) + b"\x02\x6c" + encode_date_g(2026, 9, 30)
               + b"\x82\x04\x6c" + encode_date_g(2026, 9, 1) + b"\x8c\x04\x13" + bcd(due_l, 4)
               + b"\x02\xfd\x17" + le(flags, 2))
    header = id_bytes + le(ZRI, 2) + bytes((0x00, 0x07, 0x10, sts, 0x00, 0x00))
    return wmbus(ZRI, "14036410", 0x14, 0x37, b"\x72" + header + payload)


def test_built_frame() -> None:
    t = Decoder().decode(frame(123456, 120001, 0))
    assert t.driver == "minomess" and t.id == "15503451"
    assert (t.total_m3, t.target_m3, t.target_date) == (123.456, 120.001, "2026-09-01")
    assert t.extra["meter_date"] == "2026-09-30"
    assert t.alarms == []


def test_built_frame_flags() -> None:
    t = Decoder().decode(frame(1, 1, 0x0300, sts=0x08))
    assert t.alarms == ["PERMANENT_ERROR"]
    assert t.extra["status_flags"] == ["PERMANENT_ERROR", "ERROR_FLAGS_300"]
