"""emerlin868 (ELR version 0x12, type 0x37): standard records; the unset due-date register stays raw."""

from __future__ import annotations

from frames import le, wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.dates import encode_date_g

ELR = 0x1592




def test_vector_keeps_unset_due_date_raw() -> None:
    t = decode_vector(VECTORS[26])
    assert t.driver == "emerlin868"
    assert (t.target_m3, t.target_date) == (-2147483.648, "2000-00-00")
    assert t.alarms == [] and t.extra["status_flags"] == []


def test_built_frame() -> None:
    payload = (b"\x2f\x2f\x04\x13" + le(31415, 4) + b"\x44\x13" + le(30000, 4) + b"\x42\x6c"
               + encode_date_g(2026, 6, 30) + b"\x02\xfd\x17" + le(0x0010, 2))
    raw = wmbus(ELR, "00502420", 0x12, 0x37, bytes((0x7A, 0xA8, 0x10, 0x00, 0x00)) + payload)
    t = Decoder().decode(raw)
    assert t.driver == "emerlin868"
    assert (t.total_m3, t.target_m3, t.target_date) == (31.415, 30.0, "2026-06-30")
    assert t.alarms == ["TEMPORARY_ERROR"]
    assert t.extra["status_flags"] == ["TEMPORARY_ERROR", "ERROR_FLAGS_10"]
