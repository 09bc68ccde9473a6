"""Apator Ultrimis: status from the error-flags record, not from STS bits 1:0."""

from __future__ import annotations

import pytest
from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder

APA = 0x0601
INDICES = [i for i, v in enumerate(VECTORS) if v["driver"] == "ultrimis"]


def ultrimis_frame(sts: int, total_l: int, due_l: int, backward_l: int, flags: int) -> bytes:
    records = (
        b"\x2f\x2f\x04\x13" + total_l.to_bytes(4, "little")
        + b"\x03\xfd\x17" + flags.to_bytes(3, "little")
        + b"\x44\x13" + due_l.to_bytes(4, "little")
        + b"\x04\x93\x3c" + backward_l.to_bytes(4, "little")
    )
    return wmbus(APA, "95969798", 0x01, 0x16, bytes([0x7A, 0x10, sts, 0x00, 0x00]) + records)


# Reference current_status "OK" → no alarm, although STS is 0x03.
@pytest.mark.parametrize("index", INDICES)
def test_vector_alarms(index: int) -> None:
    t = decode_vector(VECTORS[index])
    ref = VECTORS[index]["reference_output"]
    assert (t.driver, t.alarms, t.extra["current_status"]) == ("ultrimis", [], ref["current_status"])
    assert t.extra["total_backward_flow_m3"] == ref["total_backward_flow_m3"]


def test_built_frame_with_error_flags() -> None:
    t = Decoder().decode(ultrimis_frame(0x03, 5000, 4000, 25, 0x0104))
    assert (t.total_m3, t.target_m3, t.extra["total_backward_flow_m3"]) == (5.0, 4.0, 0.025)
    assert t.alarms == ["ERROR"]
    assert t.extra["status_flags"] == ["ERROR_FLAG_04", "ERROR_FLAG_100"]
    assert t.extra["current_status"] == "ERROR_FLAG_04 ERROR_FLAG_100"


def test_standard_status_bits_are_kept() -> None:
    t = Decoder().decode(ultrimis_frame(0x07, 1, 1, 0, 0))
    assert t.alarms == ["LOW_BATTERY"]
