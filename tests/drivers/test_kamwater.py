"""kamwater (Kamstrup KAM/KAW): ELL-II AES-CTR, full 0x78 frames, compact 0x79 frames, info codes."""

from __future__ import annotations

import pytest
from frames import le, wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.compact import signature_of
from decoders.crc import crc16_en13757_bytewise as crc
from decoders.dates import encode_date_g
from decoders.security import aes_ctr, ell_counter_block

KAM = 0x2C2D  # "KAM"
KEY = bytes(range(16))
FULL_HEADERS = (b"\x04\xff\x23", b"\x04\x13", b"\x44\x13", b"\x42\x6c", b"\x02\x3b", b"\x92\x01\x3b",
                b"\xa2\x01\x3b", b"\x06\xff\x1b", b"\xa1\x01\x5b", b"\x91\x01\x5b", b"\xa1\x01\x67")




def ell_frame(meter_id: str, app: bytes, key: bytes | None, version: int = 0x1B) -> bytes:
    """`8D` ELL-II header, then CRC + application data, AES-CTR encrypted when a key is given."""
    cc, acc, sn = 0x20, 0x42, (1 << 29 | 0x123456).to_bytes(4, "little")
    plain = le(crc(app), 2) + app
    frame = wmbus(KAM, meter_id, version, 0x16, b"\x8d" + bytes((cc, acc)) + sn + plain)
    if key is None:
        return frame
    counter = ell_counter_block(frame[2:4], frame[4:10], cc, sn)
    return frame[:17] + aes_ctr(key, counter, plain)


def full_frame(info: int, total_l: int, target_l: int, date: tuple[int, int, int]) -> bytes:
    values = (le(info, 4), le(total_l, 4), le(target_l, 4), encode_date_g(*date), le(0, 2), le(495, 2), le(3, 2),
              bytes(6), bytes([12]), bytes([20]), bytes([19]))
    return b"\x78" + b"".join(h + v for h, v in zip(FULL_HEADERS, values, strict=True))


@pytest.mark.parametrize("index", [56, 57, 58])
def test_vector_status_ok(index: int) -> None:
    ref = VECTORS[index]["reference_output"]
    t = decode_vector(VECTORS[index])
    assert ref["status"] == "OK" and ref.get("current_status", "") == ""
    assert t.alarms == []
    assert t.extra["status_flags"] == []
    assert t.extra["info_codes"] == 0


def test_vector_extras_match_reference() -> None:
    for index, names in ((56, ("max_flow_m3h", "min_flow_temperature_c")),
                         (57, ("max_flow_m3h", "min_flow_m3h", "min_flow_temperature_c", "max_flow_temperature_c",
                               "min_external_temperature_last_day_c")),
                         (58, ("flow_temperature_c", "max_external_temperature_c",
                               "min_external_temperature_last_month_c"))):
        ref = VECTORS[index]["reference_output"]
        t = decode_vector(VECTORS[index])
        for name in names:
            assert t.extra[name] == pytest.approx(ref[name]), (index, name)


def test_built_encrypted_full_frame_with_info_codes() -> None:
    app = full_frame(0x0000_0016, 123456, 120000, (2026, 5, 1))  # REVERSE, LEAK, TAMPER
    t = Decoder(default_key=KEY).decode(ell_frame("76543210", app, KEY, 0x1D))
    assert t.driver == "kamwater" and t.decrypted
    assert (t.total_m3, t.target_m3, t.target_date, t.flow_m3h) == (123.456, 120.0, "2026-05-01", 0.0)
    assert t.alarms == ["BACKFLOW", "LEAK", "TAMPER"]
    assert t.extra["status_flags"] == ["REVERSE", "LEAK", "TAMPER"]
    assert (t.extra["max_flow_m3h"], t.extra["min_flow_m3h"]) == (0.495, 0.003)
    assert t.extra["min_external_temperature_last_day_c"] == 19.0


def test_wrong_key_is_an_error() -> None:
    app = full_frame(0, 1, 1, (2026, 5, 1))
    t = Decoder(default_key=bytes(16)).decode_safe(ell_frame("76543210", app, KEY, 0x1D))
    assert t.reason == "wrong_key" and t.total_m3 is None


def test_built_compact_frame_known_signature() -> None:
    """Signature 0xC412: info(2) total(4) max flow(2) min flow temperature(1) one unexplained byte."""
    values = le(0x0221, 2) + le(98765, 4) + le(1234, 2) + le(-3, 1) + b"\x07"
    app = b"\x79" + le(0xC412, 2) + b"\x00\x00" + values  # the data CRC is not checked
    t = Decoder(default_key=KEY).decode(ell_frame("11223344", app, KEY))
    assert t.total_m3 == 98.765 and t.target_m3 is None
    assert (t.extra["max_flow_m3h"], t.extra["min_flow_temperature_c"]) == (1.234, -3.0)
    # 16-bit info word 0x0221: DRY now; dry band 2 (bits 4-6), reversed band 4 (bits 7-9)
    assert t.alarms == ["DRY"]
    assert t.extra["status_flags"] == ["DRY"]
    assert t.extra["info_durations"] == {"dry": "9-24 hours", "reversed": "4-7 days"}


def test_built_compact_frame_second_signature() -> None:
    values = le(0x0008, 2) + le(60770, 4) + le(51508, 4) + encode_date_g(2027, 1, 1) + bytes(2) + b"\x11\xf6\x17\x16"
    app = b"\x79" + le(0x36D4, 2) + b"\x00\x00" + values + bytes(6)
    t = Decoder().decode(ell_frame("11223344", app, None, 0x1D))
    assert (t.total_m3, t.target_m3, t.target_date) == (60.77, 51.508, "2027-01-01")
    assert t.extra["min_external_temperature_last_month_c"] == -10.0
    assert t.alarms == ["BURST"]


def test_compact_frame_layout_learned_from_full_frame() -> None:
    decoder = Decoder(default_key=KEY)
    decoder.decode(ell_frame("55667788", full_frame(0, 1000, 900, (2026, 1, 1)), KEY, 0x1D))
    values = (le(0x20, 4), le(2000, 4), le(1900, 4), encode_date_g(2026, 2, 1), le(10, 2), le(600, 2), le(0, 2),
              bytes(6), b"\x05", b"\x0f", b"\x02")
    app = b"\x79" + le(signature_of(FULL_HEADERS), 2) + b"\x00\x00" + b"".join(values)
    t = decoder.decode(ell_frame("55667788", app, KEY, 0x1D))
    assert (t.total_m3, t.target_m3, t.target_date, t.flow_m3h) == (2.0, 1.9, "2026-02-01", 0.01)
    assert t.alarms == ["LOW_BATTERY"]
    assert t.extra["max_flow_m3h"] == 0.6


def test_unknown_compact_signature_is_reported() -> None:
    app = b"\x79\x34\x12\x00\x00" + bytes(10)
    t = Decoder().decode_safe(ell_frame("99887766", app, None))
    assert t.reason == "unknown_format" and t.total_m3 is None
