"""maddalena: storage-1 due date (even the meter's 2000-01-01), storage-2 set date, status."""

from __future__ import annotations

from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.dates import encode_date_g as type_g
from decoders.manufacturer import letters_to_code as mfct


def test_vector_status_ok() -> None:
    t = decode_vector(VECTORS[62])
    assert t.alarms == []  # status "OK"
    assert t.extra["fabrication_no"] == VECTORS[62]["reference_output"]["fabrication_no"]
    assert t.extra["meter_datetime"] == VECTORS[62]["reference_output"]["meter_datetime"]


def test_built_frame() -> None:
    payload = (
        b"\x04\x13" + (4242).to_bytes(4, "little") + b"\x04\xfd\x17" + bytes(4)
        + b"\x44\x13" + (4000).to_bytes(4, "little") + b"\x42\x6c" + type_g(2024, 12, 31)
        + b"\x84\x01\x13" + (4100).to_bytes(4, "little") + b"\x82\x01\x6c" + type_g(2025, 1, 31)
    )
    t = Decoder().decode(wmbus(mfct("MAD"), "24018699", 0x01, 0x07, bytes([0x7A, 1, 0x04, 0, 0]) + payload))
    assert t.driver == "maddalena"
    assert (t.total_m3, t.target_m3, t.target_date) == (4.242, 4.0, "2024-12-31")
    assert (t.extra["set_date_2"], t.extra["consumption_at_set_date_2_m3"]) == ("2025-01-31", 4.1)
    assert t.alarms == ["LOW_BATTERY"]
    assert t.extra["status_flags"] == ["POWER_LOW"]
