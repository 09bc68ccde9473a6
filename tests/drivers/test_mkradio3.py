"""Techem MK Radio 3: bit-packed due-date and current-period registers."""

from __future__ import annotations

import pytest
from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder

TCH = 0x5068
INDICES = [i for i, v in enumerate(VECTORS) if v["driver"] == "mkradio3"]


def periods(prev: tuple[int, int, int], prev_dl: int, current: tuple[int, int], current_dl: int) -> bytes:
    """CI A2 payload: kind, previous date/volume, current date/volume (0.1 m3 units)."""
    year, month, day = prev
    prev_word = day | month << 5 | (year - 2000) << 9
    cur_word = current[1] << 4 | current[0] << 9
    return (bytes([0xA2, 0x06]) + prev_word.to_bytes(2, "little") + prev_dl.to_bytes(2, "little")
            + cur_word.to_bytes(2, "little") + current_dl.to_bytes(2, "little") + bytes(29))


@pytest.mark.parametrize("index", INDICES)
def test_vectors_match_reference_dates(index: int) -> None:
    v = VECTORS[index]
    t = decode_vector(v)
    ref = v["reference_output"]
    assert (t.driver, t.media, t.total_m3, t.target_m3) == ("mkradio3", ref["media"], ref["total_m3"], ref["target_m3"])
    assert (t.extra["prev_date"], t.extra["current_date"]) == (ref["prev_date"], ref["current_date"])
    assert t.target_date == ref["prev_date"]


@pytest.mark.parametrize(
    ("current", "year"), [((6, 30), 2026), ((12, 31), 2025), ((1, 1), 2026), ((12, 30), 2026)]
)
def test_built_frame(current: tuple[int, int], year: int) -> None:
    frame = wmbus(TCH, "11223344", 0x74, 0x72, periods((2025, 12, 30), 12345, current, 678))
    t = Decoder().decode(frame)
    assert (t.driver, t.media) == ("mkradio3", "cold water")
    assert (t.total_m3, t.target_m3, t.target_date) == (1302.3, 1234.5, "2025-12-30")
    assert t.extra["current_date"] == f"{year:04d}-{current[0]:02d}-{current[1]:02d}"
    assert t.extra["current_m3"] == 67.8


def test_unset_due_date_gives_values_without_dates() -> None:
    payload = bytes([0xA2, 0x06, 0, 0, 5, 0, 0, 0, 7, 0])
    t = Decoder().decode(wmbus(TCH, "11223344", 0x74, 0x62, payload))
    assert (t.total_m3, t.target_m3, t.target_date) == (1.2, 0.5, None)
    assert "prev_date" not in t.extra


def test_short_payload_is_an_error() -> None:
    t = Decoder().decode_safe(wmbus(TCH, "11223344", 0x74, 0x62, bytes([0xA2, 0x06, 0x01])))
    assert t.error is not None and t.reason == "invalid"
