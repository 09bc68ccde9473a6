"""Decode throughput on one core: the public vectors, keys applied, cycled to N telegrams.

Prints telegrams/s, the error count and peak RSS. The stream is decoded in RUNS passes and
the best and median pass are printed: this shared 2-core machine's speed drifts by up to 50 %
from minute to minute (CPU steal), and the best pass is the least disturbed one.
With --core-only the manufacturer drivers are left out (the decoder core of issue 2: link
layer, ELL/AFL/TPL, security, records and the generic summary).
Usage: python benchmarks/decode_bench.py [N] [RUNS] [--core-only]
"""

from __future__ import annotations

import collections
import resource
import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._vectors import frames_and_keys
from decoders import Decoder
from decoders.driver_api import DriverRegistry


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    registry = DriverRegistry() if "--core-only" in sys.argv else None
    total = int(args[0]) if args else 100_000
    runs = int(args[1]) if len(args) > 1 else 3
    frames, keys = frames_and_keys()
    stream = [frames[i % len(frames)] for i in range(total)]
    per_driver: dict[str, float] = collections.defaultdict(float)
    per_driver_n: collections.Counter[str] = collections.Counter()
    passes = []
    for _ in range(runs):
        decoder = Decoder(keys, registry=registry)  # a fresh decoder per pass: layouts learned anew
        errors = 0
        start = time.perf_counter()
        for raw in stream:
            t = decoder.decode_safe(raw)
            errors += t.error is not None
        passes.append(time.perf_counter() - start)
    passes.sort()
    elapsed = passes[0]
    # Per-family cost, measured separately so the headline figure has no timing overhead.
    for raw in frames * 50:
        t0 = time.perf_counter()
        t = decoder.decode_safe(raw)
        dt = time.perf_counter() - t0
        name = t.driver or "generic"
        per_driver[name] += dt
        per_driver_n[name] += 1
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # A fixed pure-Python workload, so figures from this noisy shared machine can be compared.
    calibration = min(timeit.repeat("sum(range(1000))", number=2000, repeat=5)) / 2000 * 1e6
    print(f"telegrams: {total} ({len(frames)} distinct frames cycled, "
          f"{'core only, no drivers' if registry is not None else 'all drivers'})")
    print(f"errors: {errors}")
    print(f"elapsed: best {elapsed:.3f} s, median {passes[len(passes) // 2]:.3f} s over {runs} passes")
    print(f"throughput: {total / elapsed:,.0f} telegrams/s best, "
          f"{total / passes[len(passes) // 2]:,.0f} median (one core)")
    print(f"peak RSS: {rss_mib:.1f} MiB")
    print(f"machine speed now: sum(range(1000)) takes {calibration:.1f} us (about 18-20 us when this machine is quiet)")
    slowest = sorted(per_driver, key=lambda d: per_driver[d] / per_driver_n[d], reverse=True)[:5]
    print("slowest families (us/telegram): " + ", ".join(
        f"{d} {1e6 * per_driver[d] / per_driver_n[d]:.1f}" for d in slowest))


if __name__ == "__main__":
    main()
