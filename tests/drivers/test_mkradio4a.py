"""Techem MK Radio 4a: detection of its short-header frames under the converter's address.

(Its long-header frames are indistinguishable from weh_07's; see test_weh_07.py.)
"""

from __future__ import annotations

from frames import wmbus

from decoders import Decoder

TCH = 0x5068


def test_short_header_frame_is_detected_as_mkradio4a() -> None:
    records = b"\x2f\x2f\x04\x13" + (1500).to_bytes(4, "little") + b"\x04\x6d\x1e\x0a\x3f\x35"
    t = Decoder().decode(wmbus(TCH, "12121212", 0x95, 0x37, bytes([0x7A, 0x01, 0x00, 0x00, 0x00]) + records))
    assert (t.driver, t.total_m3, t.extra["meter_datetime"]) == ("mkradio4a", 1.5, "2025-05-31 10:30")
