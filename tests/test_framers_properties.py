"""Framer properties: where the OS cuts the stream never matters, replies are never taken for telegrams,
hostile input never grows a buffer past its stated bound, and the host commands are the documented bytes.

Streams come from the simulators' dongle encoders (the independent other side of each protocol) with
faults injected, plus hand-built rtl_433 JSON lines and raw-tty bytes. Hypothesis picks the stream's
seed and the cut points.
"""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collector.framers import FRAMERS, CommandReply, Counter, Frame, make_framer
from collector.framers.amber import AmberCommands
from collector.framers.cul import CulCommands
from collector.framers.imst import Im871aCommands, Iu891aCommands
from collector.framers.rc1180 import Rc1180Commands
from simulators.dongles import ENCODERS, Faults, Reception, build_stream
from simulators.encoder import FAMILIES, encode, random_state

ENCODER_OF = {"rtl-wmbus": "rtl_wmbus"}
FAULTS = Faults(garbage=0.15, reply=0.15, truncate=0.1, bad_check=0.1)


def _heard(n: int, seed: int) -> list[tuple[bytes, Reception]]:
    rng = random.Random(seed)
    families = sorted(FAMILIES)
    t = dt.datetime(2026, 11, 30, 8, tzinfo=dt.UTC)
    out = []
    for i in range(n):
        fam = families[(i + seed) % len(families)]
        mode = "C1" if fam.startswith("kam") else "T1"
        out.append((encode(fam, random_state(fam, rng)),
                    Reception(rssi_dbm=-70.0, link_mode=mode, frame_format="B" if mode == "C1" else "A",
                              at=t + dt.timedelta(seconds=i))))
    return out


def _stream(name: str, seed: int) -> bytes:
    telegrams = _heard(12, seed)
    rng = random.Random(seed)
    if name == "raw":
        return b"".join(f + (rng.randbytes(rng.randrange(0, 6)) if rng.random() < 0.3 else b"") for f, _ in telegrams)
    if name == "rtl433":
        lines = [json.dumps({"time": "2026-11-30 08:00:00", "model": "Wireless-MBus", "mode": "T",
                             "data": f.hex()}) for f, _ in telegrams]
        lines.insert(3, "noise that is not rtl_433 output")
        return ("\n".join(lines) + "\n").encode()
    return build_stream(ENCODERS[ENCODER_OF.get(name, name)](), telegrams, FAULTS, seed).data


def _summary(events: list) -> tuple[list, dict[str, int]]:
    """Frames and replies in order; counters as totals (a count may be split over several events)."""
    ordered = [e for e in events if not isinstance(e, Counter)]
    totals: dict[str, int] = {}
    for e in events:
        if isinstance(e, Counter):
            totals[e.name] = totals.get(e.name, 0) + e.count
    return ordered, totals


def _run(name: str, pieces: list[bytes]) -> tuple[list, dict[str, int]]:
    framer = make_framer(name)
    events: list = []
    for piece in pieces:
        events += framer.feed(piece)
    return _summary(events + framer.close())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), cuts=st.lists(st.floats(0, 1), max_size=60), data=st.data())
@pytest.mark.parametrize("name", sorted(FRAMERS))
def test_any_chunking_gives_the_same_events(name: str, seed: int, cuts: list[float], data: st.DataObject) -> None:
    stream = _stream(name, seed)
    points = sorted({int(c * len(stream)) for c in cuts})
    pieces = [stream[a:b] for a, b in zip([0, *points], [*points, len(stream)], strict=True)]
    whole = _run(name, [stream])
    assert _run(name, pieces) == whole
    if data.draw(st.booleans(), label="also byte by byte"):
        assert _run(name, [stream[i:i + 1] for i in range(len(stream))]) == whole
    assert any(isinstance(e, Frame) for e in whole[0])


@pytest.mark.parametrize("name", ["im871a", "iu891a", "amb8465", "cul"])
def test_telegram_between_command_and_reply_is_a_frame(name: str) -> None:
    """The stick answers late: reply, telegram, reply must come out in that order, each as what it is."""
    enc = ENCODERS[name]()
    frame, rx = _heard(1, 3)[0]
    replies = enc.replies()
    assert replies, "the simulated stick has replies to interleave"
    stream = replies[0] + enc.telegram(frame, rx).data + replies[-1]
    framer = make_framer(name)
    events = [e for e in framer.feed(stream) + framer.close() if not isinstance(e, Counter)]
    assert [type(e) for e in events] == [CommandReply, Frame, CommandReply]
    assert events[1].frame == frame


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 1 << 30))
@pytest.mark.parametrize("name", sorted(FRAMERS))
def test_hostile_input_stays_within_the_buffer_bound(name: str, seed: int) -> None:
    rng = random.Random(seed)
    framer = make_framer(name)
    specials = [b"\xa5", b"\xc0", b"\xdb", b"\xff\x03", b"\xfe\x44\x2d\x2c", b"b", b"\n", b"T1;1;1;", b"{", b"=",
                b"\x68\xff\xff\x68", b"0" * 700]
    for _ in range(300):
        chunk = rng.randbytes(rng.randrange(64)) if rng.random() < 0.5 else rng.choice(specials) * rng.randrange(1, 40)
        for e in framer.feed(chunk):
            assert not isinstance(e, Frame) or e.frame[0] == len(e.frame) - 1 or e.frame[0] == 0x68
        assert framer.buffered() <= framer.max_buffered
    framer.close()
    assert framer.buffered() == 0


def test_command_builders_are_the_documented_bytes() -> None:
    """Bytes as given in the IMST HCI, iU891A, Amber and culfw documentation (checksums recomputed there)."""
    h = bytes.fromhex
    assert Im871aCommands.set_link_mode("T1") == h("A5 81 03 06 00 02 03 30 01 00 E3 46")
    assert Im871aCommands.device_info()[:4] == h("A5 81 0F 00")
    assert Iu891aCommands.ping() == h("C0 01 01 16 07 C0")
    assert Iu891aCommands.device_info() == h("C0 01 03 04 24 C0")
    assert Iu891aCommands.wmbus_address() == h("C0 09 81 DE 4D C0")
    assert Iu891aCommands.set_link_mode("C1T1") == h("C0 09 03 03 06 00 00 00 00 00 00 00 00 00 A1 76 C0")
    assert Iu891aCommands.wake_up() == b"\xc0" * 30
    modes = {"T1": "FF 04 01 08 F2", "C1": "FF 04 01 0E F4", "C1T1": "FF 04 01 09 F3", "S1": "FF 04 01 03 F9"}
    for mode, want in modes.items():
        assert AmberCommands.set_mode(mode) == h(want)
    assert AmberCommands.set_parameter(0x05, 1) == h("FF 09 03 05 01 01 F0")
    assert AmberCommands.set_parameter(0x45, 1) == h("FF 09 03 45 01 01 B0")
    assert AmberCommands.set_parameter(0x46, 9) == h("FF 09 03 46 01 09 BB")
    assert AmberCommands.get_parameters() == h("FF 0A 02 00 80 77")
    assert AmberCommands.serial_number() == h("FF 0B 00 F4")
    assert AmberCommands.firmware() == h("FF 0C 00 F3")
    assert AmberCommands.reset() == h("FF 05 00 FA")
    assert AmberCommands.factory_reset() == h("FF 11 00 EE")
    assert Rc1180Commands.enter_config() == b"\x00"
    assert Rc1180Commands.read_memory() == b"0"
    assert Rc1180Commands.leave_config() == b"X"
    assert Rc1180Commands.write_memory({0x05: 1, 0x03: 1}) == b"M\x03\x01\x05\x01\xff"
    assert CulCommands.set_link_mode("T1") == b"brt\r\n"
    assert CulCommands.version().endswith(b"V\r\n")
    assert CulCommands.report_rssi() == b"X21\r\n"


def test_imst_replies_to_the_builders_are_replies() -> None:
    """The real iM871A answers (device info, get config, ping) come out as replies to the right message."""
    framer = make_framer("im871a")
    events = framer.feed(bytes.fromhex("A58110083300130 1F13A000053D9".replace(" ", ""))
                         + bytes.fromhex("A58102004CA3"))
    assert [(e.command, e.payload.hex().upper()) for e in events if isinstance(e, CommandReply)] == [
        ((1, 0x10), "33001301F13A0000"), ((1, 0x02), "")]


def test_rc1180_reply_waits_through_a_silence_and_a_cut_reply_fails() -> None:
    """The prompt may come after a pause; a dump cut short is a failed reply, and telegrams follow it."""
    framer = make_framer("rc1180")
    assert framer.expect(1) == []
    assert framer.gap() == []  # no byte yet: still waiting
    events = framer.feed(b">")
    assert [(e.command, e.payload, e.ok) for e in events if isinstance(e, CommandReply)] == [("prompt", b">", True)]
    framer.expect(257)
    framer.feed(bytes(100))
    cut = framer.gap()
    assert [(e.command, len(e.payload), e.ok) for e in cut] == [("dump", 100, False)]
    frame, rx = _heard(1, 5)[0]
    telegram = ENCODERS["rc1180"]().telegram(frame, rx).data
    assert [e.frame for e in framer.feed(telegram) if isinstance(e, Frame)] == [frame]


def test_rtl433_hostile_json_lines_are_bad_lines() -> None:
    """Found by the fuzz benchmark: json.loads raises ValueError, not only JSONDecodeError, on a
    5,000-digit number, and RecursionError on deep nesting; each is one bad line, never an exception."""
    framer = make_framer("rtl433")
    lines = [b'{"a":' + b"9" * 5000 + b"}", b'{"a":' + b"[" * 4000, b'{"a":' + b"[" * 4000 + b"]" * 4000 + b"}"]
    events = framer.feed(b"\n".join(lines) + b"\n")
    assert events == [Counter("bad_lines")] * 3
