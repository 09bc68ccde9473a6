"""Contract-2 batch payloads, bytes in, a validated batch out (sans-IO: no broker, no database here).

Accepted payload forms (the encoding is marked inside the payload, never in the topic):

* plain JSON: the UTF-8 batch object itself, ``{"van_id", "batch_seq", "records": [...]}``; it starts
  with ``{`` (leading whitespace and a UTF-8 BOM are allowed);
* one marker byte, then the compressed JSON batch: ``0x01`` = zlib stream (RFC 1950), ``0x02`` = zstd
  frame (RFC 8878), ``0x03`` = gzip member (RFC 1952);
* a JSON envelope ``{"encoding": "zlib"|"zstd"|"gzip", "data": "<base64 of the compressed JSON batch>"}``
  for transports that want text;
* the collector's compact form, ``AMRB1\\x00z\\n`` + zlib (frames as bytes, metadata as columns; layout in
  ``collector.sync.codec``), which is what vans send: it keeps the bytes on the wire below the raw frames'.

Each record needs ``seq`` (integer) and ``frame`` (hex string); ``received_at`` (ISO 8601, UTC when no
offset is given), ``rssi_dbm``, ``link_mode``, ``dongle``, ``heard_count``, ``lat`` and ``lon`` are kept
when present.  Anything else is a ``PayloadError`` whose message names the place (record index, field),
so the consumer can quarantine the payload with that reason and carry on.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import gzip
import json
import zlib
from dataclasses import dataclass
from typing import Any

MARKERS = {1: "zlib", 2: "zstd", 3: "gzip"}
COMPACT_MAGIC = b"AMRB1\x00z\n"  # collector.sync.codec.MAGIC: the collector's compact form
INT_MAX = 2**31 - 1  # the SQL integer columns these numbers land in
MAX_INFLATED = 64 * 1024 * 1024  # a decompression bomb stops here instead of eating the worker's memory


class PayloadError(ValueError):
    """A batch payload that cannot be stored as a batch; ``van_id``/``batch_seq`` when they were readable."""

    def __init__(self, message: str, van_id: str | None = None, batch_seq: int | None = None) -> None:
        super().__init__(message)
        self.van_id = van_id
        self.batch_seq = batch_seq


@dataclass(slots=True)
class Record:
    seq: int
    frame: bytes | None  # None when the hex text was bad; ``frame_text`` then keeps what came
    frame_text: str
    received_at: dt.datetime | None
    rssi_dbm: float | None
    link_mode: str | None
    dongle: str | None
    heard_count: int | None
    lat: float | None
    lon: float | None


@dataclass(slots=True)
class Batch:
    van_id: str
    batch_seq: int
    records: list[Record]


def _inflate(encoding: str, data: bytes) -> bytes:
    try:
        if encoding == "zlib":
            d = zlib.decompressobj()
            out = d.decompress(data, MAX_INFLATED)
            if d.unconsumed_tail:
                raise PayloadError(f"zlib payload inflates beyond {MAX_INFLATED} bytes")
            return out
        if encoding == "gzip":
            d = zlib.decompressobj(wbits=31)
            out = d.decompress(data, MAX_INFLATED)
            if d.unconsumed_tail:
                raise PayloadError(f"gzip payload inflates beyond {MAX_INFLATED} bytes")
            return out
        if encoding == "zstd":
            import zstandard

            return zstandard.ZstdDecompressor().decompress(data, max_output_size=MAX_INFLATED)
    except (zlib.error, gzip.BadGzipFile, EOFError) as exc:
        raise PayloadError(f"{encoding} payload does not decompress: {exc}") from None
    except Exception as exc:  # zstandard.ZstdError has no stable import path across versions
        raise PayloadError(f"{encoding} payload does not decompress: {exc}") from None
    raise PayloadError(f"unknown encoding {encoding!r} (known: zlib, zstd, gzip)")


def decode_bytes(payload: bytes) -> Any:
    """The JSON value inside ``payload``, whichever accepted form it came in."""
    if not payload:
        raise PayloadError("empty payload")
    if payload.startswith(COMPACT_MAGIC):
        # The collector's compact form (frames as bytes, metadata as columns), decoded by the very codec
        # that wrote it, so the two sides of contract 2 cannot drift apart.
        from collector.sync.codec import PayloadError as CompactError
        from collector.sync.codec import decode_batch

        try:
            return decode_batch(payload)
        except CompactError as exc:
            raise PayloadError(str(exc)) from None
    if payload[0] in MARKERS:
        return _json(_inflate(MARKERS[payload[0]], payload[1:]), f"{MARKERS[payload[0]]}-compressed payload")
    obj = _json(payload, "payload")
    if isinstance(obj, dict) and "encoding" in obj and "data" in obj and "records" not in obj:
        enc, data = obj["encoding"], obj["data"]
        if not isinstance(enc, str) or not isinstance(data, str):
            raise PayloadError("envelope: 'encoding' and 'data' must be strings")
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise PayloadError("envelope: 'data' is not base64") from None
        return _json(_inflate(enc, raw), f"{enc}-compressed envelope data")
    return obj


def _json(data: bytes, what: str) -> Any:
    try:
        text = data.decode("utf-8-sig")  # json.loads would guess UTF-16/32 from the bytes; the contract is UTF-8
    except UnicodeDecodeError:
        raise PayloadError(f"{what} is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PayloadError(f"{what} is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def _place(where: str | int) -> str:
    return f"record {where}" if isinstance(where, int) else where


def _opt_float(v: Any, name: str, where: str | int) -> float | None:
    if v is None or type(v) is float:
        return v
    if type(v) is not int:  # bool is not a number here
        raise PayloadError(f"{_place(where)}: '{name}' must be a number, got {type(v).__name__}")
    return float(v)


def _time(v: Any, where: str | int) -> dt.datetime | None:
    if v is None:
        return None
    if not isinstance(v, str):
        raise PayloadError(f"{_place(where)}: 'received_at' must be an ISO 8601 string")
    try:
        t = dt.datetime.fromisoformat(v)  # Python 3.11+ reads "Z" and every ISO 8601 form collectors send
    except ValueError:
        raise PayloadError(f"{_place(where)}: 'received_at' {v[:40]!r} is not ISO 8601") from None
    if t.tzinfo is None:
        return t.replace(tzinfo=dt.UTC)
    return t if t.tzinfo is dt.UTC else t.astimezone(dt.UTC)


def parse_record(rec: Any, where: str | int) -> Record:
    """One record object (of a batch or of an export line) checked and typed.

    ``where`` names the place in error messages: a text, or a record index (said "record N").  It runs
    once per frame on the ingest hot path, hence exact ``type()`` checks (JSON gives no subclasses) and
    the message built only when there is an error.
    """
    if type(rec) is not dict:
        raise PayloadError(f"{_place(where)}: a record must be an object")
    get = rec.get
    seq = get("seq")
    if type(seq) is not int or not 0 <= seq <= INT_MAX:
        raise PayloadError(f"{_place(where)}: 'seq' must be an integer from 0 to {INT_MAX}")
    text = get("frame")
    if type(text) is not str:
        raise PayloadError(f"{_place(where)}: 'frame' must be a hex string")
    try:
        frame: bytes | None = bytes.fromhex(text)
    except ValueError:
        frame = None  # kept as text and quarantined as corrupt: never dropped
    hc = get("heard_count")
    if hc is not None and (type(hc) is not int or not 0 <= hc <= INT_MAX):
        raise PayloadError(f"{_place(where)}: 'heard_count' must be an integer from 0 to {INT_MAX}")
    lm, dg = get("link_mode"), get("dongle")
    return Record(seq, frame, text, _time(get("received_at"), where), _opt_float(get("rssi_dbm"), "rssi_dbm", where),
                  str(lm)[:8] if lm is not None else None, str(dg)[:64] if dg is not None else None, hc,
                  _opt_float(get("lat"), "lat", where), _opt_float(get("lon"), "lon", where))


def parse_batch(payload: bytes, topic_van: str | None = None) -> Batch:
    """Validate a whole batch; the van of the topic, when given, must match the payload's."""
    obj = decode_bytes(payload)
    if not isinstance(obj, dict):
        raise PayloadError("batch must be a JSON object")
    van, seq = obj.get("van_id"), obj.get("batch_seq")
    if not isinstance(van, str) or not van or len(van) > 64:
        raise PayloadError("batch: 'van_id' must be a non-empty string of at most 64 characters")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= INT_MAX:
        raise PayloadError(f"batch: 'batch_seq' must be an integer from 0 to {INT_MAX}", van)
    if topic_van is not None and topic_van != van:
        raise PayloadError(f"batch: van_id {van!r} does not match the topic's van {topic_van!r}", van, seq)
    records = obj.get("records")
    if not isinstance(records, list):
        raise PayloadError("batch: 'records' must be a list", van, seq)
    try:
        parsed = [parse_record(r, i) for i, r in enumerate(records)]
    except PayloadError as exc:
        raise PayloadError(str(exc), van, seq) from None
    if len({r.seq for r in parsed}) != len(parsed):
        raise PayloadError("batch: two records share one 'seq'", van, seq)
    return Batch(van, seq, parsed)


def encode_batch(batch: dict[str, Any], encoding: str = "json") -> bytes:
    """The payload for ``batch`` in one accepted form (used by tests, benchmarks and import tools)."""
    text = json.dumps(batch, separators=(",", ":")).encode()
    if encoding == "json":
        return text
    if encoding == "zlib":
        return b"\x01" + zlib.compress(text)
    if encoding == "zstd":
        import zstandard

        return b"\x02" + zstandard.ZstdCompressor().compress(text)
    if encoding == "gzip":
        return b"\x03" + gzip.compress(text)
    if encoding.startswith("envelope-"):
        inner = encode_batch(batch, encoding.removeprefix("envelope-"))[1:]
        return json.dumps({"encoding": encoding.removeprefix("envelope-"),
                           "data": base64.b64encode(inner).decode()}).encode()
    raise ValueError(f"unknown encoding {encoding!r}")
