"""The layout-plan fast path gives exactly what a full parse gives."""

from __future__ import annotations

import random

from conftest import load_vectors, mutated_payloads, vector_keys

from decoders import Decoder, parse_hex

VECTORS = load_vectors()


def _summary(t) -> tuple:  # type: ignore[no-untyped-def]
    return (t.id, t.total_m3, t.target_m3, t.target_date, t.flow_m3h, tuple(t.alarms), t.error,
            tuple(t.warnings), repr([r.to_json() for r in t.records]))  # repr: a real32 NaN equals itself


def test_second_pass_uses_plans_and_matches_first() -> None:
    frames = [parse_hex(v["telegram_hex"]) for v in VECTORS]
    warm = Decoder(vector_keys())
    first = [_summary(warm.decode_safe(f)) for f in frames]
    assert warm.layouts._count > 20  # plans were learned
    second = [_summary(warm.decode_safe(f)) for f in frames]
    assert second == first


def test_plan_matches_full_parse_on_value_changes() -> None:
    """Same layout, different values: the plan must give what a fresh full parse gives."""
    rng = random.Random(7)
    keys = vector_keys()
    warm = Decoder(keys)
    checked = 0
    for g in mutated_payloads(warm, 20, 3, rng):
        fast = warm.decode_safe(g)
        slow = Decoder(keys).decode_safe(g)
        assert _summary(fast) == _summary(slow), g.hex()
        checked += 1
    assert checked > 500


def test_compact_plan_equals_reinterleaved_parse() -> None:
    """Compact frames decoded by plan give the records the re-interleaving parser gives."""
    from decoders.compact import signature_of

    d = Decoder(vector_keys())
    seen = 0
    for v in VECTORS:
        for prior in v["prior_telegrams_hex"]:
            d.decode_safe(parse_hex(prior))
        t = d.decode_safe(parse_hex(v["telegram_hex"]))
        if t.ci not in (0x73, 0x79, 0x7B) or t._plan is None:
            continue
        start = 2 if t.payload[:2] == b"\x2f\x2f" else 0
        signature = int.from_bytes(t.payload[start : start + 2], "little")
        headers = d.formats.known[signature]
        assert signature_of(headers) == signature
        slow = d.formats.expand(headers, t.payload[start + 4 :], "test")
        assert [r.to_json() for r in t.records] == [r.to_json() for r in slow]
        seen += 1
    assert seen >= 1


def test_damaged_tail_plan_repeats_the_warning() -> None:
    evo = next(v for v in VECTORS if v["driver"] == "evo868")
    d = Decoder()
    first = d.decode_safe(parse_hex(evo["telegram_hex"]))
    second = d.decode_safe(parse_hex(evo["telegram_hex"]))
    assert first.warnings and second.warnings == first.warnings
    assert second._plan is not None and _summary(second) == _summary(first)
