"""aquastream: backward register (tariff 1), battery in 365-day years, error flags."""

from __future__ import annotations

from frames import le, wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.dates import encode_date_g as type_g
from decoders.manufacturer import letters_to_code as mfct


def test_vector_status_ok_and_extras() -> None:
    v = VECTORS[21]
    t = decode_vector(v)
    ref = v["reference_output"]
    assert t.alarms == []  # status "OK"
    assert t.extra["battery_y"] == ref["battery_y"]
    assert t.extra["total_backwards_m3"] == ref["total_backwards_m3"]
    assert t.extra["meter_datetime"] == ref["meter_datetime"]


def test_built_long_header_frame() -> None:
    tpl = bytes([0x72]) + bytes.fromhex("11223344")[::-1] + le(mfct("IMT"), 2) + bytes([0x01, 0x07, 0x30, 0, 0, 0])
    payload = (
        b"\x04\x13" + le(54321, 4) + b"\x84\x10\x13" + le(12, 4) + b"\x44\x13" + le(50000, 4)
        + b"\x42\x6c" + type_g(2025, 3, 31) + b"\x02\xfd\x17" + le(2, 2) + b"\x02\xfd\x74" + le(730, 2)
    )
    t = Decoder().decode(wmbus(mfct("IMT"), "10049257", 0x05, 0x0E, tpl + payload))
    assert t.driver == "aquastream"
    assert (t.id, t.total_m3, t.target_m3, t.target_date) == ("11223344", 54.321, 50.0, "2025-03-31")
    assert (t.extra["total_backwards_m3"], t.extra["battery_y"]) == (0.012, 2.0)
    assert t.alarms == ["ERROR"]
