"""CUL / nanoCUL sticks running culfw with the wireless M-Bus ``b`` commands.

Source: culfw command reference. Telegram lines are ``b<hex>`` (format A) or ``bY<hex>`` (format B)
holding the raw link-layer frame WITH its block CRCs, optionally followed by two hex digits of LQI and
two of RSSI (``X21`` reporting), then CR LF. The CRCs are the only integrity check the CUL gives, so a
line whose CRCs fail, or that culfw's 224-byte buffer cut short, is counted and never emitted.
"""

from __future__ import annotations

import binascii
import re

from collector.framers._buffer import LineBuffer
from collector.framers._rssi import cc1101_dbm
from collector.framers.events import CommandReply, Counter, Event, Frame
from decoders import DecodeError
from decoders.linklayer import strip_crcs

_REPLY = re.compile(rb"V [\x20-\x7e]+|[STCN]MODE|[\x20-\x7e]*CUL[\x20-\x7e]*")
CUL_MODES = {"S1": b"brs", "T1": b"brt", "C1": b"brc", "C1T1": b"brc"}
LINE_LIMIT = 2 * 300 + 16


def format_a_length(l_field: int) -> int:
    """Bytes on air of a format-A frame: L + 1 plus a 2-byte CRC per block (EN 13757-4)."""
    blocks = 1 + (l_field - 9 + 15) // 16 if l_field > 9 else 1
    return 1 + l_field + 2 * blocks


class CulCommands:
    @staticmethod
    def version() -> bytes:
        """A line end first, so bytes left by another stick's probe do not spoil the command."""
        return b"\r\nV\r\n"

    @staticmethod
    def report_rssi() -> bytes:
        return b"X21\r\n"

    @staticmethod
    def set_link_mode(mode: str) -> bytes:
        return CUL_MODES[mode] + b"\r\n"

    @staticmethod
    def off() -> bytes:
        return b"bro\r\n"


class CulFramer:
    name = "cul"
    max_buffered = LINE_LIMIT

    def __init__(self) -> None:
        self.lines = LineBuffer(LINE_LIMIT)
        self.link_mode: str | None = None

    def feed(self, data: bytes) -> list[Event]:
        events: list[Event] = []
        for line in self.lines.feed(data):
            events += self._line(line)
        if self.lines.oversize:
            events.append(Counter("oversize", self.lines.oversize))
            self.lines.oversize = 0
        return events

    def _line(self, line: bytes) -> list[Event]:
        text = line.strip(b" \t\r")  # a line of control bytes is noise, not blank
        if not text:
            return []
        if not text.startswith(b"b"):
            # culfw's answers to our commands: the version line and the ?MODE confirmations
            if _REPLY.fullmatch(text):
                return [CommandReply(self.name, text.decode("ascii"), text, True)]
            return [Counter("bad_lines")]
        fmt = "B" if text.startswith(b"bY") else "A"
        digits = text[2:] if fmt == "B" else text[1:]
        if len(digits) % 2:
            return [Counter("truncated")]
        try:
            raw = binascii.unhexlify(digits)
        except (binascii.Error, ValueError):
            return [Counter("bad_lines")]
        if len(raw) < 12:
            return [Counter("truncated")]
        on_air = format_a_length(raw[0]) if fmt == "A" else raw[0] + 1
        if len(raw) == on_air + 2:
            raw, rssi = raw[:-2], cc1101_dbm(raw[-1])  # X21: LQI and RSSI appended
        elif len(raw) == on_air:
            rssi = None
        elif len(raw) < on_air or len(raw) == on_air + 1:  # the frame, or its LQI/RSSI suffix, cut short
            return [Counter("truncated")]
        else:
            return [Counter("bad_lines")]
        try:
            frame, found = strip_crcs(raw)
        except DecodeError:
            return [Counter("checksum_errors")]
        if found != fmt:
            return [Counter("checksum_errors")]
        mode = self.link_mode if self.link_mode in ("T1", "S1") else ("C1" if fmt == "B" else self.link_mode)
        return [Frame(frame, rssi, mode, fmt)]

    def buffered(self) -> int:
        """Bytes of the line in progress (at most ``LINE_LIMIT``)."""
        return len(self.lines.buf)

    def close(self) -> list[Event]:
        rest = self.lines.rest()
        return self._line(rest) if rest.strip(b" \t\r") else []
