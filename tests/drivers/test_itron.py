"""itron: backward register, flow, enhanced id and error flags that carry a record-error VIFE."""

from __future__ import annotations

import pytest
from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.dates import encode_date_g as type_g
from decoders.manufacturer import letters_to_code as mfct


def bcd(value: int, size: int) -> bytes:
    return bytes.fromhex(f"{value:0{2 * size}d}")[::-1]




@pytest.mark.parametrize("index", [44, 45])
def test_vector_status_ok(index: int) -> None:
    t = decode_vector(VECTORS[index])  # reference status "OK"
    assert t.alarms == []
    assert t.extra["status_flags"] == []
    assert t.extra["meter_datetime"] == VECTORS[index]["reference_output"]["meter_datetime"]


def test_built_frame() -> None:
    payload = (
        b"\x0c\x13" + bcd(1000123, 4) + b"\x0c\x93\x3c" + bcd(42, 4) + b"\x0b\x3b" + bcd(250, 3)
        + b"\x4c\x13" + bcd(990000, 4) + b"\x42\x6c" + type_g(2025, 10, 1)
        + b"\x03\xfd\x97\x1c" + (0x000101).to_bytes(3, "little")
    )
    raw = wmbus(mfct("ITW"), "18000056", 0x33, 0x07, bytes([0x7A, 0xAF, 0, 0, 0]) + payload)
    t = Decoder().decode(raw)
    assert t.driver == "itron"
    assert (t.total_m3, t.target_m3, t.target_date) == (1000.123, 990.0, "2025-10-01")
    assert (t.extra["total_backward_m3"], t.extra["volume_flow_m3h"]) == (0.042, 0.25)
    assert t.alarms == ["ERROR"]
    assert t.extra["status_flags"] == ["ERROR_FLAGS_0x101"]
