"""CRC-16/EN-13757 and the link layer: check values, formats A and B, wired long frames."""

from __future__ import annotations

import os

import pytest
from frames import with_crc_format_a, with_crc_format_b

from decoders import DecodeError
from decoders.crc import crc16_en13757, crc16_en13757_bytewise
from decoders.linklayer import parse_link, strip_crcs

# Real CUL capture from the dongle reference (issue #518): T1, format A with CRCs, L=0x29.
CUL_FRAME = bytes.fromhex(
    "2944A511780735321315931CA1711100135D63A6344F5498B5853E9553AFF5651E10EAD8BCB01AAB0438193903BA1070"
)


def test_crc_check_value() -> None:
    # The catalogue check value of CRC-16/EN-13757 over ASCII "123456789".
    assert crc16_en13757(b"123456789") == 0xC2B7


@pytest.mark.parametrize("n", [0, 1, 2, 3, 9, 10, 16, 17, 125, 126, 127, 255])
def test_fast_crc_agrees_with_bytewise(n: int) -> None:
    data = os.urandom(n)
    assert crc16_en13757(data) == crc16_en13757_bytewise(data)


def test_real_cul_frame_format_a_crcs_verify() -> None:
    # The reference says its three CRCs 931C, 53AF, 1070 verify.
    frame, fmt = strip_crcs(CUL_FRAME)
    assert fmt == "A"
    assert frame[0] == 0x29 == len(frame) - 1
    assert CUL_FRAME[10:12] == bytes.fromhex("931C")
    link = parse_link(CUL_FRAME)
    assert link.a_field[:4][::-1].hex() == "32350778"


def test_corrupt_format_a_is_a_crc_error() -> None:
    bad = bytearray(CUL_FRAME)
    bad[20] ^= 0x01
    with pytest.raises(DecodeError) as exc:
        parse_link(bytes(bad))
    assert exc.value.reason == "crc"
    assert "CRC" in str(exc.value)


PLAIN = bytes.fromhex("1844AE4C4455223368077A55000000041389E20100023B0000")


def test_format_a_roundtrip() -> None:
    framed = with_crc_format_a(PLAIN)
    assert len(framed) == len(PLAIN) + 2 * 2
    assert strip_crcs(framed) == (PLAIN, "A")


def test_format_b_roundtrip_short_and_long() -> None:
    framed = with_crc_format_b(PLAIN)
    assert framed[0] == len(framed) - 1
    assert strip_crcs(framed) == (PLAIN, "B")
    long_plain = bytes([0x9F]) + PLAIN[1:] + bytes(range(0x9F - len(PLAIN) + 1))
    assert len(long_plain) == 0xA0
    long_b = with_crc_format_b(long_plain)
    assert len(long_b) == len(long_plain) + 4
    assert strip_crcs(long_b) == (long_plain, "B")


def test_no_crc_frame_is_kept() -> None:
    assert strip_crcs(PLAIN) == (PLAIN, "none")


def test_truncated_frame_names_the_problem() -> None:
    with pytest.raises(DecodeError, match="truncated"):
        strip_crcs(PLAIN[:-3])


def test_trailing_bytes_are_cut_at_l() -> None:
    frame, fmt = strip_crcs(PLAIN + b"\x99\x98")
    assert frame == PLAIN and fmt == "none"


def _wired(user: bytes) -> bytes:
    return bytes([0x68, len(user), len(user), 0x68]) + user + bytes([sum(user) & 0xFF, 0x16])


def test_wired_long_frame_checksum() -> None:
    user = bytes.fromhex("0801720100000001060715000000000413E8030000")
    frame = _wired(user)
    link = parse_link(frame)
    assert link.kind == "mbus" and link.c_field == 0x08 and link.primary_address == 0x01
    bad = bytearray(frame)
    bad[-2] ^= 0xFF
    with pytest.raises(DecodeError, match="checksum"):
        parse_link(bytes(bad))
