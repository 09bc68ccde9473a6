"""Apator 17-2: CI 0xA0, register in thirds of a cubic metre."""

from __future__ import annotations

import pytest
from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder

APT = 0x8614


def test_vector() -> None:
    (index,) = [i for i, v in enumerate(VECTORS) if v["driver"] == "apator172"]
    t = decode_vector(VECTORS[index])
    assert (t.driver, t.error, t.media) == ("apator172", None, "water")
    assert t.total_m3 == pytest.approx(7177.666667, abs=1e-6)


def test_built_frame() -> None:
    frame = wmbus(APT, "00998877", 0x04, 0x11, b"\xa0" + (300).to_bytes(4, "little") + bytes.fromhex("0840030000"))
    t = Decoder().decode(frame)
    assert (t.id, t.driver, t.total_m3) == ("00998877", "apator172", 100.0)


def test_short_payload_is_an_error() -> None:
    assert Decoder().decode_safe(wmbus(APT, "00998877", 0x04, 0x11, b"\xa0")).reason == "invalid"
