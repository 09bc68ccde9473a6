"""EN 13757-3 data records, one test per data coding and header feature.

Byte examples are built from the standard's definitions (DIF low nibble = coding, bit 6 =
storage bit 0, DIFE storage/tariff/subunit, VIF tables) and from the reference vectors.
"""

from __future__ import annotations

import struct

import pytest

from decoders import DecodeError
from decoders.dates import date_g, datetime_f, datetime_i, encode_date_g, encode_datetime_f, time_j
from decoders.records import bcd_to_int, parse_records


def one(hexstr: str):  # type: ignore[no-untyped-def]
    recs = parse_records(bytes.fromhex(hexstr))
    assert len(recs) == 1
    return recs[0]


@pytest.mark.parametrize(
    ("hexstr", "value"),
    [
        ("0113" "7F", 0.127),  # INT8
        ("0113" "FF", -0.001),  # INT8 negative, two's complement
        ("0213" "3412", 4.66),  # INT16 0x1234 = 4660 l
        ("0313" "563412", 1193.046),  # INT24
        ("0413" "78563412", 305419.896),  # INT32
        ("0613" "010000000080", -140737488355.327),  # INT48 negative
        ("0713" "0100000000000000", 0.001),  # INT64
    ],
)
def test_signed_integers(hexstr: str, value: float) -> None:
    r = one(hexstr)
    assert r.quantity == "volume" and r.unit == "m3"
    assert r.value == pytest.approx(value)


@pytest.mark.parametrize(
    ("hexstr", "value"),
    [
        ("0913" "42", 0.042),  # 2-digit BCD
        ("0A13" "3412", 1.234),  # 4-digit BCD
        ("0B13" "563412", 123.456),  # 6-digit
        ("0C13" "78563412", 12345.678),  # 8-digit
        ("0E13" "123456789012", 129078563.412),  # 12-digit
        ("0C13" "010000F0", -0.001),  # top nibble F = negative
    ],
)
def test_bcd(hexstr: str, value: float) -> None:
    assert one(hexstr).value == pytest.approx(value)


def test_bcd_all_f_is_invalid() -> None:
    assert one("0C13FFFFFFFF").value is None
    assert bcd_to_int(bytes.fromhex("1A")) is None


def test_real32() -> None:
    r = one("0513" + struct.pack("<f", 12.5).hex())
    assert r.value == pytest.approx(0.0125)  # 12.5 litres at VIF 0x13 (1e-3 m3)


def test_variable_length_text_and_binary() -> None:
    # VIF FD 11 = customer; LVAR 0x0A = 10 ASCII chars, sent last character first.
    r = one("0DFD110A383731303134423032" + "41")
    assert r.quantity == "customer" and r.value == "A20B410178"
    r = one("0DFD0FE3" + "010203")  # LVAR 0xE3 = 3-byte binary
    assert r.value == 0x030201


def test_special_difs() -> None:
    recs = parse_records(bytes.fromhex("2F2F0413010000002F0F0102"))
    assert [r.quantity for r in recs] == ["volume", "manufacturer_data"]
    assert recs[1].value == "0102"
    recs = parse_records(bytes.fromhex("1FAABB"))
    assert recs[0].quantity == "manufacturer_data" and recs[0].dif == b"\x1f"


def test_storage_tariff_subunit_and_function() -> None:
    # DIF 0xC4: ext, storage bit 0 = 1, 32-bit int. DIFE 0x91: tariff 1, storage bits 1-4 = 1,
    # another DIFE. DIFE 0x40: subunit 1 (shifted by one DIFE).
    r = one("C49140" "13" "01000000")
    assert (r.storage, r.tariff, r.subunit) == (1 | (1 << 1), 1, 2)
    r = one("14" "13" "01000000")  # function bits 01 = maximum
    assert r.function == "maximum"
    r = one("34" "13" "01000000")
    assert r.function == "error"


def test_vif_tables() -> None:
    assert one("023B1000").quantity == "volume_flow"  # 0x3B: 1e-3 m3/h
    assert one("023B1000").value == pytest.approx(0.016)
    r = one("04FD1701000000")
    assert (r.quantity, r.value) == ("error_flags", 1)
    r = one("02FB1A1F02")  # FB 1A relative humidity 1e-1 %
    assert r.quantity == "relative_humidity" and r.value == pytest.approx(54.3)
    r = one("0259" + (1844).to_bytes(2, "little").hex())
    assert r.quantity == "flow_temperature" and r.value == pytest.approx(18.44)
    r = one("02FD74DC15")
    assert r.quantity == "remaining_battery_life" and r.value == 0x15DC


def test_plaintext_and_manufacturer_vif() -> None:
    r = one("02" "7C" "03" "6C7576" "0500")  # plain-text unit, sent last character first
    assert r.unit == "vul" and r.quantity == "vul"
    assert r.value == 5
    r = one("04FF2300000000")
    assert r.quantity == "manufacturer_specific" and r.vifes == ("mfct_23",)


def test_combinable_vife() -> None:
    r = one("0493" "3C" "05000000")  # volume with VIFE backward flow
    assert r.quantity == "volume" and r.vifes == ("backward_flow",)
    r = one("0493" "7D" "05000000")  # VIFE 0x7D multiplies by 1000: 5 litres → 5 m3
    assert r.vifes == ("multiplied_by_1000",) and r.value == pytest.approx(5.0)


def test_dates() -> None:
    assert date_g(bytes.fromhex("BF2C")) == "2021-12-31"
    assert date_g(encode_date_g(2026, 4, 1)) == "2026-04-01"
    assert date_g(bytes.fromhex("FFFF")) is None
    assert datetime_f(encode_datetime_f(2026, 4, 24, 20, 29)) == "2026-04-24 20:29"
    assert datetime_f(bytes.fromhex("80000000")) is None  # IV bit
    assert datetime_i(bytes([5]) + encode_datetime_f(2021, 1, 17, 17, 30) + b"\x00") == "2021-01-17 17:30:05"
    assert time_j(bytes([1, 2, 3])) == "03:02:01"
    r = one("046D1DB45834")
    assert r.value == "2026-04-24 20:29"


@pytest.mark.parametrize("hexstr", ["04", "0413", "041301", "84", "0D13", "0D1305", "047C05", "03FD"])
def test_truncations_raise_decode_error(hexstr: str) -> None:
    with pytest.raises(DecodeError) as exc:
        parse_records(bytes.fromhex(hexstr))
    assert "offset" in exc.value.where


def test_empty_variable_length_bcd_is_invalid_not_a_crash() -> None:
    assert one("0D13C0").value is None  # LVAR 0xC0: BCD with zero digits


def test_manufacturer_variable_data_prints_as_hex_not_text() -> None:
    # 0D FF 5F: variable length under a manufacturer VIF; LVAR 0x03 would mean 3 text characters,
    # but maker data is packed binary, so it is shown as hex (in transmission order).
    r = one("0DFF5F" "03" "C11307")
    assert r.value == "c11307"


def test_variable_size_per_lvar_range() -> None:
    from decoders.records import variable_size

    # EN 13757-3 LVAR: text 0x00-0xBF, BCD 0xC0-0xDF, binary 0xE0-0xEF, long binary 0xF0-0xF6.
    assert [variable_size(x) for x in (0x00, 0x0A, 0xBF, 0xC4, 0xD3, 0xE5, 0xF0, 0xF4, 0xF5, 0xF6, 0xF7)] == [
        0, 10, 0xBF, 4, 3, 5, 16, 32, 48, 64, None]
