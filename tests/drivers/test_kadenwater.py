"""kadenwater (KDN, VIP): volume B, leak-flow STS bits, mode-5 frames."""

from __future__ import annotations

import pytest
from frames import le, wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.dates import encode_datetime_f
from decoders.security import aes_cbc_encrypt, mode5_iv

KDN = 0x2C8E
KEY = bytes.fromhex("82B0551191F51D66EFCDAB8967452301")




@pytest.mark.parametrize(
    ("index", "alarms", "flags"),
    [(52, [], []), (53, [], []), (54, [], []),
     (55, ["ALARM", "LEAK"], ["ALARM", "LEAK_FLOW_HIGH", "LEAK_FLOW_LOW"])],
)
def test_vector_status(index: int, alarms: list[str], flags: list[str]) -> None:
    """Reference "OK" or (vector 55, STS 0x63) "ALARM LEAK_FLOW_HIGH LEAK_FLOW_LOW"."""
    ref = VECTORS[index]["reference_output"]
    t = decode_vector(VECTORS[index])
    assert t.alarms == alarms
    assert t.extra["status_flags"] == flags
    for name in ("max_flow_m3h", "volume_b_m3", "volume_flow_m3h", "actuality_duration_s", "duration_b_s"):
        assert t.extra[name] == pytest.approx(ref[name]), name
    assert t.extra["fabrication_no"] == ref["fabrication_no"]


def frame(total: int, volume_b: int, max_flow: int, sts: int, key: bytes) -> bytes:
    plain = (b"\x2f\x2f\x02\xfd\x17\x00\x00" + b"\x04\x12" + le(total, 4) + b"\x04\x12" + le(volume_b, 4)
             + b"\x02\x3b" + le(0, 2) + b"\x12\x3b" + le(max_flow, 2) + b"\x04\x74" + le(30, 4)
             + b"\x04\x74" + le(60, 4) + b"\x04\x6d" + encode_datetime_f(2026, 7, 1, 12, 0))
    plain += b"\x2f" * (-len(plain) % 16)
    acc = 0x71
    enc = aes_cbc_encrypt(key, mode5_iv(le(KDN, 2), bytes.fromhex("17822219") + b"\x01\x07", acc), plain)
    cfg = 0x0500 | (len(plain) // 16) << 4
    return wmbus(KDN, "19228217", 0x01, 0x07, bytes((0x7A, acc, sts)) + le(cfg, 2) + enc)


def test_built_encrypted_frame() -> None:
    t = Decoder(default_key=KEY).decode(frame(1234567, 89, 2048, 0x00, KEY))
    assert t.driver == "kadenwater" and t.decrypted
    assert t.total_m3 == 123.4567
    assert (t.extra["volume_b_m3"], t.extra["max_flow_m3h"]) == (0.0089, 2.048)
    assert (t.extra["actuality_duration_s"], t.extra["duration_b_s"]) == (30.0, 60.0)
    assert t.alarms == []


def test_single_leak_bit() -> None:
    t = Decoder(default_key=KEY).decode(frame(1, 1, 1, 0x20, KEY))
    assert t.alarms == ["LEAK"]
    assert t.extra["status_flags"] == ["LEAK_FLOW_0x20"]
