"""The struct twins on the hot path agree with the construct layouts they shadow."""

from __future__ import annotations

import os

import pytest

from decoders import headers as h

PAIRS = [
    (h.LinkHeader, h.LINK_FAST),
    (h.LongTplHeader, h.LONG_TPL_FAST),
    (h.ShortTplHeader, h.SHORT_TPL_FAST),
    (h.EllIIHeader, h.ELL_II_FAST),
    (h.AflHeader, h.AFL_FAST),
    (h.CompactHeader, h.COMPACT_FAST),
]


@pytest.mark.parametrize(("declared", "fast"), PAIRS)
def test_twins_agree(declared, fast) -> None:  # type: ignore[no-untyped-def]
    assert declared.sizeof() == fast.size
    for _ in range(50):
        raw = os.urandom(fast.size)
        parsed = declared.parse(raw)
        values = [v for k, v in parsed.items() if not k.startswith("_")]
        assert tuple(values) == fast.unpack(raw)
        assert declared.build(parsed) == raw
