"""gwfwater: the manufacturer status record (layout 1: battery low bit, power mode, battery years)."""

from __future__ import annotations

import pytest
from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.dates import encode_date_g as type_g
from decoders.manufacturer import letters_to_code as mfct


@pytest.mark.parametrize(
    ("index", "alarms", "flags"),
    [
        (31, ["LOW_BATTERY"], ["BATTERY_LOW", "POWER_LOW"]),  # "BATTERY_LOW POWER_LOW"
        (32, [], []),  # "OK"
        (33, [], ["UNKNOWN_MFCT_STATUS_2"]),  # "UNKNOWN_MFCT_STATUS_2": not an alarm
    ],
)
def test_vector_status(index: int, alarms: list[str], flags: list[str]) -> None:
    t = decode_vector(VECTORS[index])
    ref = VECTORS[index]["reference_output"]
    assert t.alarms == alarms
    assert t.extra["status_flags"] == flags
    assert t.extra.get("battery_y") == ref["battery_y"]
    assert t.extra["actuality_duration_s"] == ref["actuality_duration_s"]


def frame(status: int, power: int, layout: int = 1) -> bytes:
    payload = (
        b"\x2f\x2f\x03\x74" + (60).to_bytes(3, "little") + b"\x04\x13" + (1500).to_bytes(4, "little")
        + b"\x44\x13" + (1400).to_bytes(4, "little") + b"\x42\x6c" + type_g(2025, 6, 1)
        + b"\x0f" + bytes([layout, status, power])
    )
    return wmbus(mfct("GWF"), "20221031", 0x01, 0x0E, bytes([0x7A, 0xBE, 0, 0x10, 0x05]) + payload)


def test_built_frame_battery_low() -> None:
    t = Decoder().decode(frame(0x20, 0x30))
    assert t.driver == "gwfwater"
    assert (t.total_m3, t.target_m3, t.target_date) == (1.5, 1.4, "2025-06-01")
    assert (t.extra["battery_y"], t.extra["power_mode"]) == (3, "NORMAL")
    assert t.alarms == ["LOW_BATTERY"]


def test_built_frame_ok_and_unknown_layout() -> None:
    t = Decoder().decode(frame(0x00, 0xA1))
    assert (t.extra["battery_y"], t.extra["power_mode"], t.alarms) == (10, "SAVING", [])
    t = Decoder().decode(frame(0x20, 0xA1, layout=3))
    assert "battery_y" not in t.extra and t.alarms == []
    assert t.extra["status_flags"] == ["UNKNOWN_MFCT_STATUS_3"]


def test_same_layout_twice_reads_each_status() -> None:
    """The manufacturer status record is re-read from every telegram of a known layout."""
    decoder = Decoder()
    low = ["LOW_BATTERY"]
    cases = ((0x00, 0x51, [], 5), (0x20, 0x11, low, 1), (0x00, 0x71, [], 7), (0x20, 0x31, low, 3))
    for status, power, alarms, years in cases:
        t = decoder.decode(frame(status, power))
        assert t.alarms == alarms
        assert t.extra["battery_y"] == years
