"""Apator APT-MBUS-NA-1: status byte + error flags → status flags and normalised alarms."""

from __future__ import annotations

import pytest
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.dates import encode_date_g as type_g
from decoders.drivers._apa_util import data, registers, vif_picker

APA = 0x0601




def type_f(year: int, month: int, day: int, hour: int, minute: int) -> bytes:
    return bytes([minute, hour]) + type_g(year, month, day)


def wired(meter_id: str, sts: int, records: bytes) -> bytes:
    """A wired M-Bus long frame (68 L L 68 C A CI … CS 16) with a long TPL header."""
    tpl = bytes.fromhex(meter_id)[::-1] + APA.to_bytes(2, "little") + bytes([0x15, 0x07, 0x2A, sts, 0, 0])
    user = bytes([0x08, 0x00, 0x72]) + tpl + records
    return bytes([0x68, len(user), len(user), 0x68]) + user + bytes([sum(user) & 0xFF, 0x16])


def test_vectors_decode() -> None:
    for index in (19, 20):
        v = VECTORS[index]
        t = decode_vector(v)
        assert (t.driver, t.error) == ("aptmbusna", None)
        assert t.extra["fabrication_no"] == v["reference_output"]["fabrication_no"]
        assert t.extra["operating_time_h"] == v["reference_output"]["operating_time_h"]
        assert t.extra["meter_datetime"] == v["reference_output"]["meter_datetime"]


# Derived by hand from the reference `status` text: the STS words map one to one, the P_* flags
# with a field meaning (LEAK, REVERSE_FLOW → BACKFLOW, STRONG_LIGHT → TAMPER) become alarms, the
# others are detail behind PERMANENT_ERROR and stay in status_flags with UNKNOWN_E0.
@pytest.mark.parametrize(
    ("index", "alarms"),
    [
        (19, ["PERMANENT_ERROR"]),
        (20, ["PERMANENT_ERROR", "TEMPORARY_ERROR", "LEAK", "BACKFLOW", "TAMPER"]),
    ],
)
def test_vector_alarms(index: int, alarms: list[str]) -> None:
    t = decode_vector(VECTORS[index])
    assert sorted(t.alarms) == sorted(alarms)
    words = VECTORS[index]["reference_output"]["status"].split()
    assert sorted(t.extra["status_flags"]) == sorted(w for w in words if w.startswith(("P_", "UNKNOWN_")))


def test_built_wired_frame() -> None:
    records = (
        b"\x04\x13" + (123456).to_bytes(4, "little")
        + b"\x44\x13" + (120000).to_bytes(4, "little")
        + b"\x42\x6c" + type_g(2025, 3, 1)
        + b"\x04\x6d" + type_f(2025, 3, 17, 9, 45)
        + b"\x02\x27" + (10).to_bytes(2, "little")
        + b"\x03\xfd\x17" + (0x2000 | 0x10 | 0x02).to_bytes(3, "little")
    )
    t = Decoder().decode(wired("12345678", 0x00, records))
    assert (t.id, t.driver) == ("12345678", "aptmbusna")
    assert (t.total_m3, t.target_m3, t.target_date) == (123.456, 120.0, "2025-03-01")
    assert t.extra["meter_datetime"] == "2025-03-17 09:45"
    assert t.extra["operating_time_h"] == 240
    assert t.alarms == ["LEAK"]
    assert t.extra["status_flags"] == ["P_LEAK", "P_MBUS_DISCONNECTED", "P_UNKNOWN_2000"]


def test_built_frame_without_flags_is_clean() -> None:
    records = b"\x04\x13" + (1).to_bytes(4, "little") + b"\x03\xfd\x17\x00\x00\x00"
    t = Decoder().decode(wired("00000001", 0x00, records))
    assert (t.total_m3, t.alarms, t.extra["status_flags"]) == (0.001, [], [])


def as_tuples(found: dict) -> dict:  # type: ignore[type-arg]
    return {name: (reg[0][0], reg[1], data(reg)) for name, reg in found.items()}


def records_as_tuples(found: dict) -> dict:  # type: ignore[type-arg]
    return as_tuples({name: (r.dif, r.vif, r.raw) for name, r in found.items()})


@pytest.mark.parametrize("index", range(len(VECTORS)))
def test_register_pick_finds_what_the_record_parser_finds(index: int) -> None:
    """The driver-side register pick must agree with the core's full parse on every payload."""
    t = decode_vector(VECTORS[index])
    if t.error is not None or t.ci in (0x73, 0x79, 0x7B) or not t.payload:
        return
    seen: set[bytes] = set()
    for r in t.records:
        if len(r.dif) != 1 or r.dif[0] & 0xF0 or r.vif in seen or (r.dif[0] & 0x0F) in (0x0D, 0x0F):
            continue
        seen.add(r.vif)
        assert as_tuples(registers(t, vif_picker({r.vif: "x"})))["x"] == (r.dif[0], r.vif, r.raw)


def test_picker_plan_follows_values_and_rejects_other_layouts() -> None:
    """A remembered layout must return the new telegram's values, and only for that layout."""
    picker = vif_picker({b"\x13": "total", b"\xfd\x17": "flags"})
    d = Decoder()
    first = d.decode(wired("00000001", 0x00, b"\x2f\x04\x13\x01\x00\x00\x00\x03\xfd\x17\x05\x00\x00"))
    assert as_tuples(registers(first, picker)) == {
        "total": (4, b"\x13", b"\x01\x00\x00\x00"), "flags": (3, b"\xfd\x17", b"\x05\x00\x00")}
    second = d.decode(wired("00000001", 0x00, b"\x2f\x04\x13\x09\x08\x07\x06\x03\xfd\x17\x00\x02\x00"))
    assert second._plan is not None and second._plan is first._plan
    assert as_tuples(registers(second, picker)) == {
        "total": (4, b"\x13", b"\x09\x08\x07\x06"), "flags": (3, b"\xfd\x17", b"\x00\x02\x00")}
    other = d.decode(wired("00000001", 0x00, b"\x2f\x2f\x2f\x2f\x2f\x2f\x03\xfd\x17\x00\x02\x00\x2f"))
    assert len(other.payload) == len(second.payload) and other._plan is not second._plan
    assert as_tuples(registers(other, picker)) == {"flags": (0x03, b"\xfd\x17", b"\x00\x02\x00")}


@pytest.mark.parametrize("index", range(len(VECTORS)))
def test_picker_twice_equals_scan(index: int) -> None:
    t = decode_vector(VECTORS[index])
    if t.error is not None or not t.payload:
        return
    wanted = {bytes([v]): f"v{v:02x}" for v in range(0x7B)} | {b"\xfd\x17": "flags"}
    picker = vif_picker(wanted)
    scanned = records_as_tuples(picker._scan(t.records))
    assert as_tuples(registers(t, picker)) == scanned
    assert as_tuples(registers(t, picker)) == scanned
    assert records_as_tuples(picker.pick(t)) == scanned
