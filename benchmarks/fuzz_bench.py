"""Mutation fuzzing: N mutated real telegrams, counting exceptions other than DecodeError.

The seed frames are the public vectors plus a frame of every (manufacturer, version, type) of
the detection table built by `simulators.encoder.table` (new families and the manufacturer
default-key paths: Diehl mode 5 without a key, IZAR PRIOS default keys, RFM-TX1, Apator 16-2
tag lists, Kamstrup compact formats). Each frame is mutated with 1-6 random byte flips, overwrites, cuts, insertions or
deletions (L re-synchronised half of the time so deeper layers are reached), decoded with all
drivers and keys. Prints the count of unexpected exceptions, which must be 0, and a sample.
Usage: python benchmarks/fuzz_bench.py [N] [SEED]
"""

from __future__ import annotations

import collections
import random
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._vectors import frames_and_keys
from decoders import DecodeError, Decoder, KeyStore
from decoders.decoder import default_registry
from simulators.encoder.table import DETECTION_TABLE, built_frames


def table_frames(keys: KeyStore) -> list[bytes]:
    """One round of built frames per table triple; their keys go into `keys` (none for the
    frames that must take a default-key path)."""
    rng = random.Random(7)
    registry = default_registry()
    out = []
    for driver, triples in DETECTION_TABLE.items():
        standard = registry.get(driver).standard_records  # type: ignore[union-attr]
        for triple in triples:
            for b in built_frames(driver, triple, rng, standard):
                if b.key is not None and "id" in b.expect:
                    keys.add(b.expect["id"], b.key)
                out.append(b.frame)
    return out


def mutate(rng: random.Random, frame: bytes) -> bytes:
    f = bytearray(frame)
    for _ in range(rng.randint(1, 6)):
        if not f:
            break
        pos = rng.randrange(len(f))
        op = rng.randrange(5)
        if op == 0:
            f[pos] ^= 1 << rng.randrange(8)
        elif op == 1:
            f[pos] = rng.randrange(256)
        elif op == 2:
            del f[pos:]
        elif op == 3:
            f.insert(pos, rng.randrange(256))
        else:
            del f[pos]
    if f and rng.random() < 0.5:
        f[0] = (len(f) - 1) & 0xFF
    return bytes(f)


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 2026
    rng = random.Random(seed)
    frames, keys = frames_and_keys()
    built = table_frames(keys)
    frames = frames + built
    decoder = Decoder(keys)
    unexpected: collections.Counter[str] = collections.Counter()
    samples: dict[str, str] = {}
    decoded = rejected = 0
    start = time.perf_counter()
    for _ in range(total):
        raw = mutate(rng, frames[rng.randrange(len(frames))])
        try:
            t = decoder.decode(raw)
            t.to_json()
            t.json_line()  # what `amr decode` prints: the compiled layout path and the encoder must cope too
            decoded += 1
        except DecodeError:
            rejected += 1
        except Exception as exc:
            name = f"{type(exc).__name__} at {traceback.extract_tb(exc.__traceback__)[-1].name}"
            unexpected[name] += 1
            samples.setdefault(name, raw.hex())
    elapsed = time.perf_counter() - start
    print(f"mutated frames: {total} (seed {seed}) in {elapsed:.1f} s, from {len(frames)} seed frames "
          f"({len(built)} built for the detection table)")
    print(f"decoded: {decoded}, rejected with DecodeError: {rejected}")
    print(f"unexpected exceptions: {sum(unexpected.values())}")
    for name, count in unexpected.most_common():
        print(f"  {count} x {name}: {samples[name]}")
    sys.exit(1 if unexpected else 0)


if __name__ == "__main__":
    main()
