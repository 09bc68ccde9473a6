"""werhlemodwm (WZG, wired M-Bus): 13 dated due-date readings and the next due date."""

from __future__ import annotations

import pytest
from frames import le
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.dates import encode_date_g

WZG = 0x5F47




def test_vector_history() -> None:
    ref = VECTORS[106]["reference_output"]
    t = decode_vector(VECTORS[106])
    assert t.alarms == []
    assert (t.extra["next_target_date"], t.extra["fabrication_no"]) == (ref["next_target_date"], ref["fabrication_no"])
    for n in range(1, 14):
        assert t.extra[f"target_{n}_date"] == ref[f"target_{n}_date"]
        assert t.extra[f"target_{n}_m3"] == pytest.approx(ref[f"target_{n}_m3"])


def wired(records: bytes) -> bytes:
    """`68 L L 68 C A CI ...` with a long TPL header and the sum checksum."""
    header = bytes.fromhex("83654616") + le(WZG, 2) + bytes((0x03, 0x16, 0x0C, 0x00, 0x00, 0x00))
    user = bytes((0x08, 0x63, 0x72)) + header + records
    return bytes((0x68, len(user), len(user), 0x68)) + user + bytes((sum(user) & 0xFF, 0x16))


def test_built_wired_frame() -> None:
    records = b"\x04\x13" + le(2500, 4) + b"\x42\x6c" + encode_date_g(2026, 3, 25) + b"\x44\x13" + le(2400, 4)
    records += b"\x42\xec\x7e" + encode_date_g(2027, 3, 25)
    for storage in range(2, 14):
        dif = 0x80 | (storage & 1) << 6
        records += bytes((dif | 0x02, storage >> 1, 0x6C)) + encode_date_g(2025, storage - 1, 28)
        records += bytes((dif | 0x04, storage >> 1, 0x13)) + le(2000 + storage, 4)
    t = Decoder().decode(wired(records))
    assert t.driver == "werhlemodwm" and t.id == "16466583"
    assert (t.total_m3, t.target_m3, t.target_date) == (2.5, 2.4, "2026-03-25")
    assert t.extra["next_target_date"] == "2027-03-25"
    assert (t.extra["target_2_date"], t.extra["target_2_m3"]) == ("2025-01-28", 2.002)
    assert (t.extra["target_13_date"], t.extra["target_13_m3"]) == ("2025-12-28", 2.013)
