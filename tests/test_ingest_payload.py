"""Contract-2 payload forms (sans-IO): every accepted encoding, and a precise message for each bad one."""

from __future__ import annotations

import base64
import json
import zlib

import pytest

from ingest.consumer.payload import PayloadError, encode_batch, parse_batch

BATCH = {"van_id": "van-7", "batch_seq": 12, "records": [
    {"seq": 0, "frame": "2E44A7322589073633067A", "received_at": "2026-10-01T08:00:00Z", "rssi_dbm": -80,
     "link_mode": "T1", "dongle": "im871a", "heard_count": 2, "lat": 50.1, "lon": 18.9},
    {"seq": 1, "frame": "2e44a732", "received_at": "2026-10-01T10:00:00+02:00"}]}


@pytest.mark.parametrize("form", ["json", "zlib", "zstd", "gzip", "envelope-zlib", "envelope-zstd", "envelope-gzip"])
def test_every_accepted_form_gives_the_same_batch(form: str) -> None:
    b = parse_batch(encode_batch(BATCH, form), "van-7")
    assert (b.van_id, b.batch_seq, len(b.records)) == ("van-7", 12, 2)
    assert b.records[0].frame == bytes.fromhex("2E44A7322589073633067A") and b.records[0].heard_count == 2
    assert b.records[1].received_at is not None and b.records[1].received_at.isoformat() == "2026-10-01T08:00:00+00:00"


@pytest.mark.parametrize(("payload", "message"), [
    (b"", "empty payload"),
    (b"\x01garbage", "zlib payload does not decompress"),
    (b"\x02garbage", "zstd payload does not decompress"),
    (b"[1, 2]", "batch must be a JSON object"),
    (b"{\"van_id\": \"v\", \"batch_seq\": 1, \"records\": [", "payload is not JSON"),
    (b"\xff\xfe{}", "payload is not UTF-8 text"),
    (json.dumps({"van_id": "", "batch_seq": 1, "records": []}).encode(), "'van_id' must be a non-empty string"),
    (json.dumps({"van_id": "v", "batch_seq": -1, "records": []}).encode(), "'batch_seq' must be an integer from 0"),
    (json.dumps({"van_id": "v", "batch_seq": 2**31, "records": []}).encode(), "'batch_seq' must be an integer from 0"),
    (json.dumps({"van_id": "v", "batch_seq": 1}).encode(), "'records' must be a list"),
    (json.dumps({"van_id": "v", "batch_seq": 1, "records": [{"frame": "00"}]}).encode(), "record 0: 'seq'"),
    (json.dumps({"van_id": "v", "batch_seq": 1, "records": [{"seq": 0, "frame": "00", "rssi_dbm": "x"}]}).encode(),
     "record 0: 'rssi_dbm' must be a number"),
    (json.dumps({"van_id": "v", "batch_seq": 1, "records": [{"seq": 0, "frame": "00", "received_at": "yesterday"}]})
     .encode(), "record 0: 'received_at' 'yesterday' is not ISO 8601"),
    (json.dumps({"van_id": "v", "batch_seq": 1, "records": [{"seq": 0, "frame": "00"}, {"seq": 0, "frame": "01"}]})
     .encode(), "two records share one 'seq'"),
    (json.dumps({"encoding": "brotli", "data": base64.b64encode(b"x").decode()}).encode(), "unknown encoding 'brotli'"),
    (json.dumps({"encoding": "zlib", "data": "%%%"}).encode(), "'data' is not base64"),
])
def test_bad_payloads_name_the_problem(payload: bytes, message: str) -> None:
    with pytest.raises(PayloadError) as err:
        parse_batch(payload)
    assert message in str(err.value)


def test_topic_van_must_match_and_bad_hex_is_kept_not_dropped() -> None:
    with pytest.raises(PayloadError, match="does not match the topic's van 'van-8'") as err:
        parse_batch(encode_batch(BATCH), "van-8")
    assert (err.value.van_id, err.value.batch_seq) == ("van-7", 12)
    b = parse_batch(json.dumps({"van_id": "v", "batch_seq": 0, "records": [{"seq": 0, "frame": "zz"}]}).encode())
    assert b.records[0].frame is None and b.records[0].frame_text == "zz"


def test_decompression_bomb_is_refused() -> None:
    bomb = b"\x01" + zlib.compress(b" " * (65 * 1024 * 1024), 9)
    with pytest.raises(PayloadError, match="inflates beyond"):
        parse_batch(bomb)
