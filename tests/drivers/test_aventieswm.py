"""aventieswm (AAA): 14 set-date readings, the "HF MEASUREMENT" flag pair, mode-5 long-header frames."""

from __future__ import annotations

import pytest
from frames import le, wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.security import aes_cbc_encrypt, mode5_iv

AAA = 0x0421
KEY = bytes.fromhex("A004EB23329A477F1DD2D7820B56EB3D")




@pytest.mark.parametrize(
    ("index", "flags"), [(22, []), (23, ["HF MEASUREMENT", "ERROR_FLAGS_1100"])]
)
def test_vector_status(index: int, flags: list[str]) -> None:
    """Reference "OK" and "ERROR_FLAGS_1100 HF MEASUREMENT": no normalised alarm for either."""
    ref = VECTORS[index]["reference_output"]
    t = decode_vector(VECTORS[index])
    assert t.alarms == []
    assert t.extra["status_flags"] == flags
    for n in range(1, 15):
        assert t.extra[f"consumption_at_set_date_{n}_m3"] == pytest.approx(ref[f"consumption_at_set_date_{n}_m3"])


def frame(total_l: int, set_dates: list[int], flags: int, key: bytes) -> bytes:
    records = b"\x04\x13" + le(total_l, 4)
    for storage, value in enumerate(set_dates, start=1):
        dif = 0x04 | (storage & 1) << 6
        records += (bytes((dif | 0x80, storage >> 1)) if storage > 1 else bytes((dif,))) + b"\x14" + le(value, 4)
    plain = b"\x2f\x2f" + records + b"\x02\xfd\x17" + le(flags, 2)
    plain += b"\x2f" * (-len(plain) % 16)
    id_bytes = bytes.fromhex("71000761")
    acc = 0xB5
    enc = aes_cbc_encrypt(key, mode5_iv(le(AAA, 2), id_bytes + b"\x25\x07", acc), plain)
    header = id_bytes + le(AAA, 2) + bytes((0x25, 0x07, acc, 0x00)) + le(0x0500 | (len(plain) // 16) << 4, 2)
    return wmbus(AAA, "61070071", 0x25, 0x07, b"\x72" + header + enc)


def test_built_encrypted_frame() -> None:
    t = Decoder(default_key=KEY).decode(frame(500000, [49000 - 100 * n for n in range(14)], 0x0011, KEY))
    assert t.driver == "aventieswm" and t.decrypted
    assert (t.total_m3, t.target_m3) == (500.0, 490.0)
    assert t.extra["consumption_at_set_date_14_m3"] == 477.0
    assert t.extra["status_flags"] == ["HF MEASUREMENT"] and t.alarms == []


def test_single_bit_of_the_pair_is_not_named() -> None:
    t = Decoder(default_key=KEY).decode(frame(1, [1] * 14, 0x0010, KEY))
    assert t.extra["status_flags"] == ["ERROR_FLAGS_10"]
