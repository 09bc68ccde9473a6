"""Apator Ultrimis with the v2 field names (forced driver: detection goes to `ultrimis`)."""

from __future__ import annotations

import pytest
from frames import wmbus
from test_conformance import VECTORS

from decoders import Decoder, parse_hex

APA = 0x0601
INDICES = [i for i, v in enumerate(VECTORS) if v["driver"] == "ultrimisv2"]


# Reference status "OK" → no alarm.
@pytest.mark.parametrize("index", INDICES)
def test_vector_with_forced_driver(index: int) -> None:
    v = VECTORS[index]
    t = Decoder(driver="ultrimisv2").decode(parse_hex(v["telegram_hex"]))
    ref = v["reference_output"]
    assert (t.driver, t.total_m3, t.target_m3) == ("ultrimisv2", ref["total_m3"], ref["target_m3"])
    assert (t.alarms, t.extra["status"], t.extra["total_backward_m3"]) == ([], "OK", ref["total_backward_m3"])


def test_built_frame() -> None:
    records = b"\x2f\x2f\x04\x13" + (777).to_bytes(4, "little") + b"\x03\xfd\x17\x01\x00\x00"
    frame = wmbus(APA, "11223344", 0x01, 0x16, bytes([0x7A, 0x01, 0x00, 0x00, 0x00]) + records)
    t = Decoder(driver="ultrimisv2").decode(frame)
    assert (t.total_m3, t.alarms, t.extra["status"]) == (0.777, ["ERROR"], "ERROR_FLAG_01")
