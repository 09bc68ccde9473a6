"""Round-trip check: decode an encoded frame with `decoders` and list what differs.

Shared by the test suite and benchmarks/encoder_roundtrip.py so both prove the same thing:
the decoder reports exactly the values the encoder was given (floats compared exactly, which
holds because registers are whole litres and the decoder divides by an exact power of ten).
"""

from __future__ import annotations

from typing import Any

from decoders import Decoder
from decoders.model import Telegram
from simulators.encoder import ERROR_FLAGS, encode, expected_reading
from simulators.encoder.state import MeterState

_ERROR_FLAGS_VIF = b"\xfd\x17"


def observed(t: Telegram, keys: dict[str, Any]) -> dict[str, Any]:
    """The decoded counterpart of each key of an `expected_reading`."""
    out: dict[str, Any] = {}
    for name in keys:
        if name == "alarms":
            out[name] = sorted(t.alarms)
        elif name == ERROR_FLAGS:
            out[name] = next((r.value for r in t.records if r.vif == _ERROR_FLAGS_VIF), None)
        else:
            out[name] = getattr(t, name)
    return out


def mismatches(decoder: Decoder, family: str, state: MeterState, crc: str) -> list[str]:
    """Encode, decode with the meter's key, compare; an empty list is a clean round trip."""
    frame = encode(family, state, crc=crc)
    decoder.default_key = state.key
    t = decoder.decode_safe(frame)
    if t.error is not None:
        return [f"decode error: {t.error}"]
    problems = []
    if t.crc_format != crc:
        problems.append(f"crc format {t.crc_format!r} detected, {crc!r} sent")
    want = expected_reading(family, state)
    got = observed(t, want)
    for name, value in want.items():
        if got[name] != value:
            problems.append(f"{name}: sent {value!r}, decoded {got[name]!r}")
    return problems
