"""Apator OP-041A: standard records; the driver adds the meter clock."""

from __future__ import annotations

from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder

APA = 0x0601


def test_vector() -> None:
    (index,) = [i for i, v in enumerate(VECTORS) if v["driver"] == "op041a"]
    t = decode_vector(VECTORS[index])
    ref = VECTORS[index]["reference_output"]
    assert (t.driver, t.total_m3, t.extra["meter_datetime"], t.alarms) == (
        "op041a", ref["total_m3"], ref["meter_datetime"], [])


def test_built_frame() -> None:
    records = b"\x2f\x2f\x04\x13" + (98765).to_bytes(4, "little") + b"\x04\x6d\x05\x11\x21\x3c" + b"\x0f\x60\x00"
    t = Decoder().decode(wmbus(APA, "11337834", 0x1A, 0x07, bytes([0x7A, 0x02, 0x00, 0x00, 0x00]) + records))
    assert (t.driver, t.total_m3, t.extra["meter_datetime"]) == ("op041a", 98.765, "2025-12-01 17:05")
