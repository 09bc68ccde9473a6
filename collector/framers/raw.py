"""Raw binary ttys: CRC-free telegrams ``L C M A …`` back to back, and wired M-Bus long frames.

There is no start byte and no checksum, so after garbage the framer searches for the next plausible
telegram header (L ≥ 10, C = SND_NR/SND_IR, M made of letters) or a wired ``68 L L 68`` start. Every
byte is examined a bounded number of times, so resync is O(n), and at most one frame is held.
"""

from __future__ import annotations

from collector.framers._buffer import UncheckedTail
from collector.framers._dll import HEADER_LEN, header_at, with_l
from collector.framers.events import Counter, Event, Frame


def _wired_at(buf: bytearray, i: int) -> bool:
    return len(buf) >= i + 4 and buf[i] == 0x68 and buf[i + 3] == 0x68 and buf[i + 1] == buf[i + 2] >= 3


class RawFramer(UncheckedTail):
    name = "raw"
    max_buffered = 255 + 6  # a wired long frame 68 L L 68 … CS 16; a wireless one is at most 256

    def __init__(self) -> None:
        self.buf = bytearray()
        self.lost = False  # inside a run of garbage: one resync per run, however the reads cut it

    def _start_at(self, i: int) -> bool:
        return header_at(self.buf, i) or _wired_at(self.buf, i)

    def feed(self, data: bytes) -> list[Event]:
        self.buf += data
        buf = self.buf
        events: list[Event] = []
        while len(buf) >= HEADER_LEN:
            if not self._start_at(0):
                i = 1
                while i + HEADER_LEN <= len(buf) and not self._start_at(i):
                    i += 1
                if i + HEADER_LEN > len(buf):
                    i = len(buf) - HEADER_LEN + 1
                del buf[:i]
                events += self._lose(i)
                continue
            if buf[0] == 0x68 and _wired_at(buf, 0):
                total = buf[1] + 6
                if len(buf) < total:
                    break
                msg = bytes(buf[:total])
                if msg[-1] != 0x16 or sum(msg[4:-2]) & 0xFF != msg[-2]:
                    del buf[:1]
                    events += [Counter("checksum_errors"), *self._lose(1)]
                    continue
                del buf[:total]
                self.lost = False
                events.append(Frame(msg))
                continue
            total = buf[0] + 1
            if len(buf) < total:
                break
            events.append(Frame(with_l(bytes(buf[:total]))))
            del buf[:total]
            self.lost = False
        return events

    def _lose(self, n: int) -> list[Event]:
        events: list[Event] = [Counter("garbage_bytes", n)]
        if not self.lost:
            self.lost = True
            events.append(Counter("resyncs"))
        return events

    def buffered(self) -> int:
        """Bytes held: at most one frame (256 bytes, or 261 for a wired long frame)."""
        return len(self.buf)
