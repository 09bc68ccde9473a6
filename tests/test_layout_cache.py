"""The layout-plan fast path gives exactly what a full parse gives."""

from __future__ import annotations

import random

from conftest import load_vectors

from decoders import Decoder, KeyStore, parse_hex

VECTORS = load_vectors()


def _keys() -> KeyStore:
    keys = KeyStore()
    for v in VECTORS:
        if v["key"] and len(v["key"]) == 32 and len(v["id"]) == 8:
            keys.add(v["id"].lower(), bytes.fromhex(v["key"]))
    return keys


def _summary(t) -> tuple:  # type: ignore[no-untyped-def]
    return (t.id, t.total_m3, t.target_m3, t.target_date, t.flow_m3h, tuple(t.alarms), t.error,
            [r.to_json() for r in t.records])


def test_second_pass_uses_plans_and_matches_first() -> None:
    frames = [parse_hex(v["telegram_hex"]) for v in VECTORS]
    warm = Decoder(_keys())
    first = [_summary(warm.decode_safe(f)) for f in frames]
    assert warm.layouts._count > 20  # plans were learned
    second = [_summary(warm.decode_safe(f)) for f in frames]
    assert second == first


def test_plan_matches_full_parse_on_value_changes() -> None:
    """Same layout, different values: the plan must give what a fresh full parse gives."""
    rng = random.Random(7)
    keys = _keys()
    warm = Decoder(keys)
    plain = [parse_hex(v["telegram_hex"]) for v in VECTORS if not v["key"] and v["frame"] == "wmbus"]
    for f in plain:
        warm.decode_safe(f)
    checked = 0
    for f in plain * 20:
        t0 = warm.decode_safe(f)
        if t0.error or not t0.payload:
            continue
        start = len(f) - len(t0.payload)
        g = bytearray(f)
        for _ in range(3):
            g[rng.randrange(start, len(g))] = rng.randrange(256)
        g = bytes(g)
        fast = warm.decode_safe(g)
        slow = Decoder(keys).decode_safe(g)
        assert _summary(fast) == _summary(slow), g.hex()
        checked += 1
    assert checked > 500
