"""RecordPicker gives the same records whether it reads a layout plan or scans a full parse."""

from __future__ import annotations

from conftest import load_vectors

from decoders import Decoder, parse_hex
from decoders.driver_api import DriverRegistry
from decoders.picks import RecordPicker


def role(r):  # type: ignore[no-untyped-def]
    if r.quantity in ("volume", "date", "datetime", "error_flags", "manufacturer_data"):
        return (r.quantity, r.storage, r.function, r.tariff)
    return None


def test_plan_picks_equal_scanned_picks() -> None:
    picker = RecordPicker(role)
    frames = [parse_hex(v["telegram_hex"]) for v in load_vectors() if not v["key"]]
    d = Decoder(registry=DriverRegistry())
    compared = 0
    for f in frames * 2:
        t = d.decode_safe(f)
        if t.error or not t.payload:
            continue
        fast = picker.pick(t)
        slow = RecordPicker(role)._scan(t.records)
        assert {k: v.to_json() for k, v in fast.items()} == {k: v.to_json() for k, v in slow.items()}
        compared += t._plan is not None
    assert compared > 50
