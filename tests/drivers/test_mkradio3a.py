"""Techem MK Radio 3a: total, month-end date and twelve monthly consumptions."""

from __future__ import annotations

import pytest
from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder

TCH = 0x5068
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def test_vector_matches_every_month() -> None:
    (index,) = [i for i, v in enumerate(VECTORS) if v["driver"] == "mkradio3a"]
    v = VECTORS[index]
    t = decode_vector(v)
    ref = v["reference_output"]
    assert (t.driver, t.media, t.total_m3, t.target_m3, t.target_date) == (
        "mkradio3a", ref["media"], ref["total_m3"], ref["target_m3"], ref["target_date"])
    for m in MONTHS:
        assert t.extra[f"last_{m}_m3"] == ref[f"last_{m}_m3"], m
    assert t.warnings == []


def test_built_frame() -> None:
    date = 31 | 3 << 5 | 25 << 9  # 2025-03-31
    groups = b"".join(bytes([10 + k, 5, 0]) for k in range(12))  # month k back: (15 + k) / 10 m3
    payload = bytes([0xA2, 0x0C, 0x00]) + date.to_bytes(2, "little") + (123456).to_bytes(4, "little") + groups
    t = Decoder().decode(wmbus(TCH, "62560642", 0x50, 0x72, payload))
    assert (t.total_m3, t.target_m3, t.target_date) == (12345.6, 1.5, "2025-03-31")
    assert (t.extra["last_mar_m3"], t.extra["last_feb_m3"], t.extra["last_apr_m3"]) == (1.5, 1.6, 2.6)


def test_unknown_third_byte_warns() -> None:
    date = 30 | 4 << 5 | 25 << 9
    groups = bytes([1, 1, 9]) + bytes(33)
    payload = bytes([0xA2, 0x0C, 0x00]) + date.to_bytes(2, "little") + bytes(4) + groups
    t = Decoder().decode(wmbus(TCH, "62560642", 0x50, 0x72, payload))
    assert t.target_m3 == 0.2 and any("third byte" in w for w in t.warnings)


@pytest.mark.parametrize("size", [0, 8, 43])
def test_short_payload_is_an_error(size: int) -> None:
    t = Decoder().decode_safe(wmbus(TCH, "62560642", 0x50, 0x72, bytes([0xA2]) + bytes(size)))
    assert t.reason == "invalid"
