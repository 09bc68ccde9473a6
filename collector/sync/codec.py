"""Batch payloads for contract 2: the plain JSON form and the compact compressed form.

Why a compact form: the van pays for mobile data, and the issue bounds the bytes on the wire at 1.0×
the raw frame bytes per record. Encrypted wM-Bus payloads are random bytes, so JSON with hex frames
(2 characters per byte) plus per-record metadata cannot get there even after deflate. The compact
form sends the frames as bytes and the metadata as columns that compress to almost nothing.

The encoding is marked in the payload itself (contract 2), never in the topic:

* a payload whose first byte is ``{`` is the plain JSON batch object
  ``{"van_id", "batch_seq", "records": [record objects]}`` (any tool may publish this form);
* a payload starting with the 8 ASCII bytes ``AMRB1\\x00z\\n`` is the compact form: a zlib stream
  (RFC 1950) of a JSON header line followed by binary columns.

Compact form, after inflating::

    header JSON line (UTF-8) + b"\n"
      {"van_id": str, "batch_seq": int, "n": int, "seq0": int, "t0_us": int, "t_unit_us": 1 | 1000,
       "dongles": [str], "link_modes": [str|null], "rssi": [float|null] | null,
       "latlon": [[lat, lon] | null] | null}
    then, each as little-endian arrays of n items:
      seq delta from the previous record (int64; the first from seq0)
      received_at delta from the previous record, in t_unit_us (int64; the first from t0_us)
      frame length (uint16)
      heard_count (uint32)
      index into "dongles" (uint16), index into "link_modes" (uint16)
      RSSI: when "rssi" is null, centi-dBm (int16, -32768 = unknown); else an index into "rssi" (uint16)
    then the frames, concatenated.

``received_at`` is microseconds since the Unix epoch (UTC); ``latlon`` is present only when some
record has a position. Decoding yields exactly the plain form's objects.
"""

from __future__ import annotations

import json
import sys
import zlib
from array import array

from collector.outbox import BatchRecord, us_to_iso

MAGIC = b"AMRB1\x00z\n"
_NO_RSSI = -32768
_LE = sys.byteorder == "little"


class PayloadError(ValueError):
    """A batch payload that is neither plain JSON nor a valid compact form."""


def _arr(code: str, values: list[int]) -> bytes:
    a = array(code, values)
    if not _LE:
        a.byteswap()
    return a.tobytes()


def _unarr(code: str, data: memoryview, offset: int, n: int) -> tuple[array, int]:
    a = array(code)
    size = a.itemsize * n
    chunk = data[offset:offset + size]
    if len(chunk) != size:
        raise PayloadError("compact batch: column cut short")
    a.frombytes(chunk)
    if not _LE:
        a.byteswap()
    return a, offset + size


def _index(table: dict, value: object) -> int:
    i = table.get(value)
    if i is None:
        i = table[value] = len(table)
    return i


def encode_plain(van_id: str, batch_seq: int, records: list[BatchRecord]) -> bytes:
    obj = {"van_id": van_id, "batch_seq": batch_seq, "records": [r.to_json_obj() for r in records]}
    return json.dumps(obj, separators=(",", ":")).encode()


def _rssi_centi(values: list[float | None]) -> list[int] | None:
    """RSSI as centi-dBm when that is exact for every record (sticks report 0.1 or 0.5 dB steps)."""
    out = []
    for v in values:
        if v is None:
            out.append(_NO_RSSI)
            continue
        c = round(v * 100)
        if c / 100 != v or not -32767 <= c <= 32767:
            return None
        out.append(c)
    return out


def encode_compact(van_id: str, batch_seq: int, records: list[BatchRecord], level: int = 6) -> bytes:
    n = len(records)
    dongles: dict = {}
    modes: dict = {}
    seq0 = records[0].seq if records else 0
    t0 = records[0].received_at_us if records else 0
    times = [r.received_at_us for r in records]
    unit = 1000 if all(t % 1000 == 0 for t in times) else 1
    seq_d, t_d, lens, counts, di, mi = [], [], [], [], [], []
    prev_seq, prev_t = seq0, t0
    has_pos = False
    for r in records:
        seq_d.append(r.seq - prev_seq)
        prev_seq = r.seq
        t_d.append((r.received_at_us - prev_t) // unit)
        prev_t = r.received_at_us
        lens.append(len(r.frame))
        counts.append(r.heard_count)
        di.append(_index(dongles, r.dongle))
        mi.append(_index(modes, r.link_mode))
        if r.lat is not None and r.lon is not None:
            has_pos = True
    rssi_values = [r.rssi_dbm for r in records]
    centi = _rssi_centi(rssi_values)
    rssi_table: dict | None = None
    if centi is None:
        rssi_table = {}
        rssi_col = _arr("H", [_index(rssi_table, v) for v in rssi_values])
    else:
        rssi_col = _arr("h", centi)
    header = {"van_id": van_id, "batch_seq": batch_seq, "n": n, "seq0": seq0, "t0_us": t0, "t_unit_us": unit,
              "dongles": list(dongles), "link_modes": list(modes),
              "rssi": None if rssi_table is None else list(rssi_table),
              "latlon": [[r.lat, r.lon] if r.lat is not None and r.lon is not None else None for r in records]
              if has_pos else None}
    body = b"".join([json.dumps(header, separators=(",", ":")).encode(), b"\n",
                     _arr("q", seq_d), _arr("q", t_d), _arr("H", lens), _arr("I", counts),
                     _arr("H", di), _arr("H", mi), rssi_col, *(r.frame for r in records)])
    return MAGIC + zlib.compress(body, level)


def encode_batch(van_id: str, batch_seq: int, records: list[BatchRecord], compression: str = "zlib") -> bytes:
    """The payload for one batch: ``compression`` is ``"zlib"`` (compact form) or ``"none"`` (plain JSON)."""
    if compression == "none":
        return encode_plain(van_id, batch_seq, records)
    if compression == "zlib":
        return encode_compact(van_id, batch_seq, records)
    raise ValueError(f"unknown compression {compression!r} (use zlib or none)")


def decode_batch(payload: bytes) -> dict:
    """Either form → the plain batch object ``{"van_id", "batch_seq", "records": [...]}``."""
    if payload[:1] == b"{":
        try:
            obj = json.loads(payload)
        except ValueError as exc:
            raise PayloadError(f"plain batch: invalid JSON ({exc})") from exc
        if not isinstance(obj, dict) or "batch_seq" not in obj or not isinstance(obj.get("records"), list):
            raise PayloadError("plain batch: needs van_id, batch_seq and a records list")
        return obj
    if not payload.startswith(MAGIC):
        raise PayloadError("batch payload is neither JSON nor the compact form (unknown leading bytes)")
    try:
        body = zlib.decompress(payload[len(MAGIC):])
    except zlib.error as exc:
        raise PayloadError(f"compact batch: bad zlib stream ({exc})") from exc
    nl = body.find(b"\n")
    if nl < 0:
        raise PayloadError("compact batch: no header line")
    try:
        h = json.loads(body[:nl])
        n = int(h["n"])
        data = memoryview(body)
        off = nl + 1
        seq_d, off = _unarr("q", data, off, n)
        t_d, off = _unarr("q", data, off, n)
        lens, off = _unarr("H", data, off, n)
        counts, off = _unarr("I", data, off, n)
        di, off = _unarr("H", data, off, n)
        mi, off = _unarr("H", data, off, n)
        table = h["rssi"]
        rc, off = _unarr("h" if table is None else "H", data, off, n)
        rssi = ([None if c == _NO_RSSI else c / 100 for c in rc] if table is None else [table[i] for i in rc])
        dongles, modes, latlon = h["dongles"], h["link_modes"], h.get("latlon")
        unit = int(h.get("t_unit_us", 1))
        seq, t = int(h["seq0"]), int(h["t0_us"])
        records = []
        for i in range(n):
            seq += seq_d[i]
            t += t_d[i] * unit
            ln = lens[i]
            frame = bytes(data[off:off + ln])
            if len(frame) != ln:
                raise PayloadError("compact batch: frames cut short")
            off += ln
            rec = {"seq": seq, "frame": frame.hex(), "received_at": us_to_iso(t), "rssi_dbm": rssi[i],
                   "link_mode": modes[mi[i]], "dongle": dongles[di[i]], "heard_count": counts[i]}
            if latlon is not None and latlon[i] is not None:
                rec["lat"], rec["lon"] = latlon[i]
            records.append(rec)
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        if isinstance(exc, PayloadError):
            raise
        raise PayloadError(f"compact batch: malformed ({exc})") from exc
    if off != len(body):
        raise PayloadError("compact batch: trailing bytes after the frames")
    return {"van_id": h["van_id"], "batch_seq": h["batch_seq"], "records": records}
