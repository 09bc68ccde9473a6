"""Apator 08: CI 0xA0, register in thirds of a litre."""

from __future__ import annotations

import pytest
from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder

APT = 0x8614


def test_vector() -> None:
    (index,) = [i for i, v in enumerate(VECTORS) if v["driver"] == "apator08"]
    t = decode_vector(VECTORS[index])
    assert (t.driver, t.error, t.media) == ("apator08", None, "gas")
    assert t.total_m3 == pytest.approx(871.571, abs=1e-9)


@pytest.mark.parametrize(("register", "total"), [(3, 0.001), (3_000_000, 1000.0), (2**32 - 1, 1431655.765)])
def test_built_frame(register: int, total: float) -> None:
    frame = wmbus(APT, "00112233", 0x03, 0x03, b"\xa0" + register.to_bytes(4, "little") + bytes(20))
    t = Decoder().decode(frame)
    assert (t.id, t.driver) == ("00112233", "apator08")
    assert t.total_m3 == pytest.approx(total, abs=1e-6)


def test_short_payload_is_an_error() -> None:
    t = Decoder().decode_safe(wmbus(APT, "00112233", 0x03, 0x03, b"\xa0\x01\x02"))
    assert t.error is not None and t.reason == "invalid"
