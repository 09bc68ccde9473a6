"""Shared loading of the public test vectors for the benchmark scripts."""

from __future__ import annotations

import json
from pathlib import Path

from decoders import KeyStore, parse_hex

VECTORS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "wmbus-water.jsonl"


def load_vectors() -> list[dict]:
    return [json.loads(line) for line in VECTORS.read_text().splitlines() if line.strip()]


def frames_and_keys() -> tuple[list[bytes], KeyStore]:
    """Every telegram (priors first, so compact frames find their format) and a key store."""
    keys = KeyStore()
    frames: list[bytes] = []
    for v in load_vectors():
        if v["key"] and len(v["key"]) == 32 and len(v["id"]) == 8:
            keys.add(v["id"].lower(), bytes.fromhex(v["key"]))
        for prior in v["prior_telegrams_hex"]:
            frames.append(parse_hex(prior))
        frames.append(parse_hex(v["telegram_hex"]))
    return frames, keys
