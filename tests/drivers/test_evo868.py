"""evo868: set dates, maximum flow and the 12-month history with computed dates."""

from __future__ import annotations

from frames import le, wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.dates import encode_date_g as type_g
from decoders.manufacturer import letters_to_code as mfct


def test_vector_status_and_history_match_reference() -> None:
    v = VECTORS[29]
    t = decode_vector(v)
    ref = v["reference_output"]
    assert t.alarms == []  # current_status "OK"
    assert t.extra["status_flags"] == []
    for n in range(1, 13):
        assert t.extra[f"consumption_at_history_{n}_m3"] == ref[f"consumption_at_history_{n}_m3"]
        assert t.extra[f"history_{n}_date"] == ref[f"history_{n}_date"]
    for name in ("max_flow_since_datetime_m3h", "max_flow_datetime", "set_date", "fabrication_no", "device_datetime"):
        assert t.extra[name] == ref[name]


def test_built_frame() -> None:
    payload = (
        b"\x04\x13" + le(2500, 4) + b"\x04\xfd\x17" + le(0x20, 4)
        + b"\x44\x13" + le(2000, 4) + b"\x42\x6c" + type_g(2023, 6, 30)
        + b"\xd3\x01\x3b" + le(1500, 3)
        + b"\x82\x04\x6c" + type_g(2023, 6, 30) + b"\x84\x04\x13" + le(2000, 4) + b"\xc4\x04\x13" + le(7, 4)
    )
    raw = wmbus(mfct("MAD"), "11223344", 0x50, 0x07, bytes([0x7A, 0xC1, 0, 0, 0]) + payload)
    t = Decoder().decode(raw)
    assert t.driver == "evo868"
    assert (t.total_m3, t.target_m3, t.target_date) == (2.5, 2.0, "2023-06-30")
    assert t.extra["max_flow_since_datetime_m3h"] == 1.5
    assert t.extra["consumption_at_history_2_m3"] == 0.007
    assert t.extra["history_2_date"] == "2023-05-31"
    assert t.alarms == ["ERROR"]
    assert t.extra["status_flags"] == ["ERROR_FLAGS_0x20"]


def test_vector_layout_with_new_values() -> None:
    """Same layout as the vector (trailing FF FF included), other history values: decoded from the plan."""
    raw = bytearray(bytes.fromhex(VECTORS[29]["telegram_hex"]))
    t0 = Decoder().decode(bytes(raw))
    assert t0.extra["consumption_at_history_2_m3"] == 0.027
    index = bytes(raw).index(bytes.fromhex("c404131b000000")) + 3  # storage 9 = history 2
    raw[index : index + 4] = (4321).to_bytes(4, "little")
    t = Decoder().decode(bytes(raw))
    assert t.extra["consumption_at_history_2_m3"] == 4.321
    assert t.extra["history_2_date"] == "2020-11-30"
    assert t.total_m3 == 1.798
