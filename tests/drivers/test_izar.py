"""IZAR PRIOS (CI 0xA1/0xA2): descrambling, address swap, alarms, and telegrams built here.

The encoder below scrambles bit by bit, independently of the driver's table-driven keystream.
"""

from __future__ import annotations

import pytest
from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder, KeyStore
from decoders.dates import encode_date_g as type_g
from decoders.manufacturer import letters_to_code as mfct

DEFAULT_KEY32 = 0xDFD109E8  # XOR of the default key halves, derived from the public vectors






def scramble(data: bytes, register: int) -> bytes:
    out = bytearray()
    for byte in data:
        for _ in range(8):
            bit = ((register >> 1) ^ (register >> 2) ^ (register >> 11) ^ (register >> 31)) & 1
            register = ((register << 1) | bit) & 0xFFFFFFFF
        out.append(byte ^ (register & 0xFF))
    return bytes(out)


def prios(manufacturer: str, a_field: bytes, header: bytes, total_l: int, due_l: int, due: bytes,
          key32: int = DEFAULT_KEY32, ci: int = 0xA2, tail: bytes = b"") -> bytes:
    """A PRIOS frame: `a_field` as sent on air (Diehl order for DME/HYD), `header` = h0 h1 h2 h3."""
    m = mfct(manufacturer)
    words = m.to_bytes(2, "little") + a_field + bytes([ci]) + header[:3]
    register = key32
    for i in range(0, 12, 4):
        register ^= int.from_bytes(words[i : i + 4], "big")
    plain = bytes([0x4B]) + total_l.to_bytes(4, "little") + due_l.to_bytes(4, "little") + due
    body = bytes([ci]) + header + scramble(plain, register) + tail
    # frames.wmbus wants id + version + type; pass the raw A field through it unchanged.
    raw_id = a_field[3::-1].hex()
    return wmbus(m, raw_id, a_field[4], a_field[5], body)


def diehl_a(meter_id: str, version: int = 0x78, dtype: int = 0x07) -> bytes:
    return bytes([version, dtype]) + bytes.fromhex(meter_id)[::-1]


@pytest.mark.parametrize(
    ("index", "alarms", "flags"),
    [
        (109, [], []),  # current_alarms no_alarm, previous_alarms no_alarm
        (110, [], []),
        (111, [], []),
        (112, ["LEAK"], ["PREV_LEAKAGE"]),  # previous_alarms "leakage"
    ],
)
def test_vector_alarms(index: int, alarms: list[str], flags: list[str]) -> None:
    t = decode_vector(VECTORS[index])
    assert t.error is None
    assert t.alarms == alarms
    assert t.extra["status_flags"] == flags


def test_vector_extras_match_reference() -> None:
    for index in (109, 110, 111, 112):
        v = VECTORS[index]
        t = decode_vector(v)
        ref = v["reference_output"]
        assert t.extra["battery_y"] == ref["remaining_battery_life_y"]
        assert t.extra["transmit_period_s"] == ref["transmit_period_s"]
        assert t.target_m3 == ref["last_month_total_m3"]
        assert t.target_date == ref["last_month_measure_date"]
        assert t.media == "water"


def test_address_swapped_for_dme_not_for_sap() -> None:
    assert decode_vector(VECTORS[109]).id == "66236629"  # link id 66290778
    assert decode_vector(VECTORS[109]).device_type == 0x07
    assert decode_vector(VECTORS[111]).id == "20e4ffde"  # Sappel: as sent


def test_built_telegram_new_values_and_leak_bit() -> None:
    raw = prios("DME", diehl_a("12345678"), bytes([0x03, 0x40 | 20, 0x00, 0x13]),
                total_l=987654, due_l=900001, due=type_g(2024, 6, 30))
    t = Decoder().decode(raw)
    assert t.error is None
    assert t.driver == "izar"
    assert t.id == "12345678"
    assert t.total_m3 == pytest.approx(987.654)
    assert t.target_m3 == pytest.approx(900.001)
    assert t.target_date == "2024-06-30"
    assert t.extra["battery_y"] == 10.0
    assert t.extra["transmit_period_s"] == 32
    assert t.alarms == ["LEAK"]


def test_built_telegram_hyd_a1_long_frame_no_alarm() -> None:
    raw = prios("HYD", diehl_a("87654321", 0x86, 0x07), bytes([0x01, 0x18, 0x00, 0x15]),
                total_l=5, due_l=0, due=type_g(2030, 1, 31), ci=0xA1, tail=bytes(16))
    t = Decoder().decode(raw)
    assert (t.id, t.total_m3, t.target_m3, t.target_date) == ("87654321", 0.005, 0.0, "2030-01-31")
    assert t.media == "water"
    assert t.alarms == []


def test_sappel_address_kept() -> None:
    a = bytes.fromhex("11223344") + bytes([0xCC, 0x01])
    t = Decoder().decode(prios("SAP", a, bytes([0x01, 0x12, 0x00, 0x13]), 1000, 500, type_g(2022, 2, 1)))
    assert t.id == "44332211"
    assert (t.total_m3, t.target_m3) == (1.0, 0.5)


def test_meter_key_from_store_and_wrong_keys() -> None:
    key = bytes.fromhex("0102030405060708")
    k32 = int.from_bytes(key[:4], "big") ^ int.from_bytes(key[4:], "big")
    raw = prios("DME", diehl_a("11112222"), bytes([0x01, 0x18, 0x00, 0x13]), 4321, 1234, type_g(2023, 12, 31), k32)
    missing = Decoder().decode_safe(raw)
    assert missing.reason == "missing_key" and missing.total_m3 is None
    keys = KeyStore()
    keys.add("22220778", key)  # the core looks keys up by the link-layer id, before the swap
    t = Decoder(keys).decode(raw)
    assert (t.id, t.total_m3) == ("11112222", 4.321)
    wrong = Decoder(default_key=bytes(8)).decode_safe(raw)
    assert wrong.reason == "wrong_key" and wrong.total_m3 is None


def test_truncated_frame_is_a_decode_error() -> None:
    raw = bytes.fromhex(VECTORS[110]["telegram_hex"])[:-3]
    t = Decoder().decode_safe(bytes([len(raw) - 1]) + raw[1:])
    assert t.error is not None and t.total_m3 is None


def test_unset_due_date_and_implausible_date() -> None:
    header = bytes([0x01, 0x18, 0x00, 0x13])
    t = Decoder().decode(prios("DME", diehl_a("13572468"), header, 1111, 0, b"\x00\x00"))
    assert (t.total_m3, t.target_m3, t.target_date) == (1.111, 0.0, None)
    # Right check byte but a malformed date: treated as a failed descrambling, not as values.
    bad = Decoder().decode_safe(prios("DME", diehl_a("13572468"), header, 1111, 0, bytes([0x00, 0x0D])))
    assert bad.reason == "missing_key" and bad.total_m3 is None


def test_short_form_carries_the_total_only() -> None:
    """Five scrambled bytes (check byte + total): total, no due-date values."""
    full = prios("DME", diehl_a("24681357"), bytes([0x01, 0x18, 0x00, 0x13]), 4242, 1000, type_g(2025, 1, 31))
    short = full[:-6]
    t = Decoder().decode(bytes([len(short) - 1]) + short[1:])
    assert (t.driver, t.id, t.total_m3, t.target_m3, t.target_date) == ("izar", "24681357", 4.242, None, None)
    cut = full[:-3]
    t = Decoder().decode_safe(bytes([len(cut) - 1]) + cut[1:])
    assert t.total_m3 is None and "neither the short form" in (t.error or "")
