"""iperl: the volume-flow record is the maximum flow, reported as max_flow_m3h only."""

from __future__ import annotations

import pytest
from frames import with_crc_format_a, wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.manufacturer import letters_to_code as mfct


@pytest.mark.parametrize("index", [41, 42])
def test_vector(index: int) -> None:
    t = decode_vector(VECTORS[index])
    assert t.extra["max_flow_m3h"] == VECTORS[index]["reference_output"]["max_flow_m3h"]
    assert t.flow_m3h is None
    assert t.alarms == []


def test_built_frame_with_crcs() -> None:
    payload = b"\x04\x13" + (654321).to_bytes(4, "little") + b"\x02\x3b" + (1234).to_bytes(2, "little")
    raw = with_crc_format_a(wmbus(mfct("SEN"), "12345699", 0x68, 0x07, bytes([0x7A, 0x36, 0x10, 0, 0]) + payload))
    t = Decoder().decode(raw)
    assert t.driver == "iperl"
    assert (t.total_m3, t.extra["max_flow_m3h"], t.flow_m3h) == (654.321, 1.234, None)
    assert t.alarms == ["TEMPORARY_ERROR"]
