"""Techem MK Radio 4: same period layout as MK Radio 3 under version 0x95."""

from __future__ import annotations

from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder

TCH = 0x5068


def test_vector() -> None:
    (index,) = [i for i, v in enumerate(VECTORS) if v["driver"] == "mkradio4"]
    t = decode_vector(VECTORS[index])
    assert (t.driver, t.total_m3, t.target_m3, t.alarms) == ("mkradio4", 0.4, 0.1, [])
    assert (t.extra["prev_date"], t.extra["current_date"]) == ("2020-11-16", "2020-11-22")


def test_built_frame() -> None:
    prev_word = 28 | 2 << 5 | 24 << 9  # 2024-02-28
    cur_word = 15 << 4 | 3 << 9  # 03-15
    payload = (bytes([0xA2, 0x06]) + prev_word.to_bytes(2, "little") + (65535).to_bytes(2, "little")
               + cur_word.to_bytes(2, "little") + (1).to_bytes(2, "little") + bytes(10))
    t = Decoder().decode(wmbus(TCH, "02410120", 0x95, 0x62, payload))
    assert (t.driver, t.total_m3, t.target_m3, t.target_date) == ("mkradio4", 6553.6, 6553.5, "2024-02-28")
    assert t.extra["current_date"] == "2024-03-15"
