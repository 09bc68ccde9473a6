"""uiws (ZRI version 0x99): storage-30 due date, monthly profile, temperatures, STS flags."""

from __future__ import annotations

import pytest
from frames import le, wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.dates import encode_date_g, encode_datetime_f

ZRI = 0x6A49




def test_vector_status() -> None:
    """Reference "ERROR ERROR_FLAGS_28 TEMPORARY_ERROR": STS 0x12 and error flags 0x28."""
    t = decode_vector(VECTORS[93])
    assert t.alarms == ["ERROR", "TEMPORARY_ERROR"]
    assert t.extra["status_flags"] == ["ERROR", "TEMPORARY_ERROR", "ERROR_FLAGS_28"]


def test_vector_history_matches_reference() -> None:
    ref = VECTORS[93]["reference_output"]
    t = decode_vector(VECTORS[93])
    for n in range(1, 11):
        assert t.extra[f"target_{n}_date"] == ref[f"target_{n}_date"]
        assert t.extra[f"target_{n}_m3"] == ref[f"target_{n}_m3"]
    assert t.extra["flow_temperature_c"] == pytest.approx(ref["flow_temperature_c"])
    assert t.extra["external_temperature_c"] == pytest.approx(ref["external_temperature_c"])


def frame(total_l: int, due: tuple[int, int, int], history: list[int | None], sts: int = 0) -> bytes:
    profile = b"\x34\xfe" + b"".join(b"\x00\x00\x00\x80" if h is None else le(h, 4) for h in history)
    payload = (b"\x2f\x2f\x04\x6d" + encode_datetime_f(2026, 1, 1, 8, 34) + b"\x04\x13" + le(total_l, 4)
               + b"\x44\x13\x00\x00\x00\x80" + b"\x82\x0f\x6c" + encode_date_g(*due)
               + b"\x84\x0f\x13" + le(total_l - 7, 4) + b"\x8d\x0f\x93\x13" + bytes([len(profile)]) + profile
               + b"\x02\xfd\x17\x00\x00" + b"\x02\x59" + le(-150, 2) + b"\x02\x65" + le(2125, 2))
    return wmbus(ZRI, "61330764", 0x99, 0x07, bytes((0x7A, 0x36, sts, 0x00, 0x00)) + payload)


def test_built_frame_across_year_boundary() -> None:
    t = Decoder().decode(frame(54321, (2026, 2, 1), [54000, None, 53000]))
    assert t.driver == "uiws"
    assert (t.total_m3, t.target_m3, t.target_date) == (54.321, 54.314, "2026-02-01")
    assert (t.extra["target_1_date"], t.extra["target_1_m3"]) == ("2026-01-01", 54.0)
    assert (t.extra["target_2_date"], t.extra["target_2_m3"]) == ("2025-12-01", None)
    assert (t.extra["target_3_date"], t.extra["target_3_m3"]) == ("2025-11-01", 53.0)
    assert "target_4_m3" not in t.extra
    assert (t.extra["flow_temperature_c"], t.extra["external_temperature_c"]) == (-1.5, 21.25)
    assert t.alarms == []


def test_built_frame_sts_alarm() -> None:
    t = Decoder().decode(frame(1, (2026, 2, 1), [], sts=0x03))
    assert t.alarms == ["ALARM"] and t.extra["status_flags"] == ["ALARM"]
