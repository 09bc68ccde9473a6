"""Simulated dongle streams: byte-for-byte against the captures in the dongle reference,
RSSI scales both ways, and deterministic, fully logged fault injection."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from decoders.errors import DecodeError
from decoders.linklayer import strip_crcs
from simulators.dongles import ENCODERS, FAULT_KINDS, Faults, Reception, amber, build_stream, imst, text
from simulators.dongles.codec import (
    cc1101_dbm,
    cc1101_raw,
    crc16_x25,
    im871a_dbm,
    im871a_dbm_jmbus,
    im871a_raw,
    rc1180_dbm,
    rc1180_raw,
    with_crc_format_a,
    with_crc_format_b,
    xor_checksum,
)

H = bytes.fromhex

# The CUL capture (#518) and the CRC-free frame inside it.
CUL_CAPTURE = (
    b"b2944A511780735321315931CA1711100135D63A6344F5498B5853E9553AFF5651E10EAD8BCB01AAB0438193903BA10708315\r\n"
)
CUL_FRAME = H("2944A511780735321315A1711100135D63A6344F5498B5853E95F5651E10EAD8BCB01AAB0438193903BA")
IPERL_FRAME = H("1844AE4C4455223368077A55000000041389E20100023B0000")  # also in the vectors


def _frame(length: int, head: bytes, tail: bytes) -> bytes:
    """A CRC-free frame of the given L whose first and last bytes are the quoted ones."""
    return head + bytes(range(length + 1 - len(head) - len(tail))) + tail


# --- checksums -------------------------------------------------------------------------------


def test_crc16_x25_check_value_and_residue() -> None:
    assert crc16_x25(b"123456789") == 0x906E
    frame = imst.im871a_device_info_reply()
    # Over the whole frame (SOF excluded) including the LSB-first CRC, ~register is 0x0F47;
    # crc16_x25 already applies that final inversion.
    assert crc16_x25(frame[1:]) == 0x0F47


def test_xor_checksum_makes_whole_command_xor_to_zero() -> None:
    cmd = amber.amber_command(amber.CMD_GET_REQ, bytes([0x00, 0x80]))
    assert cmd == H("FF 0A 02 00 80 77")
    assert xor_checksum(cmd) == 0


# --- iM871A ----------------------------------------------------------------------------------


def test_im871a_device_info_reply_is_the_capture() -> None:
    assert imst.im871a_device_info_reply() == H("A5 81 10 08 33 00 13 01 F1 3A 00 00 53 D9")


def test_im871a_get_config_reply_is_the_capture() -> None:
    expected = H("A5 81 06 17 FF 00 07 00 B3 25 12 35 10 00 01 00 01 FF 07 02 32 00 01 00 00 00 00 63 C9")
    assert imst.im871a_get_config_reply() == expected


def test_im871a_ping_and_set_config() -> None:
    assert imst.im871a_ping_reply() == H("A5 81 02 00 4C A3")
    assert imst.im871a_request(imst.MSG_GET_DEVICEINFO_REQ) == H("A5 01 0F 00")
    assert imst.im871a_request(imst.MSG_GET_CONFIG_REQ) == H("A5 01 05 00")
    t1 = imst.IM871A_LINK_MODES["T1"]
    assert imst.im871a_set_config_request(t1) == H("A5 01 03 06 00 02 03 30 01 00")
    assert imst.im871a_set_config_request(t1, crc=True) == H("A5 81 03 06 00 02 03 30 01 00 E3 46")


def test_im871a_wmbusmsg_ind_matches_the_quoted_parts() -> None:
    # The reference elides the middle of this capture, so only its quoted parts can be checked;
    # the CRC 41B5 covers the elided bytes and cannot be reproduced from what is quoted.
    frame = _frame(0x76, H("76 44 21 04 26 01 90 60 55 08 72"), H("1F 4D ED 06"))
    out = imst.im871a_telegram(frame, rssi_raw=im871a_raw(-74.0))
    assert out[:14] == H("A5 C2 03 76 44 21 04 26 01 90 60 55 08 72")
    assert out[-7:-2] == H("1F 4D ED 06 61")
    assert len(out) == 4 + 0x76 + 1 + 2
    assert int.from_bytes(out[-2:], "little") == crc16_x25(out[1:-2])


def test_im871a_flags_for_timestamp_and_no_crc() -> None:
    out = imst.im871a_telegram(IPERL_FRAME, rssi_raw=0x61, crc=False, timestamp=0x01020304)
    assert out[1] == 0x62  # RSSI + timestamp flags, endpoint 2
    assert out[-5:] == H("04 03 02 01 61")
    assert len(out) == 4 + IPERL_FRAME[0] + 4 + 1


# --- iU891A ----------------------------------------------------------------------------------


def test_iu891a_rx_indication_is_the_capture() -> None:
    out = imst.iu891a_telegram(IPERL_FRAME, rssi_dbm=-25, unix_time=0x386D439F, info=imst.iu891a_info_byte("T1", "A"))
    assert out == H("C0 09 20 9F436D38 00 00 02 E7" + IPERL_FRAME.hex() + "AF 59 C0")
    assert datetime.fromtimestamp(0x386D439F, UTC) == datetime(2000, 1, 1, 0, 0, 31, tzinfo=UTC)


def test_iu891a_requests_are_the_captures() -> None:
    assert imst.iu891a_frame(imst.SAP_DEVMGMT, imst.IU_PING_REQ) == H("C0 01 01 16 07 C0")
    assert imst.iu891a_frame(imst.SAP_DEVMGMT, imst.IU_GET_DEVICE_INFO_REQ) == H("C0 01 03 04 24 C0")
    assert imst.iu891a_frame(imst.SAP_WMBUSGW, imst.IU_GET_WMBUS_ADDRESS_REQ) == H("C0 09 81 DE 4D C0")
    ct = imst.IU891A_LINK_MODES["C+T"]
    assert imst.iu891a_set_active_config_request(ct) == H("C0 09 03 03 06 00 00 00 00 00 00 00 00 00 A1 76 C0")
    walkby = imst.iu891a_set_active_config_request(ct, options=0x0E, ui_options=5, led_ms=50, recalibrate_ms=600_000)
    assert walkby == H("C0 09 03 03 0E 00 05 00 32 00 DB DC 27 09 00 90 24 C0")  # note the escaped C0


def test_iu891a_format_b_info_byte() -> None:
    assert imst.iu891a_info_byte("C1", "B") == 0x15


# --- Amber / RC1180 --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("T1", "FF 04 01 08 F2"), ("C1", "FF 04 01 0E F4"), ("C1+T1", "FF 04 01 09 F3"), ("S1", "FF 04 01 03 F9")],
)
def test_amber_set_mode_requests(mode: str, expected: str) -> None:
    assert amber.amber_set_mode_request(amber.AMBER_MODES[mode]) == H(expected)


def test_amber_documented_commands() -> None:
    assert amber.amber_command(amber.CMD_SET_REQ, H("05 01 01")) == H("FF 09 03 05 01 01 F0")
    assert amber.amber_command(amber.CMD_SET_REQ, H("45 01 01")) == H("FF 09 03 45 01 01 B0")
    assert amber.amber_command(amber.CMD_SET_REQ, H("46 01 09")) == H("FF 09 03 46 01 09 BB")
    assert amber.amber_command(0x05) == H("FF 05 00 FA")
    assert amber.amber_command(amber.CMD_SERIALNO) == H("FF 0B 00 F4")
    assert amber.amber_command(amber.CMD_FWV) == H("FF 0C 00 F3")
    assert amber.amber_command(0x0D) == H("FF 0D 00 F2")
    assert amber.amber_command(0x11) == H("FF 11 00 EE")
    assert amber.amber_set_mode_reply()[:4] == H("FF 84 01 00")


def test_amber_get_req_reply_shape() -> None:
    # The 120-byte real dump (CS 17) is not quoted, so only its framing is checked.
    reply = amber.amber_get_req_reply(amber.amber_default_params())
    assert len(reply) == 126
    assert reply[:5] == H("FF 8A 7A 00 78")
    assert xor_checksum(reply) == 0
    assert reply[5 + amber.PARAM_RSSI_ENABLE] == 1


def test_amber_command_mode_telegram_matches_the_quoted_parts() -> None:
    # Capture #933 is 99 bytes with its middle elided; XOR EC covers the elided bytes.
    frame = _frame(0x5E, H("5E 44 24 23 26 72 60 75 20 04 7A"), H("5C D6 30 8C"))
    out = amber.amber_command_mode_telegram(frame, rssi_raw=cc1101_raw(-80.0))
    assert len(out) == 99
    assert out[:13] == H("FF 03 5F 44 24 23 26 72 60 75 20 04 7A")
    assert out[-6:-1] == H("5C D6 30 8C F4")
    assert xor_checksum(out) == 0


def test_amber_transparent_and_rc1180_count_rssi_in_l() -> None:
    frame = _frame(0x36, H("36 44 68 50 01 21 55 67 39 43 A2"), H("E2 C7"))
    out = amber.amber_transparent_telegram(frame, rssi_raw=cc1101_raw(-60.0))
    assert out[:11] == H("37 44 68 50 01 21 55 67 39 43 A2")
    assert out[-3:] == H("E2 C7 1C")
    assert len(out) == 0x37 + 1
    rc = amber.rc1180_telegram(IPERL_FRAME, rssi_raw=rc1180_raw(-70.0))
    assert rc == bytes([IPERL_FRAME[0] + 1]) + IPERL_FRAME[1:] + bytes([140])


def test_rc1180_config_dump() -> None:
    dump = amber.rc1180_memory_dump_reply(amber.rc1180_memory())
    assert len(dump) == 257
    assert dump[256] == 0x3E
    assert dump[amber.RC_RSSI_MODE] == 1
    assert dump[amber.RC_BAUD] == 5
    assert amber.rc1180_config_prompt() == b">"
    with pytest.raises(ValueError, match="256"):
        amber.rc1180_memory_dump_reply(b"\x00" * 10)


# --- CUL, rtl_wmbus, hex ---------------------------------------------------------------------


def test_cul_line_is_the_capture() -> None:
    assert text.cul_line(CUL_FRAME, status=0x83, rssi_raw=0x15) == CUL_CAPTURE
    assert cc1101_dbm(0x15) == -63.5
    crc_chars = bytes(CUL_CAPTURE[i] for i in text.cul_crc_char_offsets(CUL_FRAME))
    assert crc_chars == b"931C53AF1070"


def test_cul_without_x21_and_mismatched_tail() -> None:
    assert text.cul_line(CUL_FRAME) == CUL_CAPTURE[:-6] + b"\r\n"
    with pytest.raises(ValueError, match="X21"):
        text.cul_line(CUL_FRAME, status=0x83)


@pytest.mark.parametrize("length", [10, 11, 25, 26, 27, 100, 125, 126, 127, 200, 250])
@pytest.mark.parametrize("fmt", ["A", "B"])
def test_cul_crcs_verify_with_the_decoder(length: int, fmt: str) -> None:
    rng = random.Random(length)
    frame = bytes([length, 0x44]) + bytes(rng.randrange(256) for _ in range(length - 1))
    line = text.cul_line(frame, frame_format=fmt)
    raw = H(line[2 if fmt == "B" else 1 : -2].decode())
    assert strip_crcs(raw) == (frame, fmt)
    offsets = text.cul_crc_char_offsets(frame, frame_format=fmt)
    crc_count = 1 + -(-(length - 9) // 16) if fmt == "A" else 1 + (length > 125)
    assert len(offsets) == 4 * crc_count
    # Every listed hex digit really is part of a CRC: changing it breaks the frame.
    for off in offsets:
        bad = bytearray(line)
        bad[off] = ord("0") if bad[off] != ord("0") else ord("1")
        assert not _decodes_to(H(bytes(bad[2 if fmt == "B" else 1 : -2]).decode()), frame, fmt)


def _decodes_to(raw: bytes, frame: bytes, fmt: str) -> bool:
    try:
        return strip_crcs(raw) == (frame, fmt)
    except DecodeError:
        return False


def test_format_helpers_match_the_reference_lengths() -> None:
    frame = bytes([0x34]) + bytes(0x34)
    assert len(with_crc_format_a(frame)) == 1 + 0x34 + 2 * (1 + -(-(0x34 - 9) // 16))
    long_b = bytes([0xBE]) + bytes(0xBE)  # the reference's 195-byte L=0xC2 frame, CRC-free
    assert with_crc_format_b(long_b)[0] == 0xC2
    assert len(with_crc_format_b(long_b)) == 195


RTL_SIM = (
    b"T1;1;1;2019-04-03 19:00:42.000;97;148;88888888;0x2e44333003020100071b7a634820252f2f0265840842658308"
    b"820165950802fb1aae0142fb1aae018201fb1aa9012f\n"
)
RTL_REAL = b"T1;1;1;2023-01-03 20:25:43.000;103;147;211E42AF;0x1944304caf421e219801a10116001327bfff632728feb30e3afc\n"


def test_rtl_wmbus_real_line() -> None:
    frame = H(RTL_REAL.split(b";0x")[1].strip().decode())
    at = datetime(2023, 1, 3, 20, 25, 43, tzinfo=UTC)
    assert text.rtl_wmbus_line(frame, mode="T1", at=at, packet_rssi=103, current_rssi=147) == RTL_REAL


def test_rtl_wmbus_simulation_line_needs_its_printed_id() -> None:
    # This example prints ID 88888888, which is not its A-field (00010203); hence the override.
    frame = H(RTL_SIM.split(b";0x")[1].strip().decode())
    at = datetime(2019, 4, 3, 19, 0, 42, tzinfo=UTC)
    line = text.rtl_wmbus_line(frame, mode="T1", at=at, packet_rssi=97, current_rssi=148, meter_id=0x88888888)
    assert line == RTL_SIM
    assert b";00010203;" in text.rtl_wmbus_line(frame, mode="T1", at=at, packet_rssi=97, current_rssi=148)


def test_rtl_wmbus_rewrites_l_and_uses_utc() -> None:
    wrong_l = bytes([0x20]) + IPERL_FRAME[1:]
    local = datetime(2026, 5, 1, 14, 0, 0, 250_000, tzinfo=timezone(timedelta(hours=2)))
    line = text.rtl_wmbus_line(wrong_l, mode="C1", at=local, packet_rssi=5, current_rssi=6, crc_ok=False)
    assert line.startswith(b"C1;0;1;2026-05-01 12:00:00.250;5;6;33225544;0x18")


def test_hex_line() -> None:
    assert text.hex_line(IPERL_FRAME) == IPERL_FRAME.hex().upper().encode() + b"\n"


# --- RSSI ------------------------------------------------------------------------------------


def test_rssi_scales_match_the_reference_examples() -> None:
    assert im871a_dbm(0x61) == -74.0
    assert im871a_dbm_jmbus(0x61) == pytest.approx(-74.93, abs=0.01)
    assert im871a_dbm(230) == 0.0
    assert cc1101_dbm(0xF4) == -80.0
    assert cc1101_dbm(0x1C) == -60.0
    assert rc1180_dbm(140) == -70.0


@pytest.mark.parametrize(
    ("to_raw", "to_dbm", "low", "high", "step"),
    [
        (im871a_raw, im871a_dbm, -100.0, -8.0, 0.5),
        (cc1101_raw, cc1101_dbm, -138.0, -10.5, 0.5),
        (rc1180_raw, rc1180_dbm, -127.5, 0.0, 0.5),
    ],
)
def test_rssi_round_trips(
    to_raw: Callable[[float], int], to_dbm: Callable[[int], float], low: float, high: float, step: float
) -> None:
    dbm = low
    while dbm <= high:
        assert to_dbm(to_raw(dbm)) == dbm
        dbm += step
    assert 0 <= to_raw(-500.0) <= 255 and 0 <= to_raw(500.0) <= 255


def test_im871a_scales_agree_within_a_few_db() -> None:
    for raw in range(60, 200):
        assert abs(im871a_dbm(raw) - im871a_dbm_jmbus(raw)) < 3.0


# --- streams and faults ----------------------------------------------------------------------

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _heard(n: int, seed: int = 7) -> list[tuple[bytes, Reception]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        length = rng.randint(11, 140)
        frame = bytes([length, 0x44]) + bytes(rng.randrange(256) for _ in range(length - 1))
        fmt = "B" if i % 3 == 0 else "A"
        rx = Reception(
            rssi_dbm=-90 + i % 40,
            link_mode="C1" if fmt == "B" else "T1",
            frame_format=fmt,
            at=T0 + timedelta(seconds=3 * i),
        )
        out.append((frame, rx))
    return out


def test_clean_streams_are_the_concatenated_telegrams() -> None:
    heard = _heard(5)
    for name, factory in ENCODERS.items():
        enc = factory()
        stream = build_stream(enc, heard)
        assert stream.dongle == name
        assert stream.faults == ()
        assert stream.intact_frames() == (0, 1, 2, 3, 4)
        assert stream.data == b"".join(enc.telegram(f, rx).data for f, rx in heard)


def test_stream_telegrams_carry_the_frame_for_every_dongle() -> None:
    frame, rx = IPERL_FRAME, Reception(rssi_dbm=-74.0, at=T0)
    assert ENCODERS["im871a"]().telegram(frame, rx).data == imst.im871a_telegram(frame, rssi_raw=0x61)
    assert ENCODERS["amb8465"]().telegram(frame, rx).data[3:-2] == frame[1:]
    assert ENCODERS["cul"]().telegram(frame, rx).data.endswith(b"%02X\r\n" % cc1101_raw(-74.0))
    assert strip_crcs(H(ENCODERS["cul"]().telegram(frame, rx).data[1:-6].decode())) == (frame, "A")
    assert ENCODERS["hex"]().telegram(frame, rx).data == text.hex_line(frame)


FAULTY = Faults(garbage=0.3, reply=0.3, truncate=0.15, bad_check=0.2, silence=0.05, silence_s=10)


@pytest.mark.parametrize("name", sorted(ENCODERS))
def test_fault_injection_is_deterministic(name: str) -> None:
    heard = _heard(60)
    a = build_stream(ENCODERS[name](), heard, FAULTY, seed=42)
    b = build_stream(ENCODERS[name](), heard, FAULTY, seed=42)
    c = build_stream(ENCODERS[name](), heard, FAULTY, seed=43)
    assert a.data == b.data and a.faults == b.faults
    assert a.data != c.data


@pytest.mark.parametrize("name", sorted(ENCODERS))
def test_fault_log_accounts_for_every_frame(name: str) -> None:
    enc = ENCODERS[name]()
    heard = _heard(80)
    stream = build_stream(enc, heard, FAULTY, seed=5)
    kinds = {f.kind for f in stream.faults}
    assert {"garbage", "truncate", "silence"} <= kinds
    spoiled = {f.frame_index for f in stream.faults if f.kind in ("truncate", "bad_check")}
    silenced: set[int] = set()
    for f in stream.faults:
        if f.kind == "silence":
            silenced |= {int(x) for x in f.detail.split("dropped [")[1].rstrip("]").split(", ")}
    assert set(stream.intact_frames()) == set(range(80)) - spoiled - silenced
    assert not spoiled & silenced
    data = stream.data
    for chunk in stream.chunks:
        if chunk.kind == "telegram" and chunk.intact:
            frame, rx = heard[chunk.frame_index]
            assert chunk.data == enc.telegram(frame, rx).data
    for f in stream.faults:
        if f.kind == "garbage":
            junk = data[f.offset : f.offset + f.length]
            assert not set(junk[: len(junk) - len(enc.eol)]) & enc.garbage_excludes
        if f.kind == "reply":
            assert data[f.offset : f.offset + f.length] in enc.replies()
        if f.kind == "bad_check":
            original = enc.telegram(*heard[f.frame_index]).data
            chunk = next(c for c in stream.chunks if c.kind == "telegram" and c.frame_index == f.frame_index)
            assert len(chunk.data) == len(original)
            assert [i for i in range(len(original)) if chunk.data[i] != original[i]] == [int(f.detail.split()[1][:-1])]
            assert data[f.offset] != original[int(f.detail.split()[1][:-1])]


def test_bad_check_really_breaks_the_check() -> None:
    heard = _heard(12)
    every = Faults(schedule={i: frozenset({"bad_check"}) for i in range(12)})
    im = build_stream(ENCODERS["im871a"](), heard, every, seed=1)
    for chunk in im.chunks:
        assert not chunk.intact
        assert int.from_bytes(chunk.data[-2:], "little") != crc16_x25(chunk.data[1:-2])
    am = build_stream(ENCODERS["amb8465"](), heard, every, seed=1)
    assert all(xor_checksum(c.data) != 0 for c in am.chunks)
    cul = build_stream(ENCODERS["cul"](), heard, every, seed=1)
    for chunk in cul.chunks:
        raw = H(chunk.data[2 if chunk.data[1:2] == b"Y" else 1 : -6].decode())
        frame, rx = heard[chunk.frame_index]
        assert not _decodes_to(raw, frame, rx.frame_format)
    rtl = build_stream(ENCODERS["rtl_wmbus"](), heard, every, seed=1)
    assert all(c.data.split(b";")[1] == b"0" for c in rtl.chunks)
    # Dongles without any check bytes cannot show the fault; nothing is logged for them.
    assert build_stream(ENCODERS["hex"](), heard, every, seed=1).faults == ()


def test_scheduled_faults_and_silence() -> None:
    heard = _heard(10)  # 3 s apart
    faults = Faults(silence_s=7, schedule={2: frozenset({"silence"}), 6: frozenset({"truncate", "garbage", "reply"})})
    stream = build_stream(ENCODERS["im871a"](), heard, faults, seed=3)
    assert [f.kind for f in stream.faults] == ["silence", "garbage", "reply", "truncate"]
    assert stream.faults[0].detail == "7s; dropped [2, 3, 4]"
    assert stream.intact_frames() == (0, 1, 5, 7, 8, 9)
    kinds = [c.kind for c in stream.chunks]
    assert kinds == ["telegram"] * 3 + ["garbage", "reply"] + ["telegram"] * 4
    truncated = stream.chunks[5]
    assert truncated.frame_index == 6 and not truncated.intact
    assert ENCODERS["im871a"]().telegram(*heard[6]).data.startswith(truncated.data)


def test_text_truncation_keeps_the_line_ending() -> None:
    heard = _heard(6)
    faults = Faults(schedule={i: frozenset({"truncate", "garbage"}) for i in range(6)})
    for name in ("cul", "rtl_wmbus", "hex"):
        enc = ENCODERS[name]()
        stream = build_stream(enc, heard, faults, seed=9)
        lines = stream.data.split(enc.eol)
        assert lines[-1] == b"" and len(lines) == 13
        assert all(c.data.endswith(enc.eol) for c in stream.chunks)


def test_unknown_fault_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        Faults(schedule={0: frozenset({"lightning"})})
    assert set(FAULT_KINDS) == {"silence", "garbage", "reply", "truncate", "bad_check"}
