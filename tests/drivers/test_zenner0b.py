"""zenner0b (ZRI version 0x0B): status, due-date reading and total in the `0F` manufacturer data."""

from __future__ import annotations

import pytest
from frames import le, wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder

ZRI = 0x6A49




@pytest.mark.parametrize(("index", "flags"), [(107, []), (108, ["STATUS_1BBF80"])])
def test_vector_status(index: int, flags: list[str]) -> None:
    """Reference "OK" and "STATUS_1BBF80": the status word's bits are unexplained, so no alarm."""
    t = decode_vector(VECTORS[index])
    assert t.alarms == []
    assert t.extra["status_flags"] == flags


def frame(status: int, due_256: int, total_256: int) -> bytes:
    payload = b"\x2f\x2f\x0f" + le(status, 4) + le(due_256, 4) + le(total_256, 4) + b"\x00"
    return wmbus(ZRI, "50087367", 0x0B, 0x16, bytes((0x7A, 0xD8, 0x00, 0x00, 0x00)) + payload)


def test_built_frame() -> None:
    t = Decoder().decode(frame(0x40, 123456 * 256 + 128, 200000 * 256))
    assert t.driver == "zenner0b"
    assert (t.total_m3, t.target_m3) == (200.0, 123.4565)
    assert t.extra["status_flags"] == ["STATUS_40"]
    assert t.alarms == []


def test_short_manufacturer_data_is_an_error() -> None:
    raw = wmbus(ZRI, "50087367", 0x0B, 0x16, bytes((0x7A, 0xD8, 0x00, 0x00, 0x00)) + b"\x2f\x2f\x0f\x00\x00")
    t = Decoder().decode_safe(raw)
    assert t.error is not None and t.total_m3 is None
