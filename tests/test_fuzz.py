"""Random bytes and mutated real telegrams raise nothing but `DecodeError`."""

from __future__ import annotations

import contextlib
import random

from conftest import load_vectors
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decoders import DecodeError, Decoder, KeyStore
from decoders.decoder import default_registry
from simulators.encoder.table import DETECTION_TABLE, built_frames

VECTORS = load_vectors()
FRAMES = [bytes.fromhex(v["telegram_hex"]) for v in VECTORS]
KEYS = KeyStore()
for _v in VECTORS:
    if _v["key"] and len(_v["id"]) == 8:
        KEYS.add(_v["id"].lower(), bytes.fromhex(_v["key"]))
# A frame of every detection-table triple: new families and the default-key paths (built with
# no configured key where the frame relies on a manufacturer default).
_RNG = random.Random(9)
for _driver, _triples in DETECTION_TABLE.items():
    for _triple in _triples:
        for _b in built_frames(_driver, _triple, _RNG, default_registry().get(_driver).standard_records):  # type: ignore[union-attr]
            if _b.key is not None:
                KEYS.add(_b.expect["id"], _b.key)
            FRAMES.append(_b.frame)
DECODER = Decoder(KEYS)


def _decode(raw: bytes) -> None:
    with contextlib.suppress(DecodeError):
        DECODER.decode(raw)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(min_size=0, max_size=300))
def test_random_bytes(raw: bytes) -> None:
    _decode(raw)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    frame = bytearray(draw(st.sampled_from(FRAMES)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "set", "cut", "insert", "delete"]))
        if not frame:
            break
        pos = draw(st.integers(0, len(frame) - 1))
        if op == "flip":
            frame[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "set":
            frame[pos] = draw(st.integers(0, 255))
        elif op == "cut":
            del frame[pos:]
        elif op == "insert":
            frame.insert(pos, draw(st.integers(0, 255)))
        else:
            del frame[pos]
    if frame and draw(st.booleans()):
        frame[0] = (len(frame) - 1) & 0xFF  # keep L consistent so deeper layers get exercised
    return bytes(frame)


@settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_vectors(raw: bytes) -> None:
    _decode(raw)
