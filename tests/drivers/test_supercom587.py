"""supercom587: the 2127-01-01 storage-1 date means "no due date" and is not reported."""

from __future__ import annotations

import pytest
from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.dates import encode_date_g as type_g
from decoders.manufacturer import letters_to_code as mfct


def bcd(value: int, size: int) -> bytes:
    return bytes.fromhex(f"{value:0{2 * size}d}")[::-1]




def frame(due: bytes, due_l: int, errors: int = 0) -> bytes:
    payload = (
        b"\x0c\x13" + bcd(7777, 4) + b"\x42\x6c" + due + b"\x4c\x13" + bcd(due_l, 4)
        + b"\x0b\xfd\x0f" + bytes([3, 0, 2]) + b"\x02\xfd\x17" + errors.to_bytes(2, "little")
    )
    return wmbus(mfct("SON"), "11111111", 0x3C, 0x07, bytes([0x7A, 0xAC, 0, 0, 0]) + payload)


@pytest.mark.parametrize("index", [90, 91])
def test_vector_no_bogus_target_and_status_ok(index: int) -> None:
    t = decode_vector(VECTORS[index])
    assert (t.target_m3, t.target_date) == (None, None)
    assert t.alarms == []  # reference status "OK"
    assert t.extra["software_version"] == VECTORS[index]["reference_output"]["software_version"]


def test_built_unset_due_date_is_dropped() -> None:
    t = Decoder().decode(frame(bytes.fromhex("e1f1"), 0))
    assert (t.total_m3, t.target_m3, t.target_date) == (7.777, None, None)
    assert t.extra["software_version"] == "020003"


def test_built_real_due_date_is_reported_with_error_flags() -> None:
    t = Decoder().decode(frame(type_g(2025, 9, 1), 7000, errors=0x8000))
    assert (t.total_m3, t.target_m3, t.target_date) == (7.777, 7.0, "2025-09-01")
    assert t.alarms == ["ERROR"]
