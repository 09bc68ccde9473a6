"""Bmeters RFM-TX1: scrambled (security mode 16); recognised and refused with a clear reason."""

from __future__ import annotations

from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder

BMT = 0x09B4


def test_vector_is_refused_as_unsupported() -> None:
    (index,) = [i for i, v in enumerate(VECTORS) if v["driver"] == "rfmtx1"]
    t = decode_vector(VECTORS[index])
    assert (t.driver, t.reason, t.total_m3) == ("rfmtx1", "unsupported", None)
    assert "scrambled" in (t.error or "")


def test_built_mode16_frame_is_refused() -> None:
    frame = wmbus(BMT, "74737271", 0x05, 0x07, bytes([0x7A, 0x01, 0x00, 0x06, 0x10]) + bytes(32))
    t = Decoder().decode_safe(frame)
    assert (t.driver, t.reason, t.encryption) == ("rfmtx1", "unsupported", "mode16")
