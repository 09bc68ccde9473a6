"""Every real serial capture yields exactly the frames, RSSI values and replies listed with it.

The captures (tests/fixtures/captures.jsonl) are bytes real receivers wrote, from public bug reports
and test files; tests/fixtures/reference_captures.jsonl holds the ones quoted in the dongle notes (IMST HCI
and iU891A messages, an AMB8665 data indication, a CUL X21 line, rtl_wmbus lines, the RC1180 prompt).
Each is fed whole, in the reads the log shows, and one byte at a time, because a framer must not care
where the operating system cut the stream.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from collector.framers import CommandReply, Counter, Frame, make_framer
from collector.framers.rc1180 import Rc1180Framer

FIXTURES = Path(__file__).parent / "fixtures"
CAPTURES = [json.loads(line) for name in ("captures.jsonl", "reference_captures.jsonl")
            for line in (FIXTURES / name).read_text().splitlines() if line.strip()]
FRAMER_OF = {"im871a": "im871a", "iu891a": "iu891a", "amb8465": "amb8465",
             "amb8665": "amb8465", "cul": "cul", "rtl_wmbus": "rtl-wmbus",
             "rtl_433": "rtl433", "hextty": "hex", "rawtty (WMB14UE)": "raw", "rc1180": "rc1180"}
# Not a serial stream (an FHEM event log quoting CUL lines), or no bytes recorded (a CSV file too long to quote).
FEEDABLE = [c for c in CAPTURES if c["dongle"] in FRAMER_OF and (c.get("stream_hex") or c.get("stream_text"))]


def _stream(c: dict) -> bytes:
    return bytes.fromhex(c["stream_hex"]) if c.get("stream_hex") else c["stream_text"].encode()


def _chunks(c: dict) -> list[bytes]:
    if c.get("chunks_hex"):
        return [bytes.fromhex(x) for x in c["chunks_hex"]]
    if c.get("chunks_text"):
        return [x.encode() for x in c["chunks_text"]]
    return [_stream(c)]


def _run(c: dict, pieces: list[bytes]) -> list:
    framer = make_framer(FRAMER_OF[c["dongle"]])
    if isinstance(framer, Rc1180Framer) and c.get("sent_hex") == "00":
        framer.expect(1)  # the host sent 00 and waits for the prompt
    events: list = []
    for piece in pieces:
        events += framer.feed(piece)
    return events + framer.close()


def _ids() -> list[str]:
    return [f"{c['dongle']}-{c['id'][:6]}" for c in FEEDABLE]


@pytest.mark.parametrize("cut", ["whole", "as-read", "bytewise"])
@pytest.mark.parametrize("capture", FEEDABLE, ids=_ids())
def test_capture_yields_exactly_its_frames(capture: dict, cut: str) -> None:
    data = _stream(capture)
    pieces = {"whole": [data], "as-read": _chunks(capture), "bytewise": [data[i:i + 1] for i in range(len(data))]}[cut]
    events = _run(capture, pieces)
    frames = [e for e in events if isinstance(e, Frame)]
    expected = [f for f in capture["frames"] if f["frame_hex"]]
    assert [f.frame.hex().upper() for f in frames] == [f["frame_hex"].upper() for f in expected]
    for got, want in zip(frames, expected, strict=True):
        assert got.rssi_dbm == want.get("rssi_dbm"), (got.rssi_dbm, want.get("rssi_dbm"))
        assert got.frame[0] == len(got.frame) - 1
        for key in ("link_mode", "frame_format"):
            if key in want:
                assert getattr(got, key) == want[key], (key, getattr(got, key), want[key])
    unusable = len(capture["frames"]) - len(expected)
    faults = sum(e.count for e in events if isinstance(e, Counter)
                 and e.name in ("checksum_errors", "truncated", "bad_length", "bad_lines"))
    assert faults >= unusable, f"{unusable} unusable frames but only {faults} faults counted"
    replies = [e for e in events if isinstance(e, CommandReply)]
    assert len(replies) == len(capture.get("replies", [])), replies
    for got, want in zip(replies, capture.get("replies", []), strict=True):
        if "payload_hex" in want:
            assert got.payload.hex().upper() == want["payload_hex"].upper()
        elif "text" in want and isinstance(got.command, str) and got.command != "prompt":
            assert got.command == want["text"]
        assert got.ok


def test_every_feedable_capture_is_covered() -> None:
    kinds = {c["dongle"] for c in FEEDABLE}
    assert {"im871a", "iu891a", "amb8465", "amb8665", "cul", "rtl_wmbus", "rtl_433", "hextty", "rc1180"} <= kinds
