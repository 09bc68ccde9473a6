"""`Telegram.json_line` (what `amr decode` prints) is byte for byte the JSON of `to_json`.

The CLI's line is built from a layout's precompiled record template and generated value
function; these tests hold it to the plain path (dicts encoded by orjson) and to a full parse.
"""

from __future__ import annotations

import json
import random

import orjson
from conftest import load_vectors, mutated_payloads, vector_keys
from frames import le, wmbus

from decoders import Decoder, parse_hex
from decoders.records import _HEADERS, source_lambda

VECTORS = load_vectors()


def _plain(t) -> bytes:  # type: ignore[no-untyped-def]
    """The reference: to_json encoded by orjson, an integer beyond 64 bits as the exact number."""
    def wide(o):  # type: ignore[no-untyped-def]
        if isinstance(o, dict):
            return {k: wide(v) for k, v in o.items()}
        if isinstance(o, list):
            return [wide(v) for v in o]
        return orjson.Fragment(str(o).encode()) if type(o) is int and abs(o) >= 2**63 else o

    return orjson.dumps(wide(t.to_json()), option=orjson.OPT_APPEND_NEWLINE)


def _stream() -> list[bytes]:
    frames = []
    for v in VECTORS:
        frames += [parse_hex(p) for p in v["prior_telegrams_hex"]]
        frames.append(parse_hex(v["telegram_hex"]))
    return frames


def test_every_vector_line_equals_plain_encoding_and_first_full_parse() -> None:
    d = Decoder(vector_keys())
    frames = _stream()
    first = [d.decode_safe(f).json_line() for f in frames]  # layouts learned by full parses
    planned = 0
    for _ in range(10):  # a plan prints plainly up to its 8th payload, then by its compiled code
        for f, expected in zip(frames, first, strict=True):
            t = d.decode_safe(f)
            planned += t._plan is not None and t._records is None
            line = t.json_line()
            assert line == expected, f.hex()
            assert line == _plain(t), f.hex()
    assert planned > 600  # the fast path is what was compared


def test_changed_values_give_the_line_of_a_fresh_full_parse() -> None:
    """Same layouts, random values (invalid BCD digits, dates, sign bits): the planned line must be
    the line a decoder that never saw the layout prints."""
    rng = random.Random(11)
    keys = vector_keys()
    warm = Decoder(keys)
    checked = 0
    for g in mutated_payloads(warm, 30, 4, rng):
        fast = warm.decode_safe(g)
        assert fast.json_line() == Decoder(keys).decode_safe(g).json_line() == _plain(fast), g.hex()
        checked += fast._plan is not None and fast._records is None
    assert checked > 300


def test_integer_beyond_64_bits_is_the_exact_number() -> None:
    """An 8-byte field times a VIF multiplier (here from a damaged telegram) exceeds what orjson
    encodes; the line must still be JSON with the exact value (it used to be a traceback)."""
    frame = bytes.fromhex("394493449068171316077a0b0000202a1335861200ca1307bd1200426cdf2ccc081307851200c2086c"
                          "df2c02bb566b00326cffff046d3014e121")
    d = Decoder()
    for _ in range(10):  # full parse, then the layout plan, plain and then compiled
        line = d.decode_safe(frame).json_line()
        values = [r["value"] for r in json.loads(line)["records"]]
        assert -497136170056176384000 in values


def test_text_with_commas_quotes_and_percent_signs() -> None:
    """Text values break the one-call value encoding (a comma inside a value) and a `%` in a
    unit would be a format directive in the template: both must come out as orjson writes them."""
    text = 'a,b "c" %s, 100%'.encode("latin-1")
    records = (
        bytes([0x0D, 0xFD, 0x11, len(text)]) + text[::-1]  # customer (text), variable length
        + bytes([0x04, 0x7C, 0x03]) + b"%RH"[::-1] + le(-1234, 4)  # plain-text VIF "%RH"
        + bytes([0x0C, 0x13]) + bytes.fromhex("78563412")  # BCD volume
        + bytes([0x02, 0xFD, 0x17]) + le(5, 2)
    )
    frame = wmbus(0x1234, "12345678", 1, 0x07, bytes([0x7A, 0x01, 0x00, 0x00, 0x00]) + records)
    d = Decoder()
    first = d.decode_safe(frame)
    assert first.error is None and first.records[0].value == text.decode("latin-1")
    for _ in range(10):  # the layout plan, plain and then compiled
        second = d.decode_safe(frame)
        assert second._plan is not None and second._records is None
        assert second.json_line() == first.json_line() == _plain(second)
    assert second._plan._line is not None  # the template path was taken
    assert b'"unit":"%RH"' in second.json_line() and b'"value":-1234' in second.json_line()


def test_header_source_expressions_compute_what_the_decoders_compute() -> None:
    """`_Header.source` is inlined into the layouts' generated value functions."""
    d = Decoder(vector_keys())
    for f in _stream():
        d.decode_safe(f)
    rng = random.Random(3)
    with_source = [h for h in _HEADERS.values() if h.source is not None]
    assert len(with_source) > 30
    for h in with_source:
        size = len(h.prefix) and {1: 1, 2: 2, 3: 3, 4: 4, 6: 6, 7: 8, 9: 1, 10: 2, 11: 3, 12: 4, 14: 6}[h.low]
        f = source_lambda(h.source)
        for raw in [bytes(rng.randrange(256) for _ in range(size)) for _ in range(50)] + [b"\xff" * size]:
            assert repr(f(raw)) == repr(h.decode(raw)), (h.dif.hex(), h.vif.hex(), raw.hex())


def test_mutated_frames_print_without_exceptions() -> None:
    """What `amr decode` prints for damaged telegrams: a JSON line, never an exception, and the
    same bytes through the layout plans as through the dict path."""
    rng = random.Random(5)
    frames = _stream()
    d = Decoder(vector_keys())
    for _ in range(20000):
        f = bytearray(frames[rng.randrange(len(frames))])
        for _ in range(rng.randrange(1, 4)):
            pos = rng.randrange(max(len(f), 1))
            kind = rng.random()
            if kind < 0.7 and f:
                f[pos] = rng.randrange(256)
            elif kind < 0.85:
                f.insert(pos, rng.randrange(256))
            elif len(f) > 12:
                del f[pos:]
        if f and rng.random() < 0.5:
            f[0] = (len(f) - 1) & 0xFF  # keep the L-field right half the time: the payload gets parsed
        t = d.decode_safe(bytes(f))
        line = t.json_line()
        assert line == _plain(t)
        json.loads(line)
