"""Framers against the simulators' dongle streams with every kind of injected fault.

The simulator's fault log says exactly which frames were delivered intact; the framers, written
independently from the datasheets, must recover every one of them and count the faults.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from collector.framers import CommandReply, Counter, Frame, make_framer
from simulators.dongles import ENCODERS, Faults, Reception, build_stream
from simulators.encoder import FAMILIES, encode, random_state

NAME = {"rtl_wmbus": "rtl-wmbus"}
ALL_FAULTS = Faults(garbage=0.08, reply=0.08, truncate=0.06, bad_check=0.06, silence=0.01, silence_s=20)


def heard(n: int, seed: int) -> list[tuple[bytes, Reception]]:
    rng = random.Random(seed)
    t = dt.datetime(2026, 11, 30, 8, tzinfo=dt.UTC)
    out = []
    families = sorted(FAMILIES)
    for i in range(n):
        fam = families[i % len(families)]
        frame = encode(fam, random_state(fam, rng))  # CRC-free, as the dongles deliver it
        mode = "C1" if fam.startswith("kam") else "T1"
        t += dt.timedelta(seconds=rng.uniform(0.3, 4))
        out.append((frame, Reception(rssi_dbm=rng.choice([-90.0, -75.5, -60.0]), link_mode=mode,
                                     frame_format="B" if mode == "C1" else "A", at=t)))
    return out


def whole_despite_cut(name: str, frame: bytes, mode: str, kept: int, length: int) -> bytes | None:
    """The frame a framer rightly emits from a line cut short where the cut spares a whole frame.

    - iU891A: only the closing C0 was cut; the next message's opening C0, or the silence after it, ends
      the message instead (its CRC still holds).
    - CUL: only the LQI and RSSI digits were cut; the rest is a valid X01-style line, CRCs and all.
    - rtl_wmbus: a C1 line cut by exactly the 2 (L ≤ 127) or 4 bytes an older build's format-B L
      counted as CRCs reads as such a line; the framer recomputes L over what is there, as documented.
    """
    cut = length - kept
    if name == "iu891a" and cut == 1:
        return frame
    if name == "cul" and cut == 4:
        return frame
    if name == "rtl_wmbus" and mode == "C1" and cut % 2 == 0:
        lost = cut // 2  # bytes (two hex digits each) cut from the end of the frame
        if (lost == 2 and frame[0] <= 127) or (lost == 4 and frame[0] > 127):
            short = len(frame) - lost
            return bytes([short - 1]) + frame[1:short]
    return None


def expected(name: str, telegrams: list, stream) -> tuple[list[bytes], int]:
    """(frames a framer must emit, truncations it cannot count), from the simulator's fault log.

    An iU891A message cut after its opening C0 leaves a lone C0, which is a frame separator like any
    other: nothing shows that a message began, so there is nothing to count.
    """
    spared: dict[int, bytes] = {}
    invisible = 0
    for f in stream.faults:
        if f.kind == "truncate":
            kept, length = (int(x) for x in f.detail.removeprefix("kept ").removesuffix(" bytes").split(" of "))
            frame, rx = telegrams[f.frame_index]
            whole = whole_despite_cut(name, frame, rx.link_mode, kept, length)
            if whole is not None:
                spared[f.frame_index] = whole
            elif name == "iu891a" and kept == 1:
                invisible += 1
    order = [c.frame_index for c in stream.chunks if c.kind == "telegram" and (c.intact or c.frame_index in spared)]
    assert [i for i in order if i not in spared] == list(stream.intact_frames())
    frames = [telegrams[i][0] if i not in spared else spared[i] for i in order]
    return frames, len(spared) + invisible


def run(name: str, stream, per_chunk: bool) -> list:
    framer = make_framer(NAME.get(name, name))
    if name == "rc1180":
        framer.rssi = True
    events: list = []
    if per_chunk:
        prev = None
        for chunk in stream.chunks:
            if prev is not None and chunk.at != prev and hasattr(framer, "gap"):
                events += framer.gap()
            events += framer.feed(chunk.data)
            prev = chunk.at
    else:
        events += framer.feed(stream.data)
    return events + framer.close()


@pytest.mark.parametrize("name", sorted(ENCODERS))
def test_clean_stream_gives_every_frame(name: str) -> None:
    telegrams = heard(120, 1)
    stream = build_stream(ENCODERS[name](), telegrams, None, 1)
    events = run(name, stream, per_chunk=False)
    frames = [e for e in events if isinstance(e, Frame)]
    assert [f.frame for f in frames] == [t[0] for t in telegrams]
    assert not [e for e in events if isinstance(e, Counter)]


@pytest.mark.parametrize("seed", range(1, 13))
@pytest.mark.parametrize("name", sorted(ENCODERS))
def test_faulty_stream_gives_every_intact_frame(name: str, seed: int) -> None:
    telegrams = heard(300, seed)
    stream = build_stream(ENCODERS[name](), telegrams, ALL_FAULTS, seed)
    events = run(name, stream, per_chunk=True)
    frames = [e.frame for e in events if isinstance(e, Frame)]
    intact, uncounted = expected(name, telegrams, stream)
    kinds = {f.kind for f in stream.faults}
    assert {"garbage", "truncate"} <= kinds  # the stream really is faulty
    # every intact frame comes out, in order; nothing else does
    assert frames == intact, (len(frames), len(intact))
    counted: dict[str, int] = {}
    for e in events:
        if isinstance(e, Counter):
            counted[e.name] = counted.get(e.name, 0) + e.count
    logged = {k: sum(1 for f in stream.faults if f.kind == k) for k in ("truncate", "bad_check", "reply")}
    garbage = sum(f.length for f in stream.faults if f.kind == "garbage")
    replies = sum(1 for e in events if isinstance(e, CommandReply))
    checked = name in ("im871a", "iu891a", "amb8465", "cul", "rtl_wmbus")  # sticks with check bytes
    assert counted.get("checksum_errors", 0) == (logged["bad_check"] if checked else 0), counted
    assert counted.get("truncated", 0) == logged["truncate"] - uncounted, (counted, logged, uncounted)
    if name in ("im871a", "iu891a", "amb8465", "amb8465-transparent", "cul"):
        assert replies == logged["reply"]
    if name in ("im871a", "iu891a", "amb8465"):
        # binary sticks with a start byte: every injected noise byte is counted, and nothing else is (the
        # remains of a message that failed its check or was cut short count under that fault)
        assert counted.get("garbage_bytes", 0) == garbage, (counted, garbage)
    if name in ("amb8465-transparent", "rc1180"):
        # no start byte: a noise byte that reads as a plausible L right before a telegram cut short is
        # counted with that truncation, so at most one byte per truncation goes uncounted as garbage
        assert garbage - logged["truncate"] <= counted.get("garbage_bytes", 0) <= garbage, (counted, garbage)
    if name in ("cul", "rtl_wmbus"):  # each noise line is one bad line, unless it is only blanks
        noise = [c.data for c in stream.chunks if c.kind == "garbage"]
        assert counted.get("bad_lines", 0) == sum(1 for d in noise if d.strip(b" \t\r\n"))
