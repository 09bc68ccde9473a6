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

PENDING: set[str] = {
    "000-actislink",
    "001-apator08",
    "002-apator162",
    "003-apator162",
    "004-apator162",
    "005-apator162",
    "006-apator162",
    "007-apator162",
    "008-apator162",
    "009-apator162",
    "010-apator162",
    "011-apator172",
    "012-apatorna1",
    "013-apatorna1",
    "014-apatorna1",
    "015-apatorna1",
    "016-apatorna1",
    "017-apatorna1",
    "018-apatorna1",
    "024-dme173",
    "027-engelmann_faw",
    "036-hydrus",
    "037-hydrus",
    "038-hydrus",
    "039-hydrus",
    "040-hydrus",
    "043-istawater",
    "048-izarv2",
    "049-izarv2",
    "050-izarv2",
    "051-izarv2",
    "056-kamwater",
    "058-kamwater",
    "063-minomess",
    "064-mkradio3",
    "065-mkradio3",
    "066-mkradio3",
    "067-mkradio3",
    "068-mkradio3a",
    "069-mkradio4",
    "079-qwaterv2",
    "080-qwaterv2",
    "083-qwaterv2",
    "084-qwaterv2",
    "088-qwaterv2",
    "089-rfmtx1",
    "093-uiws",
    "107-zenner0b",
    "108-zenner0b",
    "109-izar",
    "110-izar",
    "111-izar",
    "112-izar",
    "118-qwater",
    "119-qwater",
    "123-qwater",
}


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
