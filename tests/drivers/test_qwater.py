"""qwater / qwaterv2 (Qundis QDS): storage-17 due date, and the 0x78 walk-by record `0D FF 5F`."""

from __future__ import annotations

import pytest
from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import DecodeError, Decoder
from decoders.dates import encode_date_g, encode_datetime_f
from decoders.driver_api import discover

QDS = 0x4493  # "QDS" as the little-endian M-field bytes 93 44


def bcd(value: int, size: int) -> bytes:
    return bytes.fromhex(f"{value:0{2 * size}d}")[::-1]


QUNDIS = [i for i, v in enumerate(VECTORS) if v["driver"] in ("qwater", "qwaterv2")]


@pytest.mark.parametrize("index", QUNDIS)
def test_vector_status_ok(index: int) -> None:
    """Every Qundis vector's reference status is "OK": no alarm, no flag."""
    t = decode_vector(VECTORS[index])
    assert VECTORS[index]["reference_output"]["status"] == "OK"
    assert t.alarms == []
    assert t.extra["status_flags"] == []
    assert t.driver == "qwater"


@pytest.mark.parametrize("index", QUNDIS)
def test_vector_due_dates_match_reference(index: int) -> None:
    ref = VECTORS[index]["reference_output"]
    t = decode_vector(VECTORS[index])
    for name in ("due_date", "due_17_date"):
        if ref.get(name) is not None:
            assert t.extra[name] == ref[name]
    for name in ("due_date_m3", "due_17_date_m3"):
        if name in ref and ref[name.replace("_m3", "")] is not None:
            assert t.extra[name] == pytest.approx(ref[name])


def test_walkby_deltas_match_reference() -> None:
    ref = VECTORS[83]["reference_output"]
    t = decode_vector(VECTORS[83])
    deltas = {k: v for k, v in ref.items() if k.startswith("volume_delta_")}
    assert len(deltas) == 12
    for k, v in deltas.items():
        assert t.extra[k] == pytest.approx(v)


def test_alias() -> None:
    driver = discover().get("qwater")
    assert driver is not None and "qwaterv2" in driver.aliases


def standard_frame(total_l: int, due: tuple[tuple[int, int, int], int], due17: tuple[tuple[int, int, int], int],
                   sts: int = 0) -> bytes:
    payload = (
        b"\x0c\x13" + bcd(total_l, 4) + b"\x4c\x13" + bcd(due[1], 4) + b"\x42\x6c" + encode_date_g(*due[0])
        + b"\xcc\x08\x13" + bcd(due17[1], 4) + b"\xc2\x08\x6c" + encode_date_g(*due17[0])
        + b"\x02\xbb\x56\x00\x00" + b"\x32\x6c\xff\xff" + b"\x04\x6d" + encode_datetime_f(2026, 3, 2, 7, 45)
    )
    return wmbus(QDS, "12345678", 0x1A, 0x07, bytes([0x7A, 0x11, sts, 0x00, 0x00]) + payload)


def test_built_standard_frame_uses_storage_17() -> None:
    t = Decoder().decode(standard_frame(987654, ((2025, 12, 31), 900001), ((2026, 2, 28), 980002)))
    assert t.driver == "qwater"
    assert (t.total_m3, t.target_m3, t.target_date) == (987.654, 980.002, "2026-02-28")
    assert (t.extra["due_date"], t.extra["due_date_m3"]) == ("2025-12-31", 900.001)
    assert t.extra["meter_datetime"] == "2026-03-02 07:45"
    assert t.extra["volume_flow_m3h"] == 0.0


def test_built_standard_frame_undated_storage_17_falls_back_to_year() -> None:
    frame = bytearray(standard_frame(5000, ((2025, 12, 31), 4000), ((2026, 2, 28), 4500)))
    at = frame.index(b"\xc2\x08\x6c") + 3
    frame[at : at + 2] = b"\xff\xff"
    t = Decoder().decode(bytes(frame))
    assert (t.target_m3, t.target_date) == (4.0, "2025-12-31")


def test_built_standard_frame_sts_alarms() -> None:
    t = Decoder().decode(standard_frame(1, ((2025, 12, 31), 1), ((2026, 1, 31), 1), sts=0x14))
    assert t.alarms == ["LOW_BATTERY", "TEMPORARY_ERROR"]
    assert t.extra["status_flags"] == ["POWER_LOW", "TEMPORARY_ERROR"]


def walkby_frame(total_l: int, due: tuple[tuple[int, int, int], int], due17: tuple[tuple[int, int, int], int],
                 deltas: list[int | None]) -> bytes:
    header = bytes.fromhex("00825600001100") + b"\x07\xc1\x13" + b"\xff\xff"
    body = header + bcd(total_l, 4) + encode_date_g(*due[0]) + bcd(due[1], 4) + encode_date_g(*due17[0])
    body += bcd(due17[1], 4)
    for d in deltas:
        body += b"\x00\x80" if d is None else d.to_bytes(2, "little")
    body += b"\x2f"
    payload = b"\x0d\xff\x5f" + bytes([len(body)]) + body + b"\x04\x6d" + encode_datetime_f(2026, 4, 18, 15, 0)
    return wmbus(QDS, "87654321", 0x16, 0x06, b"\x78" + payload)


def test_built_walkby_frame() -> None:
    deltas: list[int | None] = [None, 12, 345, None, 0, 1000, 7, 8, 9, 10, 11, 12]
    t = Decoder().decode(walkby_frame(2468013, ((2025, 12, 31), 2400000), ((2026, 3, 31), 2460000), deltas))
    assert t.driver == "qwater"
    assert (t.total_m3, t.target_m3, t.target_date) == (2468.013, 2460.0, "2026-03-31")
    assert (t.extra["due_date"], t.extra["due_date_m3"]) == ("2025-12-31", 2400.0)
    assert t.extra["volume_delta_3_m3"] == 0.012
    assert t.extra["volume_delta_7_m3"] == 1.0
    assert "volume_delta_2_m3" not in t.extra and "volume_delta_5_m3" not in t.extra
    assert t.extra["meter_datetime"] == "2026-04-18 15:00"


def test_walkby_layout_change_is_an_error_not_garbage() -> None:
    frame = bytearray(walkby_frame(1, ((2025, 12, 31), 1), ((2026, 3, 31), 1), [0] * 12))
    at = frame.index(b"\x07\xc1\x13")
    frame[at] = 0x08
    t = Decoder().decode_safe(bytes(frame))
    assert t.total_m3 is None and t.reason == "unsupported"
    with pytest.raises(DecodeError):
        Decoder().decode(bytes(frame)[:-40])
