"""q400: forward/backward registers, set-date readings, battery %, error counter, STS alarms."""

from __future__ import annotations

import pytest
from frames import le, wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.manufacturer import letters_to_code as mfct


def type_f(year: int, month: int, day: int, hour: int, minute: int) -> bytes:
    y = year - 2000
    return bytes([minute, hour, day | ((y & 0x07) << 5), month | ((y >> 3) << 4)])


@pytest.mark.parametrize(
    ("index", "alarms"),
    [(73, ["TEMPORARY_ERROR"]), (74, []), (75, ["TEMPORARY_ERROR"]), (76, ["TEMPORARY_ERROR"]), (77, [])],
)
def test_vector_status(index: int, alarms: list[str]) -> None:
    t = decode_vector(VECTORS[index])
    assert t.alarms == alarms
    ref = VECTORS[index]["reference_output"]
    for name in ("meter_datetime", "set_datetime", "consumption_at_set_date_m3", "battery_pct", "on_time_h",
                 "error_free_time_h", "error_code_counter", "total_backward_m3", "flow_temperature_c"):
        if name in ref:
            assert t.extra[name] == pytest.approx(ref[name], abs=1e-6), name


def test_built_frame() -> None:
    payload = (
        b"\x04\x6d" + type_f(2025, 8, 15, 10, 30) + b"\x04\x13" + le(12345, 4)
        + b"\x04\x93\x3b" + le(12400, 4) + b"\x04\x93\x3c" + le(55, 4) + b"\x02\x3b" + le(18, 2)
        + b"\x44\x6d" + type_f(2025, 8, 1, 0, 0) + b"\x44\x13" + le(12000, 4)
        + b"\x34\xfd\x17" + le(2, 4) + b"\x01\xfd\x74" + bytes([77])
    )
    raw = wmbus(mfct("AXI"), "06289748", 0x01, 0x07, bytes([0x7A, 0xD1, 0x08, 0, 0]) + payload)
    t = Decoder().decode(raw)
    assert t.driver == "q400"
    assert (t.total_m3, t.target_m3, t.target_date, t.flow_m3h) == (12.345, 12.0, "2025-08-01", 0.018)
    assert (t.extra["total_forward_m3"], t.extra["total_backward_m3"]) == (12.4, 0.055)
    assert (t.extra["battery_pct"], t.extra["error_code_counter"]) == (77, 2)
    assert t.alarms == ["PERMANENT_ERROR"]


def test_same_layout_twice_uses_fresh_values() -> None:
    """The second telegram of a layout is decoded from the driver's field plan: values must be its own."""
    def frame(total_l: int, battery: int, errors: int) -> bytes:
        payload = (
            b"\x04\x13" + le(total_l, 4) + b"\x04\x93\x3c" + le(total_l // 100, 4)
            + b"\x34\xfd\x17" + le(errors, 4) + b"\x01\xfd\x74" + bytes([battery])
            + b"\x44\x6d" + type_f(2026, 1, 1, 0, 0) + b"\x44\x13" + le(total_l - 1000, 4)
        )
        return wmbus(mfct("AXI"), "10221910", 0x20, 0x07, bytes([0x7A, 0x56, 0, 0, 0]) + payload)

    decoder = Decoder()
    for total_l, battery, errors in ((500000, 90, 0), (600123, 42, 7), (700456, 41, 8), (600123, 42, 7)):
        t = decoder.decode(frame(total_l, battery, errors))
        assert t.total_m3 == total_l / 1000
        assert t.target_m3 == (total_l - 1000) / 1000
        assert t.extra["total_backward_m3"] == (total_l // 100) / 1000
        assert (t.extra["battery_pct"], t.extra["error_code_counter"]) == (battery, errors)
