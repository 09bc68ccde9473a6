"""Receive buffers shared by the framers, with the plan that keeps them safe on hostile input, and
the two ways a framer empties its buffer when the line goes quiet or ends (checked and unchecked tails).

Plan (as h11's receive buffer states it):
- Bytes are appended to one ``bytearray``; consumed bytes are deleted from its front, which CPython
  does in amortised O(1), so reading many short frames out of a long buffer never copies it whole.
- A framer remembers how far it has already searched for a start byte or a line end (``scanned``),
  so a stream fed one byte at a time is scanned once, not once per byte: resync is O(n) in the bytes
  seen.
- Every framer has a hard cap. Its formats bound a frame (at most 290 bytes on air, a few hundred hex
  characters on a line), so anything longer than the cap is garbage and is dropped and counted; the
  buffer never grows without bound, whatever arrives.
- Each framer states its cap as ``max_buffered`` and reports what it holds with ``buffered()``; after
  any ``feed()`` the second never exceeds the first (the fuzz benchmark and a property test check it):
  iM871A 266 bytes (one HCI message), iU891A 600 (one escaped message), AMB8465 259 (one command
  frame), AMB8465 transparent 256 and RC1180 257 (one telegram, or an RC1180 configuration dump),
  raw 261 and hex 262 (one wired long frame), CUL 616 and rtl_wmbus 2048 (one line), rtl_433 20480
  (a line, the CSV header and one key=value event). During a ``feed()`` the buffer also holds that
  call's input, so the serial edge bounds it by reading in bounded chunks.
- No framer rescans: a byte is either consumed, skipped for good, or kept as the possible start of a
  message, and a kept byte is looked at again only when new bytes arrive behind it, at most as many
  times as a header is long. A candidate message whose check fails costs one check over at most one
  maximum-length message. Resync is therefore linear in the bytes seen (the fuzz benchmark measures
  the time per byte of a hostile stream at 256 kB and 1 MB).
"""

from __future__ import annotations

from collector.framers.events import Counter, Event


class LineBuffer:
    """Splits a byte stream into lines (LF or CR LF), dropping and counting over-long ones."""

    def __init__(self, limit: int) -> None:
        self.buf = bytearray()
        self.scanned = 0
        self.limit = limit
        self.dropping = False  # inside an over-long line: discard until its end
        self.oversize = 0

    def feed(self, data: bytes) -> list[bytes]:
        self.buf += data
        lines: list[bytes] = []
        while True:
            nl = self.buf.find(b"\n", self.scanned)
            if nl < 0:
                self.scanned = len(self.buf)
                if len(self.buf) > self.limit:
                    self.buf.clear()
                    self.scanned = 0
                    if not self.dropping:
                        self.oversize += 1
                    self.dropping = True
                return lines
            line = bytes(self.buf[:nl]).rstrip(b"\r")
            del self.buf[: nl + 1]
            self.scanned = 0
            if self.dropping:
                self.dropping = False
                continue
            if len(line) > self.limit:
                self.oversize += 1
                continue
            lines.append(line)

    def rest(self) -> bytes:
        """What is left without a line end (at the end of the input)."""
        out = b"" if self.dropping else bytes(self.buf).rstrip(b"\r")
        self.buf.clear()
        self.scanned = 0
        self.dropping = False
        return out


class UncheckedTail:
    """End-of-stream handling for framers whose streams carry no checksum (raw, Amber transparent).

    Without a checksum a silence or the end of the stream is the only sign that a frame was cut short,
    so both count what is left in the buffer as one truncated frame and start clean.
    """

    buf: bytearray
    lost: bool

    def gap(self) -> list[Event]:
        return self.close()

    def close(self) -> list[Event]:
        left = len(self.buf)
        self.buf.clear()
        self.lost = False
        return [Counter("truncated")] if left else []


class CheckedTail:
    """End-of-stream handling for framers whose messages carry a checksum (Amber command mode, iM871A).

    What is left in the buffer is a message cut short, except the bytes a message that already failed
    its check still claims (``tainted``): those were counted as a checksum error, not a second fault.
    """

    buf: bytearray
    tainted: int

    def gap(self) -> list[Event]:
        """The line went quiet: a message still incomplete will never be completed (cut short)."""
        return self.close()

    def close(self) -> list[Event]:
        left, tainted = len(self.buf), self.tainted
        self.buf.clear()
        self.tainted = 0
        return [Counter("truncated")] if left > tainted else []
