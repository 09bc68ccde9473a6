"""Every public vector decodes to the values its `expect` gives (floats to 1e-6).

`PENDING` lists the vectors (index-driver) that do not decode yet. Those cases are strict xfails:
the day a driver starts to pass, the test fails until the family is taken off the list, so the
list can only shrink honestly.
"""

from __future__ import annotations

import pytest
from conftest import load_vectors

from decoders import Decoder, parse_hex

VECTORS = load_vectors()
FIELDS = ("id", "total_m3", "target_m3", "target_date")

PENDING: set[str] = set()


def decode_vector(v: dict):  # type: ignore[no-untyped-def]
    key = bytes.fromhex(v["key"]) if v["key"] else None
    decoder = Decoder(default_key=key)
    for prior in v["prior_telegrams_hex"]:
        decoder.decode_safe(parse_hex(prior))
    return decoder.decode_safe(parse_hex(v["telegram_hex"]))


def mismatches(v: dict) -> list[str]:
    t = decode_vector(v)
    got = t.to_json(with_records=False)
    out = [f"error: {t.error}"] if t.error else []
    for field in FIELDS:
        if field not in v["expect"]:
            continue
        want, have = v["expect"][field], got.get(field)
        if isinstance(want, (int, float)):
            if have is None or abs(have - want) > 1e-6:
                out.append(f"{field}: want {want}, got {have}")
        elif have != want:
            out.append(f"{field}: want {want!r}, got {have!r}")
    return out


def is_standard_oms(v: dict) -> bool:
    """Issue 2's definition: not CI 0xA0-0xB7 and not a payload of manufacturer data only."""
    if any(0xA0 <= int(ci, 16) <= 0xB7 for ci in v["ci_chain"]):
        return False
    t = decode_vector(v)
    return not (t.records and all(r.quantity == "manufacturer_data" for r in t.records))


CASES = [
    pytest.param(
        v,
        id=f"{i:03d}-{v['driver']}",
        marks=[pytest.mark.xfail(strict=True, reason="driver pending")] if f"{i:03d}-{v['driver']}" in PENDING else [],
    )
    for i, v in enumerate(VECTORS)
]


@pytest.mark.parametrize("vector", CASES)
def test_vector(vector: dict) -> None:
    assert mismatches(vector) == []


def test_vector_count() -> None:
    assert len(VECTORS) == 124


# Reference status words → our normalised alarm names. Words not listed are manufacturer detail
# (kept by drivers in extra["status_flags"]) and imply no normalised alarm.
STATUS_WORDS = {
    "ALARM": "ALARM",
    "ERROR": "ERROR",
    "BATTERY_LOW": "LOW_BATTERY",
    "POWER_LOW": "LOW_BATTERY",
    "PERMANENT_ERROR": "PERMANENT_ERROR",
    "TEMPORARY_ERROR": "TEMPORARY_ERROR",
    "LEAK_FLOW_HIGH": "LEAK",
    "LEAK_FLOW_LOW": "LEAK",
    "P_LEAK": "LEAK",
    "LEAKAGE_OR_NO_USAGE": "LEAK",
    "P_REVERSE_FLOW": "BACKFLOW",
    "P_STRONG_LIGHT": "TAMPER",  # light shone on the optical sensor: a manipulation attempt
    "PREV_LEAKAGE": "LEAK",  # IZAR: a leak since the last due date, which billing must see
    "TAMPER": "TAMPER",
}

STATUS_CASES = [
    pytest.param(v, id=f"{i:03d}-{v['driver']}")
    for i, v in enumerate(VECTORS)
    if "status" in v["reference_output"] and f"{i:03d}-{v['driver']}" not in PENDING
]


@pytest.mark.parametrize("vector", STATUS_CASES)
def test_alarms_agree_with_reference_status(vector: dict) -> None:
    words = str(vector["reference_output"]["status"] or "").split()
    want = {STATUS_WORDS[w] for w in words if w in STATUS_WORDS}
    assert set(decode_vector(vector).alarms) == want, words
