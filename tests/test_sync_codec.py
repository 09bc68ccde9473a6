"""Batch payloads (plain JSON and the compact compressed form) and the broker URL."""

from __future__ import annotations

import json
import random

import pytest

from collector.outbox import BatchRecord
from collector.sync.broker_url import BrokerUrlError, parse_broker_url
from collector.sync.codec import MAGIC, PayloadError, decode_batch, encode_batch


def records(n: int, seed: int = 1, pos: bool = False) -> list[BatchRecord]:
    rng = random.Random(seed)
    out, seq, t = [], 40, 1_777_777_777_000_000
    for i in range(n):
        seq += rng.randint(1, 3)
        t += rng.randint(0, 3_000) * 1000  # the outbox keeps milliseconds
        frame = bytes([0x2E, 0x44, 0x01, 0x06]) + rng.randbytes(rng.randint(8, 60))
        out.append(BatchRecord(seq, frame, t, rng.choice([None, -71.5, -80.0, -100.25]),
                               rng.choice([None, "T1", "C1"]), rng.choice(["im871a", "cul"]), rng.randint(1, 4),
                               52.2 + i / 1e4 if pos and i % 3 else None, 21.0 + i / 1e4 if pos and i % 3 else None))
    return out


def test_microsecond_times_roundtrip_too() -> None:
    recs = [BatchRecord(1, b"\x01\x44", 1_777_777_777_123_457, -70.123, None, "raw", 1, None, None)]
    assert decode_batch(encode_batch("v", 1, recs))["records"] == [recs[0].to_json_obj()]


@pytest.mark.parametrize("compression", ["zlib", "none"])
@pytest.mark.parametrize("pos", [False, True])
def test_roundtrip_equals_plain_form(compression: str, pos: bool) -> None:
    recs = records(300, pos=pos)
    payload = encode_batch("van-7", 12, recs, compression)
    expected = {"van_id": "van-7", "batch_seq": 12, "records": [r.to_json_obj() for r in recs]}
    assert decode_batch(payload) == expected
    assert payload.startswith(MAGIC if compression == "zlib" else b"{")


def test_plain_form_is_the_contract_object() -> None:
    obj = json.loads(encode_batch("v", 1, records(2), "none"))
    assert set(obj) == {"van_id", "batch_seq", "records"}
    assert set(obj["records"][0]) == {"seq", "frame", "received_at", "rssi_dbm", "link_mode", "dongle", "heard_count"}


def test_empty_batch_roundtrips() -> None:
    assert decode_batch(encode_batch("v", 3, [], "zlib")) == {"van_id": "v", "batch_seq": 3, "records": []}


def test_compact_costs_few_bytes_beyond_the_frames() -> None:
    """Random frames cannot shrink; the metadata must cost only a few bytes a record (realistic drives: bench)."""
    recs = records(500)
    raw = sum(len(r.frame) for r in recs)
    compact, plain = len(encode_batch("v", 1, recs, "zlib")), len(encode_batch("v", 1, recs, "none"))
    assert compact < raw + 6 * len(recs)
    assert plain > 2 * raw and compact < plain / 2


@pytest.mark.parametrize("payload", [b"", b"garbage", MAGIC + b"not zlib", b"{not json", b'{"records": 3}',
                                     MAGIC[:-1]])
def test_bad_payloads_raise_payload_error(payload: bytes) -> None:
    with pytest.raises(PayloadError):
        decode_batch(payload)


def test_truncated_compact_payload_is_refused() -> None:
    import zlib

    good = encode_batch("v", 1, records(5), "zlib")
    body = zlib.decompress(good[len(MAGIC):])
    with pytest.raises(PayloadError, match=r"cut short|malformed"):
        decode_batch(MAGIC + zlib.compress(body[:-3]))
    with pytest.raises(PayloadError, match="trailing"):
        decode_batch(MAGIC + zlib.compress(body + b"x"))


def test_broker_url() -> None:
    u = parse_broker_url("mqtts://van%2D7:p%40ss@broker.example:8884")
    assert (u.host, u.port, u.username, u.password, u.tls) == ("broker.example", 8884, "van-7", "p@ss", True)
    assert "p@ss" not in u.redacted() and u.tls_context() is not None
    u = parse_broker_url("mqtt://localhost")
    assert (u.port, u.username, u.tls, u.tls_context()) == (1883, None, False, None)
    assert parse_broker_url("mqtts://h").port == 8883
    for bad, msg in [("http://h", "mqtt:// or mqtts://"), ("mqtt://", "no host"), ("mqtt://h:99999", "(?i)port")]:
        with pytest.raises(BrokerUrlError, match=msg):
            parse_broker_url(bad)
