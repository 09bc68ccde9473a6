"""fiowater: status from the TPL status byte, behind ELL/AFL in the vector."""

from __future__ import annotations

import pytest
from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.manufacturer import letters_to_code as mfct


def bcd(value: int, size: int) -> bytes:
    return bytes.fromhex(f"{value:0{2 * size}d}")[::-1]


def test_vector_temporary_error() -> None:
    t = decode_vector(VECTORS[30])  # reference status "TEMPORARY_ERROR"
    assert t.alarms == ["TEMPORARY_ERROR"]
    assert t.extra["status_flags"] == ["TEMPORARY_ERROR"]
    assert t.extra["meter_datetime"] == VECTORS[30]["reference_output"]["meter_datetime"]


@pytest.mark.parametrize(("sts", "alarms"), [(0x00, []), (0x0C, ["LOW_BATTERY", "PERMANENT_ERROR"])])
def test_built_frame(sts: int, alarms: list[str]) -> None:
    payload = b"\x0c\x13" + bcd(42424, 4) + b"\x0f\x60\x01"
    ell = bytes([0x8C, 0x20, 0x75])
    t = Decoder().decode(wmbus(mfct("FIO"), "25016914", 0x01, 0x07, ell + bytes([0x7A, 0x47, sts, 0, 0]) + payload))
    assert t.driver == "fiowater"
    assert (t.id, t.total_m3) == ("25016914", 42.424)
    assert t.alarms == alarms
