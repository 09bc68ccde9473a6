"""Line-oriented receivers: rtl_wmbus, rtl_433 (JSON, CSV or key=value) and hex ttys.

Sources: the rtl-wmbus README (``MODE;CRC_OK;3OUTOF6OK;TIME;PKT_RSSI;CUR_RSSI;ID;0x<hex>``), rtl_433's
Wireless-MBus decoder output (field ``data`` is the frame from L with CRCs removed; its first byte is
not reliable and is recomputed) and the hex-tty convention (hex digits of CRC-free frames back to
back; anything else ignored). None of these gives a signal strength in dBm, so ``rssi_dbm`` is None.
"""

from __future__ import annotations

import binascii
import json
import re

from collector.framers._buffer import LineBuffer
from collector.framers._dll import with_l
from collector.framers.events import Counter, Event, Frame
from collector.framers.raw import RawFramer
from decoders.crc import crc16_en13757

LINE_LIMIT = 8192  # an rtl_433 CSV header lists every decoder's columns
RTL_WMBUS_LINE_LIMIT = 2048  # ~60 characters of fields and up to two telegrams of 290 bytes in hex
BLOCK_LIMIT = 4096  # characters of one rtl_433 key=value event (it prints about 15 short lines)
_KV_EQ = re.compile(r"^[A-Za-z_][\w ]*=")
_TIME = re.compile(r"^time\s*[:=]", re.IGNORECASE)
_KV_FIELDS = {
    "model": re.compile(r"\bmodel\s*[:=]\s*(\S+)", re.IGNORECASE),
    "mode": re.compile(r"\b[Mm]ode\s*[:=]\s*([A-Z])\b"),
    "data": re.compile(r"\b[Dd]ata\s*[:=]\s*([0-9a-fA-F]+)\b"),
}


def _oversize(lines: LineBuffer) -> list[Event]:
    """Report the lines the buffer dropped for being longer than its limit."""
    if not lines.oversize:
        return []
    n, lines.oversize = lines.oversize, 0
    return [Counter("oversize", n)]


class RtlWmbusFramer:
    name = "rtl-wmbus"
    max_buffered = RTL_WMBUS_LINE_LIMIT

    def __init__(self) -> None:
        self.lines = LineBuffer(RTL_WMBUS_LINE_LIMIT)

    def feed(self, data: bytes) -> list[Event]:
        events: list[Event] = []
        for line in self.lines.feed(data):
            events += self._line(line)
        return events + _oversize(self.lines)

    def _line(self, line: bytes) -> list[Event]:
        text = line.strip(b" \t\r").decode("ascii", "replace")  # a line of control bytes is noise, not blank
        if not text:
            return []
        fields = text.split(";")
        if fields[0] not in ("T1", "C1", "S1"):
            # a lone "T", "C" or "S" is a line of ours cut after its first character
            return [Counter("truncated" if text in ("T", "C", "S") else "bad_lines")]
        if len(fields) < 8 or not fields[7].startswith("0x"):
            return [Counter("truncated")]  # a line of ours, cut before its telegram
        if fields[1] != "1" or fields[2] != "1":
            return [Counter("checksum_errors")]
        events: list[Event] = []
        for item in fields[7:]:  # a line can carry a second telegram after ";0x"
            digits = item.strip()[2:]
            try:
                frame = binascii.unhexlify(digits)
            except (binascii.Error, ValueError):
                events.append(Counter("truncated" if len(digits) % 2 else "bad_lines"))
                continue
            events.append(_rtl_wmbus_frame(frame, fields[0]))
        return events

    def buffered(self) -> int:
        """Bytes of the line in progress (at most ``RTL_WMBUS_LINE_LIMIT``)."""
        return len(self.lines.buf)

    def close(self) -> list[Event]:
        rest = self.lines.rest()
        return self._line(rest) if rest.strip(b" \t\r") else []


def _rtl_wmbus_frame(frame: bytes, mode: str) -> Event:
    """rtl_wmbus strips the CRCs and prints L = len - 1. Older builds left a C1 format-B frame's L
    counting its CRCs (2 bytes up to L = 127, 4 beyond), so exactly that L is recomputed; any other L
    beyond the bytes present means the line was cut short."""
    n = len(frame)
    if n < 11:
        return Counter("truncated")
    extra = frame[0] - (n - 1)
    if extra == 0 or (mode == "C1" and ((extra == 2 and frame[0] <= 127) or (extra == 4 and frame[0] > 127))):
        return Frame(with_l(frame), None, mode, None)
    return Counter("truncated" if extra > 0 else "bad_length")


def rtl433_frame(data: bytes, mode: str | None) -> Event:
    """rtl_433's ``data``: trust L when it matches the bytes (or is its known L-2 misprint), else refuse.

    A frame whose last two bytes are a link-layer CRC over its last block still carries a CRC rtl_433
    failed to strip; its L is then meaningless and no trustworthy frame can be cut from it.
    """
    n = len(data)
    if n < 11:
        return Counter("truncated")
    # L = n - 1 is right as printed (newer rtl_433): no CRC can be left over then, so no check is made
    # (a CRC check on every frame would also drop one good frame in a few thousand by chance).
    if data[0] == n - 1 or (data[0] == n - 3 and not _ends_with_block_crc(data)):
        return Frame(with_l(data), None, mode, None)
    return Counter("bad_length")


def _ends_with_block_crc(data: bytes) -> bool:
    n = len(data)
    if n < 13:
        return False
    tail = int.from_bytes(data[-2:], "big")
    # format-A blocks end 16 data bytes (or the shorter last block) after the previous CRC
    return any(crc16_en13757(data[start : n - 2]) == tail for start in range(max(0, n - 2 - 16), n - 3))


class Rtl433Framer:
    """rtl_433 output in any of its three text forms, recognised line by line."""

    name = "rtl433"
    max_buffered = 2 * LINE_LIMIT + BLOCK_LIMIT  # line in progress, CSV header, key=value event

    def __init__(self) -> None:
        self.lines = LineBuffer(LINE_LIMIT)
        self.csv_header: list[str] | None = None
        self.block_lines: list[str] = []  # key=value / key : value lines of the current event
        self.block_chars = 0

    def feed(self, data: bytes) -> list[Event]:
        events: list[Event] = []
        for line in self.lines.feed(data):
            events += self._line(line.decode("utf-8", "replace"))
        return events + _oversize(self.lines)

    def _line(self, text: str) -> list[Event]:
        s = text.strip()
        if not s:
            return []
        if s.startswith("{"):
            try:
                obj = json.loads(s)
            except (ValueError, RecursionError):  # also huge numbers and deep nesting, not only bad syntax
                return [Counter("bad_lines")]
            if not isinstance(obj, dict):
                return [Counter("bad_lines")]
            if "model" not in obj:  # rtl_433 writes its keys in lower case; accept any case, more slowly
                obj = {str(k).lower(): v for k, v in obj.items()}
            return self._event({k: str(obj[k]) for k in ("model", "mode", "data") if k in obj})
        if s.startswith("time,") or s.startswith("time ,"):
            self.csv_header = [c.strip().lower() for c in s.split(",")]
            return []
        if self.csv_header and s.count(",") >= 2 and "=" not in s and " : " not in s:
            cells = [c.strip() for c in s.split(",")]
            row = dict(zip(self.csv_header, cells, strict=False))
            return self._event(row)
        return self._kv(s)

    def _kv(self, s: str) -> list[Event]:
        """Default output: ``key = value`` one per line, or ``Key : value`` pairs several to a line.

        A ``time`` key opens the next event, so the previous one is complete then (or at the end).
        """
        if not (_KV_EQ.match(s) or ":" in s):
            return [Counter("bad_lines")]
        events: list[Event] = []
        if _TIME.match(s) and self.block_lines:
            events += self._flush()
        elif self.block_chars + len(s) > BLOCK_LIMIT:  # no event is this long: keep memory bounded
            events += [*self._flush(), Counter("oversize")]
        if len(s) > BLOCK_LIMIT:
            return [*events, Counter("oversize")]
        self.block_lines.append(s)
        self.block_chars += len(s)
        return events

    def _flush(self) -> list[Event]:
        text, self.block_lines, self.block_chars = "\n".join(self.block_lines), [], 0
        row: dict[str, str] = {}
        for key, pattern in _KV_FIELDS.items():
            m = pattern.search(text)
            if m:
                row[key] = m.group(1)
        if "model" not in row and "data" in row and row.get("mode") in ("T", "C", "S"):
            row["model"] = "Wireless-MBus"  # key=value output without a model line (protocol 104)
        return self._event(row) if row else []

    def _event(self, row: dict[str, str]) -> list[Event]:
        if "wireless-mbus" not in row.get("model", "").lower():
            return []
        hexdata = row.get("data", "").strip()
        try:
            data = binascii.unhexlify(hexdata)
        except (binascii.Error, ValueError):
            return [Counter("bad_lines")]
        mode = row.get("mode", "").strip().upper()
        return [rtl433_frame(data, f"{mode}1" if mode in ("T", "C", "S") else None)]

    def buffered(self) -> int:
        """Bytes held: the line in progress, the event's key=value lines and the CSV header."""
        return len(self.lines.buf) + self.block_chars + sum(len(c) for c in self.csv_header or ())

    def close(self) -> list[Event]:
        rest = self.lines.rest()
        events = self._line(rest.decode("utf-8", "replace")) if rest.strip() else []
        return events + (self._flush() if self.block_lines else [])


class HexFramer:
    """Hex characters of CRC-free frames back to back; other characters are ignored, but a line end
    closes the frame in progress (a hex line cut short must not swallow the next line's frame)."""

    name = "hex"
    max_buffered = 255 + 6 + 1  # the raw framer's frame and one odd hex digit
    _NOT_HEX = bytes(b for b in range(256) if b not in b"0123456789abcdefABCDEF")

    def __init__(self) -> None:
        self.raw = RawFramer()
        self.nibble = b""

    def feed(self, data: bytes) -> list[Event]:
        events: list[Event] = []
        *complete, last = data.split(b"\n")
        for line in complete:  # a line end closes whatever frame it cut
            events += self._digits(line) + self.close()
        return events + self._digits(last)

    def _digits(self, data: bytes) -> list[Event]:
        hexdigits = data.translate(None, self._NOT_HEX)
        noise = len(data) - len(hexdigits) - data.count(b" ") - data.count(b"\t") - data.count(b"\r")
        digits = self.nibble + hexdigits
        cut = len(digits) - len(digits) % 2
        self.nibble = digits[cut:]
        events: list[Event] = [Counter("garbage_bytes", noise)] if noise else []
        return events + (self.raw.feed(binascii.unhexlify(digits[:cut])) if cut else [])

    def buffered(self) -> int:
        """Bytes held: one frame in the raw framer and at most one odd hex digit."""
        return self.raw.buffered() + len(self.nibble)

    def gap(self) -> list[Event]:
        return self.close()

    def close(self) -> list[Event]:
        odd = bool(self.nibble)
        self.nibble = b""
        events = self.raw.close()
        return [Counter("truncated")] if odd and not events else events
