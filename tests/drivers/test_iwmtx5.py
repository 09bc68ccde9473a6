"""Bmeters IWM-TX5: tamper from STS bit 6."""

from __future__ import annotations

import pytest
from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder

BMT = 0x09B4


# Reference status "OK" → [], "TAMPER" → ["TAMPER"].
@pytest.mark.parametrize(("index", "alarms"), [(46, []), (47, ["TAMPER"])])
def test_vector_alarms(index: int, alarms: list[str]) -> None:
    v = VECTORS[index]
    t = decode_vector(v)
    assert (t.driver, t.total_m3) == ("iwmtx5", v["expect"]["total_m3"])
    assert t.alarms == alarms
    assert t.extra["status"] == v["reference_output"]["status"]
    assert t.extra.get("meter_datetime") == v["reference_output"].get("meter_datetime")


@pytest.mark.parametrize(
    ("sts", "alarms", "status"),
    [(0x00, [], "OK"), (0x40, ["TAMPER"], "TAMPER"), (0x60, ["TAMPER"], "TAMPER UNKNOWN_20"),
     (0x44, ["LOW_BATTERY", "TAMPER"], "TAMPER")],
)
def test_built_frame(sts: int, alarms: list[str], status: str) -> None:
    records = b"\x0c\x13\x00\x25\x01\x00" + b"\x0f\x05" + bytes(10)
    t = Decoder().decode(wmbus(BMT, "24360570", 0x18, 0x06, bytes([0x8C, 0x00, 0x11, 0x7A, 0x11, sts, 0, 0]) + records))
    assert (t.driver, t.total_m3, t.alarms, t.extra["status"]) == ("iwmtx5", 12.5, alarms, status)
