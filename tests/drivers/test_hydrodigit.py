"""Bmeters Hydrodigit: standard records and the meter clock; no status is decoded."""

from __future__ import annotations

import pytest
from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder

BMT = 0x09B4


# Reference: fraud_type NO_TYPE_INFO, fraud/leak dates null, nothing else status-like → no alarm.
@pytest.mark.parametrize("index", [i for i, v in enumerate(VECTORS) if v["driver"] == "hydrodigit"])
def test_vectors(index: int) -> None:
    v = VECTORS[index]
    t = decode_vector(v)
    ref = v["reference_output"]
    assert (t.driver, t.total_m3, t.media, t.alarms) == ("hydrodigit", ref["total_m3"], ref["media"], [])
    assert t.extra["meter_datetime"] == ref["meter_datetime"]


def test_built_frame() -> None:
    records = b"\x0c\x13\x21\x43\x65\x00" + b"\x04\x6d\x00\x08\x01\x31" + b"\x0f\x03\x00\x00\x00\x00\x00"
    t = Decoder().decode(wmbus(BMT, "03122061", 0x17, 0x07, bytes([0x7A, 0x05, 0x00, 0x00, 0x00]) + records))
    assert (t.driver, t.total_m3, t.extra["meter_datetime"]) == ("hydrodigit", 654.321, "2024-01-01 08:00")
