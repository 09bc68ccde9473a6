"""topaseskr (AMT): year and month period readings, reverse volume, unsigned access counter."""

from __future__ import annotations

import pytest
from frames import le, wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.dates import encode_date_g, encode_datetime_f

AMT = 0x05B4




def bcd(value: int, size: int) -> bytes:
    return bytes.fromhex(f"{value:0{2 * size}d}")[::-1]


def test_vector_extras() -> None:
    ref = VECTORS[92]["reference_output"]
    t = decode_vector(VECTORS[92])
    assert t.alarms == []
    for name in ("access_counter", "current_flow_m3h", "temperature_c", "volume_month_period_m3",
                 "volume_year_period_m3", "reverse_volume_year_period_m3"):
        assert t.extra[name] == pytest.approx(ref[name]), name
    for name in ("meter_month_period_end_datetime", "meter_year_period_end_date"):
        assert t.extra[name] == ref[name]


def test_built_frame() -> None:
    payload = (b"\x2f\x2f\x01\xfd\x08\xfe" + b"\x0c\x13" + bcd(654321, 4) + b"\x4c\x13" + bcd(600000, 4)
               + b"\xcc\x10\x13" + bcd(1234, 4) + b"\x42\x6c" + encode_date_g(2025, 12, 31)
               + b"\x02\x5a" + le(123, 2) + b"\xc4\x01\x6d" + encode_datetime_f(2026, 5, 31, 23, 59)
               + b"\xcc\x01\x13" + bcd(650000, 4))
    raw = wmbus(AMT, "69190253", 0xF1, 0x07, bytes((0x7A, 0x0C, 0x00, 0x00, 0x00)) + payload)
    t = Decoder().decode(raw)
    assert t.driver == "topaseskr"
    assert (t.total_m3, t.target_m3, t.target_date) == (654.321, 600.0, "2025-12-31")
    assert t.extra["access_counter"] == 254
    assert t.extra["reverse_volume_year_period_m3"] == 1.234
    assert (t.extra["meter_month_period_end_datetime"], t.extra["volume_month_period_m3"]) == ("2026-05-31 23:59",
                                                                                               650.0)
    assert t.extra["temperature_c"] == 12.3
