"""Encoder round trips: random meter states per family, each sent without CRCs and with
format A and format B CRCs, decoded with `decoders` and compared field by field.

This is the issue's acceptance run (10,000 states per family). It prints, per family and CRC
format, the count, the failures (with the first few differences) and the time taken; the exit
code is 1 when anything failed. One decoder per family and format, as a receiver would keep,
so the layout cache and compact-format memory are exercised too.
Usage: python benchmarks/encoder_roundtrip.py [N] [SEED]
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from decoders import Decoder
from decoders.crc import crc16_en13757
from simulators.encoder import CRC_FORMATS, FAMILIES, MeterState, encode, random_state
from simulators.encoder.check import mismatches

SHOW = 3
ELL_II_HEADER = 17  # L C M(2) A(6) + 8D CC ACC SN(4): the ELL payload (CRC + data) follows


def known_ambiguity(family: str, state: MeterState, crc: str) -> str:
    """Name the decoder-side ambiguity a failed frame falls into, if it is one we know of."""
    bare = encode(family, state)
    if crc == "none" and crc16_en13757(bare[:-2]) == int.from_bytes(bare[-2:], "big"):
        return " [CRC-free frame whose last 2 bytes are a valid format-B CRC]"
    rest = bare[ELL_II_HEADER:]
    if bare[10] == 0x8D and int.from_bytes(rest[:2], "little") == crc16_en13757(rest[2:]):
        return " [ELL ciphertext whose first 2 bytes are a valid payload CRC: taken as plaintext]"
    return ""


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    seed = sys.argv[2] if len(sys.argv) > 2 else "encoder-roundtrip"
    print(f"{'family':<18} {'crc':<5} {'frames':>7} {'failed':>7} {'seconds':>8}")
    failed_total = 0
    frames_total = 0
    start_all = time.perf_counter()
    for family in FAMILIES:
        for crc in CRC_FORMATS:
            rng = random.Random(f"{seed}/{family}/{crc}")
            decoder = Decoder()
            failures: list[str] = []
            start = time.perf_counter()
            for i in range(count):
                state = random_state(family, rng)
                problems = mismatches(decoder, family, state, crc)
                if problems:
                    cause = known_ambiguity(family, state, crc)
                    failures.append(f"  #{i} meter {state.meter_id}: {'; '.join(problems)}{cause}")
            elapsed = time.perf_counter() - start
            print(f"{family:<18} {crc:<5} {count:>7} {len(failures):>7} {elapsed:>8.2f}")
            for line in failures[:SHOW]:
                print(line)
            failed_total += len(failures)
            frames_total += count
    print(f"total: {frames_total} frames, {failed_total} failed, {time.perf_counter() - start_all:.1f} s")
    return 1 if failed_total else 0


if __name__ == "__main__":
    sys.exit(main())
