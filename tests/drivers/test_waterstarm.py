"""waterstarm (DWZ, EFE v0x70): leak-or-no-usage flag, backward volume, history, mode-5 frames."""

from __future__ import annotations

import pytest
from frames import le, wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.dates import encode_date_g, encode_datetime_f
from decoders.manufacturer import letters_to_code as mfct
from decoders.security import aes_cbc_encrypt, mode5_iv

KEY = bytes.fromhex("BEDB81B52C29B5C143388CBB0D15A051")






@pytest.mark.parametrize(
    ("index", "alarms", "flags"),
    [(98, [], []), (99, ["LOW_BATTERY", "LEAK"], ["POWER_LOW", "LEAKAGE_OR_NO_USAGE"]), (100, [], []),
     (101, [], []), (102, [], [])],
)
def test_vector_status(index: int, alarms: list[str], flags: list[str]) -> None:
    """Reference: "OK", or (vector 99) "LEAKAGE_OR_NO_USAGE POWER_LOW"."""
    t = decode_vector(VECTORS[index])
    assert t.alarms == alarms
    assert t.extra["status_flags"] == flags


@pytest.mark.parametrize("index", [98, 99, 100, 101, 102])
def test_vector_extras(index: int) -> None:
    ref = VECTORS[index]["reference_output"]
    t = decode_vector(VECTORS[index])
    for name in ("total_backwards_m3", "battery_v", "consumption_at_set_date_m3", "total_backwards_at_set_date_m3",
                 *(f"consumption_at_history_{n}_m3" for n in range(1, 16))):
        if name in ref:
            assert t.extra[name] == pytest.approx(ref[name]), name
    for name in ("meter_version", "parameter_set", "set_date"):
        if ref.get(name) is not None:
            assert t.extra[name] == ref[name]


def frame(total_l: int, backward_l: int, flags: int, key: bytes | None, sts: int = 0) -> bytes:
    plain = (b"\x2f\x2f\x04\x6d" + encode_datetime_f(2026, 6, 7, 8, 9) + b"\x04\x13" + le(total_l, 4)
             + b"\x02\xfd\x17" + le(flags, 2) + b"\x04\x93\x3c" + le(backward_l, 4)
             + b"\x42\x6c" + encode_date_g(2025, 12, 31) + b"\x44\x13" + le(total_l - 500, 4)
             + b"\x84\x01\x13" + le(total_l - 100, 4) + b"\x01\xfd\x48\x1e")
    plain += b"\x2f" * (-len(plain) % 16)
    acc = 0x36
    a_field = bytes.fromhex("21620920") + bytes((0x02, 0x06))
    if key is not None:
        plain = aes_cbc_encrypt(key, mode5_iv(le(mfct("DWZ"), 2), a_field, acc), plain)
    cfg = 0x0500 | (len(plain) // 16) << 4 if key is not None else 0
    return wmbus(mfct("DWZ"), "20096221", 0x02, 0x06, bytes((0x7A, acc, sts)) + le(cfg, 2) + plain)


def test_built_encrypted_frame() -> None:
    t = Decoder(default_key=KEY).decode(frame(76543, 21, 0, KEY))
    assert t.driver == "waterstarm" and t.decrypted
    assert (t.total_m3, t.target_m3, t.target_date) == (76.543, 76.043, "2025-12-31")
    assert (t.extra["total_backwards_m3"], t.extra["consumption_at_history_1_m3"]) == (0.021, 76.443)
    assert (t.extra["battery_v"], t.extra["meter_datetime"]) == (3.0, "2026-06-07 08:09")
    assert t.alarms == []


def test_built_frame_leak_and_unknown_flags() -> None:
    t = Decoder().decode(frame(1000, 0, 0x0041, None, sts=0x04))
    assert t.alarms == ["LOW_BATTERY", "LEAK"]
    assert t.extra["status_flags"] == ["POWER_LOW", "LEAKAGE_OR_NO_USAGE", "ERROR_FLAGS_1"]
