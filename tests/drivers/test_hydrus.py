"""Hydrus: due date at the date-time storage, real-data frames with swapped address, AES mode 5."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder, parse_hex
from decoders.dates import encode_date_g as type_g
from decoders.manufacturer import letters_to_code as mfct


def bcd(value: int, size: int) -> bytes:
    return bytes.fromhex(f"{value:0{2 * size}d}")[::-1]




def type_f(year: int, month: int, day: int, hour: int, minute: int) -> bytes:
    return bytes([minute, hour]) + type_g(year, month, day)


def records(total_l: int, at_l: int, at: bytes, due_l: int, due: bytes, errors: int = 0) -> bytes:
    return (
        b"\x0c\x13" + bcd(total_l, 4)
        + b"\x4c\x13" + bcd(at_l, 4) + b"\x42\x6c" + at
        + b"\x02\xfd\x74" + (3652).to_bytes(2, "little")
        + b"\x02\xfd\x17" + errors.to_bytes(2, "little")
        + b"\xc4\x01\x6d" + due + b"\xcc\x01\x13" + bcd(due_l, 4)
    )


def short_tpl(cfg: int, payload: bytes, acc: int = 0x2A, sts: int = 0) -> bytes:
    return bytes([0x7A, acc, sts]) + cfg.to_bytes(2, "little") + payload


@pytest.mark.parametrize("index", [36, 37, 39, 40])
def test_vector_status_ok(index: int) -> None:
    t = decode_vector(VECTORS[index])  # reference status "OK"
    assert t.error is None
    assert t.alarms == []
    assert t.extra["status_flags"] == []


def test_vector_due_date_and_set_date() -> None:
    t = decode_vector(VECTORS[40])
    ref = VECTORS[40]["reference_output"]
    assert t.extra["target_datetime"] == ref["target_datetime"]
    assert t.extra["at_date"] == ref["at_date"]
    assert t.extra["total_at_date_m3"] == ref["total_at_date_m3"]
    assert t.extra["remaining_battery_life_y"] == ref["remaining_battery_life_y"]


def test_mode5_without_key_uses_the_diehl_default_key() -> None:
    t = decode_vector(VECTORS[38])
    assert (t.error, t.decrypted, t.total_m3) == (None, True, 137.291)
    assert t.extra["key_source"] == "manufacturer default"


def test_a_wrong_configured_key_is_not_replaced_by_the_default() -> None:
    t = Decoder(default_key=bytes(16)).decode_safe(parse_hex(VECTORS[38]["telegram_hex"]))
    assert t.reason == "wrong_key" and t.total_m3 is None


def test_built_frame_due_date_storage_and_error_flags() -> None:
    payload = records(123456, 100000, type_g(2024, 12, 31), 120001, type_f(2025, 5, 31, 23, 59), errors=0x0004)
    raw = wmbus(mfct("DME"), "55667788", 0x70, 0x07, short_tpl(0x0000, payload))
    t = Decoder().decode(raw)
    assert t.driver == "hydrus"
    assert (t.total_m3, t.target_m3, t.target_date) == (123.456, 120.001, "2025-05-31")
    assert (t.extra["at_date"], t.extra["total_at_date_m3"]) == ("2024-12-31", 100.0)
    assert t.extra["remaining_battery_life_y"] == pytest.approx(3652 / 365.2425, abs=1e-6)
    assert t.alarms == ["ERROR"]
    assert t.extra["status_flags"] == ["ERROR_FLAGS_0x4"]


def test_built_real_data_frame_swaps_address() -> None:
    payload = b"\x04\x13" + (77001).to_bytes(4, "little") + b"\x44\x13" + (70000).to_bytes(4, "little") + (
        b"\x42\x6c" + type_g(2024, 3, 31))
    m = mfct("HYD").to_bytes(2, "little")
    a = bytes([0x8B, 0x06]) + bytes.fromhex("11223344")[::-1]  # Diehl order: version, type, id
    body = bytes([0x44]) + m + a + short_tpl(0x1810, payload, sts=0x10)
    raw = bytes([len(body)]) + body
    t = Decoder().decode(raw)
    assert t.driver == "hydrus"
    assert (t.id, t.version, t.device_type, t.media) == ("11223344", 0x8B, 0x06, "warm water")
    assert (t.total_m3, t.target_m3, t.target_date) == (77.001, 70.0, "2024-03-31")
    assert t.alarms == ["TEMPORARY_ERROR"]


@pytest.mark.parametrize(("payload", "reason"), [("0d6cffee", "invalid"), ("02fd170000", "unsupported")])
def test_real_data_that_is_not_records_is_an_error(payload: str, reason: str) -> None:
    m = mfct("HYD").to_bytes(2, "little")
    a = bytes([0x8B, 0x06, 0x44, 0x33, 0x22, 0x11])
    body = bytes([0x44]) + m + a + short_tpl(0x1810, bytes.fromhex(payload))
    t = Decoder().decode_safe(bytes([len(body)]) + body)
    assert t.reason == reason
    assert t.total_m3 is None


def test_built_mode5_frame_with_key() -> None:
    key = bytes(range(16))
    payload = b"\x2f\x2f" + records(5000, 4000, type_g(2023, 12, 31), 4500, type_f(2024, 1, 31, 23, 59))
    payload += b"\x2f" * (-len(payload) % 16)
    a = bytes.fromhex("99887766")[::-1] + bytes([0x70, 0x07])
    m = mfct("DME").to_bytes(2, "little")
    iv = m + a + bytes([0x2A]) * 8
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    cipher = enc.update(payload) + enc.finalize()
    raw = wmbus(mfct("DME"), "99887766", 0x70, 0x07, short_tpl(0x0500 | (len(cipher) // 16) << 4, cipher))
    t = Decoder(default_key=key).decode(raw)
    assert (t.total_m3, t.target_m3, t.target_date, t.decrypted) == (5.0, 4.5, "2024-01-31", True)
    assert Decoder(default_key=bytes(16)).decode_safe(raw).reason == "wrong_key"


def test_real_data_layout_twice_uses_fresh_values() -> None:
    """hydrus computes the summary itself; on a known layout it comes from the field plan."""
    m = mfct("HYD").to_bytes(2, "little")
    a = bytes([0x8B, 0x06]) + bytes.fromhex("22334455")[::-1]
    for total_l in (1000, 2500, 2500, 999999):
        payload = b"\x04\x13" + total_l.to_bytes(4, "little") + b"\x0b\x3b" + bcd(12, 3)
        body = bytes([0x44]) + m + a + short_tpl(0x1810, payload)
        t = Decoder().decode(bytes([len(body)]) + body)
        assert (t.id, t.total_m3, t.flow_m3h) == ("22334455", total_l / 1000, 0.012)


def test_known_layout_output_equals_a_fresh_decode() -> None:
    """hydrus learns its layouts in a core LayoutCache; a repeated layout must decode (records,
    extras, summary) exactly as a decoder that sees it for the first time."""
    raws = [parse_hex(v["telegram_hex"]) for v in VECTORS if v.get("driver") == "hydrus" and not v["key"]]
    assert raws
    warm = Decoder()
    for raw in raws * 2:
        assert warm.decode_safe(raw).to_json() == Decoder().decode_safe(raw).to_json()


def test_variable_length_customer_text_read_per_telegram() -> None:
    raw = bytearray(bytes.fromhex(VECTORS[37]["telegram_hex"]))
    at = bytes(raw).index(b"A20B410178"[::-1])
    decoder = Decoder()
    for last in "80123":
        raw[at] = ord(last)
        t = decoder.decode(bytes(raw))
        assert t.extra["customer"] == "A20B41017" + last
        assert (t.total_m3, t.target_m3) == (3.45, 3.431)
