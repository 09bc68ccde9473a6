"""Framer throughput per receiver kind: frames/s on one core, sans-IO (no serial port in the loop).

Each kind's stream holds N telegrams as its receiver writes them (simulated iM871A HCI, iU891A SLIP,
Amber command and transparent mode, RC1180, CUL lines, rtl_wmbus lines, rtl_433 JSON, hex lines, raw
binary). It is fed in reads of READ bytes (a serial read returns what has arrived; 256 is typical at
these baud rates), and every pass checks that exactly the N frames come out, so a fast but wrong
framer cannot pass. The best of RUNS passes is printed with the median: this shared machine's speed
drifts from minute to minute, and the best pass is the least disturbed one. Target: 50,000 frames/s.
Usage: python benchmarks/framer_bench.py [N] [RUNS] [READ]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._framer_streams import FRAMER_NAMES, heard, stream
from collector.framers import Frame, make_framer

TARGET = 50_000


def one_pass(name: str, data: bytes, read: int, want: list[bytes]) -> float:
    framer = make_framer(name)
    pieces = [data[i:i + read] for i in range(0, len(data), read)]
    frames = 0
    start = time.perf_counter()
    for piece in pieces:
        for event in framer.feed(piece):
            if type(event) is Frame:
                frames += 1
    for event in framer.close():
        frames += type(event) is Frame
    elapsed = time.perf_counter() - start
    if frames != len(want):
        raise SystemExit(f"{name}: {frames} frames out of {len(want)}")
    return elapsed


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    read = int(sys.argv[3]) if len(sys.argv) > 3 else 256
    telegrams = heard(n, 1)
    print(f"framer throughput: {n} frames per pass, reads of {read} bytes, best and median of {runs} passes")
    print(f"{'framer':<22}{'bytes':>10}{'best frames/s':>16}{'median':>12}{'MB/s':>8}  target {TARGET:,}")
    failed = []
    for name in FRAMER_NAMES:
        data, want = stream(name, telegrams)
        times = [one_pass(name, data, read, want) for _ in range(runs)]
        best, median = min(times), statistics.median(times)
        rate = len(want) / best
        ok = rate >= TARGET
        failed += [] if ok else [name]
        print(f"{name:<22}{len(data):>10,}{rate:>16,.0f}{len(want) / median:>12,.0f}{len(data) / best / 1e6:>8.1f}"
              f"  {'ok' if ok else 'BELOW TARGET'}")
    print("all framers at or above target" if not failed else f"below target: {', '.join(failed)}")


if __name__ == "__main__":
    main()
