"""ev200 (ELR version 0x0D): BCD registers in 1/10 litre; manufacturer data kept as hex."""

from __future__ import annotations

from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder

ELR = 0x1592


def bcd(value: int, size: int) -> bytes:
    return bytes.fromhex(f"{value:0{2 * size}d}")[::-1]


def test_vector() -> None:
    """STS 0x08 (permanent error); the reference prints no status for this driver."""
    t = decode_vector(VECTORS[28])
    assert t.driver == "ev200"
    assert t.alarms == ["PERMANENT_ERROR"] and t.extra["status_flags"] == ["PERMANENT_ERROR"]
    assert t.extra["manufacturer_data_hex"] == "b10445007022c50bffffffff0000fff000"


def test_built_frame() -> None:
    payload = b"\x2f\x2f\x0c\x12" + bcd(12345678, 4) + b"\x4c\x12" + bcd(11112222, 4) + b"\x0f\xab\xcd"
    raw = wmbus(ELR, "99993030", 0x0D, 0x07, bytes((0x7A, 0xB5, 0x00, 0x00, 0x00)) + payload)
    t = Decoder().decode(raw)
    assert t.driver == "ev200"
    assert (t.total_m3, t.target_m3) == (1234.5678, 1111.2222)
    assert t.extra["manufacturer_data_hex"] == "abcd"
