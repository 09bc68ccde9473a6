"""izarv2: the same PRIOS frames as izar, with the due-date fields its vectors expect."""

from __future__ import annotations

import pytest
from test_conformance import VECTORS, decode_vector

from decoders import Decoder, parse_hex


@pytest.mark.parametrize(
    ("index", "alarms", "flags"),
    [(48, [], []), (49, [], []), (50, [], []), (51, ["LEAK"], ["PREV_LEAKAGE"])],  # status OK / PREV_LEAKAGE
)
def test_vector_status(index: int, alarms: list[str], flags: list[str]) -> None:
    t = decode_vector(VECTORS[index])
    assert t.alarms == alarms
    assert t.extra["status_flags"] == flags


@pytest.mark.parametrize("index", [48, 49, 50, 51])
def test_due_date_fields(index: int) -> None:
    v = VECTORS[index]
    t = decode_vector(v)
    assert (t.id, t.target_date) == (v["expect"]["id"], v["expect"]["target_date"])
    assert t.target_m3 == pytest.approx(v["expect"]["target_m3"])
    assert t.extra["battery_y"] == v["reference_output"]["battery_y"]


def test_forced_alias_decodes_other_manufacturer_ci() -> None:
    """`--driver izarv2` (the reference decoder's second name) resolves to the izar driver."""
    raw = parse_hex(VECTORS[49]["telegram_hex"])
    t = Decoder(driver="izarv2").decode(raw)
    assert t.driver == "izar"  # the alias resolves to the one PRIOS driver
    assert (t.id, t.total_m3) == ("20481979", 4.366)


def test_built_frame_with_bit_flip_in_scrambled_total() -> None:
    """Flipping one scrambled bit changes exactly that plaintext bit (XOR keystream)."""
    raw = bytearray(parse_hex(VECTORS[51]["telegram_hex"]))
    raw[16] ^= 0x01  # lowest bit of the total's least significant byte
    t = Decoder().decode(bytes(raw))
    assert t.total_m3 == pytest.approx(521.602 + (0.001 if not 521602 & 1 else -0.001))
    raw[15] ^= 0x01  # the check byte: now the default key fails
    assert Decoder().decode_safe(bytes(raw)).reason == "missing_key"
