"""istawater (IST): the due-date reading is storage 2."""

from __future__ import annotations

from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.dates import encode_date_g

IST = 0x2674


def bcd(value: int, size: int) -> bytes:
    return bytes.fromhex(f"{value:0{2 * size}d}")[::-1]


def test_vector() -> None:
    ref = VECTORS[43]["reference_output"]
    t = decode_vector(VECTORS[43])
    assert (t.target_m3, t.target_date) == (ref["target_m3"], ref["target_date"])
    assert t.alarms == []


def test_built_frame() -> None:
    payload = (b"\x2f\x2f\x0c\x13" + bcd(400123, 4) + b"\x42\x6c" + encode_date_g(2026, 1, 1)
               + b"\x4c\x13" + bcd(1, 4) + b"\x82\x01\x6c" + encode_date_g(2026, 3, 31) + b"\x8c\x01\x13"
               + bcd(399999, 4))
    raw = wmbus(IST, "22705729", 0x31, 0x07, bytes((0x7A, 0x20, 0x00, 0x00, 0x00)) + payload)
    t = Decoder().decode(raw)
    assert t.driver == "istawater"
    assert (t.total_m3, t.target_m3, t.target_date) == (400.123, 399.999, "2026-03-31")
