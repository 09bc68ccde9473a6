"""dme_07: plain OMS registers and error flags."""

from __future__ import annotations

import pytest
from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.manufacturer import letters_to_code as mfct


def test_vector_status_ok() -> None:
    t = decode_vector(VECTORS[25])  # reference status "OK"
    assert t.alarms == []
    assert t.extra["status_flags"] == []


@pytest.mark.parametrize(("errors", "alarms"), [(0, []), (0x0010, ["ERROR"])])
def test_built_frame(errors: int, alarms: list[str]) -> None:
    payload = b"\x2f\x2f\x04\x13" + (31337).to_bytes(4, "little") + b"\x02\xfd\x17" + errors.to_bytes(2, "little")
    raw = wmbus(mfct("DME"), "90919293", 0x7B, 0x07, bytes([0x7A, 0x9F, 0, 0x10, 0x05]) + payload + b"\x2f" * 3)
    t = Decoder().decode(raw)
    assert t.driver == "dme_07"
    assert (t.id, t.total_m3) == ("90919293", 31.337)
    assert t.alarms == alarms
