"""Byte streams for the framer benchmarks: every receiver kind, built from the simulators' encoders.

The simulators' dongle encoders are the other, independent side of each protocol, so a benchmark fed by
them also checks that every frame comes out. rtl_433 and raw ttys have no simulated dongle; their
streams are built here from the documented output (one JSON object per line; frames back to back).
"""

from __future__ import annotations

import datetime as dt
import json
import random

from simulators.dongles import ENCODERS, Faults, Reception, build_stream
from simulators.encoder import FAMILIES, encode, random_state

FRAMER_NAMES = ("im871a", "iu891a", "amb8465", "amb8465-transparent", "rc1180", "cul", "rtl-wmbus", "rtl433",
                "hex", "raw")
ENCODER_OF = {"rtl-wmbus": "rtl_wmbus"}


def heard(n: int, seed: int) -> list[tuple[bytes, Reception]]:
    """``n`` CRC-free telegrams of every simulated meter family, as a van hears them."""
    rng = random.Random(seed)
    families = sorted(FAMILIES)
    distinct = [encode(fam, random_state(fam, rng)) for fam in families for _ in range(20)]
    t = dt.datetime(2026, 11, 30, 8, tzinfo=dt.UTC)
    out = []
    for i in range(n):
        frame = distinct[i % len(distinct)]
        mode = "C1" if frame[1] == 0x44 and frame[2:4] == b"\x2d\x2c" else "T1"
        t += dt.timedelta(seconds=0.5)
        out.append((frame, Reception(rssi_dbm=rng.choice([-90.0, -75.5, -60.0]), link_mode=mode,
                                     frame_format="B" if mode == "C1" else "A", at=t)))
    return out


def stream(name: str, telegrams: list[tuple[bytes, Reception]], faults: Faults | None = None,
           seed: int = 0) -> tuple[bytes, list[bytes]]:
    """(bytes the receiver writes, frames a framer must emit from them)."""
    frames = [f for f, _ in telegrams]
    if name == "raw":
        return b"".join(frames), frames
    if name == "rtl433":
        lines = []
        for f, rx in telegrams:
            obj = {"time": rx.at.strftime("%Y-%m-%d %H:%M:%S"), "model": "Wireless-MBus", "mode": rx.link_mode[0],
                   "id": 0, "data_length": len(f), "data": f.hex().upper(), "mic": "CRC"}
            lines.append(json.dumps(obj))
        return ("\n".join(lines) + "\n").encode(), frames
    s = build_stream(ENCODERS[ENCODER_OF.get(name, name)](), telegrams, faults, seed)
    return s.data, [frames[i] for i in s.intact_frames()]
