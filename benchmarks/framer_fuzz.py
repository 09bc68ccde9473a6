"""Fuzz every framer with N random or mutated chunks: no exception, no malformed frame, bounded buffer.

For each receiver kind, a pool of chunks is made first: random bytes, bytes rich in that protocol's
start and sync bytes (A5, C0/DB, FF, L-field headers, ``b``, ``;0x``, ``{``, newlines), long runs with no
delimiter, and slices of a valid stream with bits flipped, bytes dropped, inserted or duplicated. Then
N chunks are drawn from the pool in random order and fed to one framer, with a silence (``gap()``) now
and then. After every chunk the framer's ``buffered()`` must stay within its documented ``max_buffered``.
A Frame must satisfy ``L = len - 1`` and hold at least a link-layer header (or, from a raw tty, be a
whole wired M-Bus long frame); anything raised is an unexpected exception. Finally a linear-time check
feeds a hostile stream of 256 kB and of 1 MB: the time per byte must not grow with the stream (resync
is O(n)).
Usage: python benchmarks/framer_fuzz.py [N] [SEED] [FRAMER ...]   (N = 1,000,000 per framer for the report)
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._framer_streams import FRAMER_NAMES, heard, stream
from collector.framers import CommandReply, Counter, Frame, make_framer

POOL = 20_000
SPECIAL = {
    "im871a": [b"\xa5", b"\xa5\xc2\x03", b"\xa5\x81\x02\x00", b"\xa5\xe2\x03\xff"],
    "iu891a": [b"\xc0", b"\xdb", b"\xdb\xdc", b"\xc0\x09\x20", b"\xc0\xc0"],
    "amb8465": [b"\xff", b"\xff\x03", b"\xff\x03\xff", b"\xff\x8a\x7a"],
    "amb8465-transparent": [b"\xff\x44\x2d\x2c", b"\x0a\x44\xa5\x11", b"\x44", b"\x7a"],
    "rc1180": [b"\xff\x44\x2d\x2c", b"\x0a\x44\xa5\x11", b"\x44", b">"],
    "cul": [b"b", b"bY", b"\r\n", b"\n", b"V 1.67 CUL", b"0123456789ABCDEF"],
    "rtl-wmbus": [b"T1;1;1;", b";0x", b"\n", b"C1;1;1;2023;1;2;3;0x", b"ff"],
    "rtl433": [b"{", b'{"model":"Wireless-MBus","data":"', b"time,", b"time : ", b"model = Wireless-MBus",
               b"\n", b"data = ", b"="],
    "hex": [b"\n", b"2e44", b"0123456789abcdef", b"x", b"\r\n"],
    "raw": [b"\x68\x10\x10\x68", b"\x16", b"\xff\x44\x2d\x2c", b"\x0a\x46\xa5\x11"],
}


def pool(name: str, rng: random.Random) -> list[bytes]:
    valid, _ = stream(name, heard(300, rng.randrange(1 << 30)))
    special = SPECIAL[name]
    out: list[bytes] = []
    for _ in range(POOL):
        kind = rng.random()
        if kind < 0.25:  # random bytes
            out.append(rng.randbytes(rng.randrange(0, 64)))
        elif kind < 0.45:  # start and sync bytes mixed with random ones
            out.append(b"".join(rng.choice(special) if rng.random() < 0.5 else rng.randbytes(rng.randrange(1, 8))
                                for _ in range(rng.randrange(1, 10))))
        elif kind < 0.47:  # a long run with no delimiter at all
            out.append(bytes([rng.choice(b"\x00\x41\xff\x30\xdb")]) * rng.randrange(300, 10_000))
        else:  # a slice of a valid stream, mutated
            start = rng.randrange(len(valid))
            piece = bytearray(valid[start:start + rng.randrange(1, 400)])
            for _ in range(rng.randrange(0, 4)):
                op = rng.random()
                if not piece:
                    break
                i = rng.randrange(len(piece))
                if op < 0.4:
                    piece[i] ^= 1 << rng.randrange(8)
                elif op < 0.6:
                    del piece[i]
                elif op < 0.8:
                    piece.insert(i, rng.randrange(256))
                else:
                    piece[i:i] = piece[i:i + rng.randrange(1, 40)]
            out.append(bytes(piece))
    return out


def fuzz(name: str, n: int, seed: int) -> dict[str, float]:
    rng = random.Random(f"{seed}-{name}")
    chunks = pool(name, rng)
    framer = make_framer(name)
    errors = bad_frames = frames = replies = fed = max_buf = over_bound = 0
    first_error = ""
    counters: dict[str, int] = {}
    start = time.perf_counter()
    for i in range(n):
        chunk = chunks[rng.randrange(POOL)]
        fed += len(chunk)
        try:
            events = framer.feed(chunk)
            if i % 997 == 996:  # now and then the line goes quiet, or the run ends
                events += framer.gap() if hasattr(framer, "gap") else framer.close()
        except Exception as exc:  # counting them is the point
            errors += 1
            first_error = first_error or f"{type(exc).__name__}: {exc}"
            framer = make_framer(name)
            continue
        for e in events:
            if type(e) is Frame:
                frames += 1
                f = e.frame
                wired = f[:1] == b"\x68" and len(f) == f[1] + 6 and f[3] == 0x68  # raw tty: wired M-Bus long frame
                if not wired and (len(f) < 11 or f[0] != len(f) - 1):
                    bad_frames += 1
            elif type(e) is Counter:
                counters[e.name] = counters.get(e.name, 0) + e.count
            elif type(e) is CommandReply:
                replies += 1
            else:
                bad_frames += 1
        held = framer.buffered()
        max_buf = max(max_buf, held)
        over_bound += held > framer.max_buffered
    framer.close()
    return {"seconds": time.perf_counter() - start, "errors": errors, "bad_frames": bad_frames, "frames": frames,
            "replies": replies, "bytes": fed, "over_bound": over_bound, "max_buf": max_buf, "first_error": first_error,
            "resyncs": counters.get("resyncs", 0), "garbage": counters.get("garbage_bytes", 0)}


def hostile(name: str, size: int) -> bytes:
    """Start-byte-heavy noise that never completes a valid message: the worst case for a resync."""
    unit = b"".join(SPECIAL[name]) + bytes(range(0, 256, 7))
    return (unit * (size // len(unit) + 1))[:size]


def per_byte(name: str, size: int) -> float:
    data = hostile(name, size)
    framer = make_framer(name)
    start = time.perf_counter()
    for i in range(0, len(data), 64):
        framer.feed(data[i:i + 64])
    framer.close()
    return (time.perf_counter() - start) / size * 1e9


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    print(f"framer fuzz: {n:,} chunks per framer from a pool of {POOL:,} random/mutated chunks, seed {seed}")
    print(f"{'framer':<22}{'chunks':>11}{'MB fed':>8}{'errors':>8}{'bad frm':>8}{'frames':>11}{'replies':>8}"
          f"{'max buf':>8}{'bound':>7}{'s':>7}{'ns/B 256k':>10}{'ns/B 1M':>9}")
    total_errors = 0
    for name in sys.argv[3:] or FRAMER_NAMES:
        r = fuzz(name, n, seed)
        small, large = min(per_byte(name, 1 << 18) for _ in range(2)), min(per_byte(name, 1 << 20) for _ in range(2))
        total_errors += r["errors"] + r["bad_frames"] + r["over_bound"]
        print(f"{name:<22}{n:>11,}{r['bytes'] / 1e6:>8.1f}{r['errors']:>8}{r['bad_frames']:>8}{r['frames']:>11,}"
              f"{r['replies']:>8,}{r['max_buf']:>8,}{make_framer(name).max_buffered:>7,}{r['seconds']:>7.1f}{small:>10.0f}{large:>9.0f}")
        if r["over_bound"]:
            print(f"  buffer above its bound after {r['over_bound']} chunks")
        if r["first_error"]:
            print(f"  first exception: {r['first_error']}")
    print(f"unexpected exceptions, malformed frames or buffers over their bound: {total_errors}")
    sys.exit(1 if total_errors else 0)


if __name__ == "__main__":
    main()
