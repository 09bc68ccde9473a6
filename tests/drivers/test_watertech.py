"""watertech (WTT): six-byte clock with seconds, ASCII software version."""

from __future__ import annotations

from frames import le, wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder

WTT = 0x5E94




def test_vector() -> None:
    ref = VECTORS[103]["reference_output"]
    t = decode_vector(VECTORS[103])
    assert ref["status"] == "OK" and t.alarms == [] and t.extra["status_flags"] == []
    assert t.extra["software_version"] == ref["software_version"]
    assert t.extra["meter_datetime"] == ref["meter_datetime"]


def test_built_frame() -> None:
    payload = (b"\x2f\x2f\x04\x13" + le(42042, 4) + b"\x02\xfd\x17" + le(0x0004, 2) + b"\x02\xfd\x0f" + b"A1")
    raw = wmbus(WTT, "38383838", 0x59, 0x07, bytes((0x7A, 0x01, 0x00, 0x00, 0x00)) + payload)
    t = Decoder().decode(raw)
    assert t.driver == "watertech"
    assert t.total_m3 == 42.042
    assert t.extra["software_version"] == "1A"
    assert t.extra["status_flags"] == ["ERROR_FLAGS_4"] and t.alarms == []
