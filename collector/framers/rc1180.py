"""Radiocrafts RC1180-MBUS: telegrams ``L C M A … [RSSI]`` and a byte-wise configuration mode.

Source: RC1180-MBUS datasheet and MBUS user manual. In data mode the stick sends CRC-free telegrams
with L counting the RSSI byte when RSSI_MODE = 1 (P = -raw/2 dBm). Configuration replies have no frame
at all (a ``>`` prompt, a 256-byte memory dump plus ``>``), so the control tells the framer how many
reply bytes to expect before it sends a command; everything else is telegram data.
"""

from __future__ import annotations

from collector.framers._rssi import rc1180_dbm
from collector.framers.amber import AmberTransparentFramer
from collector.framers.events import CommandReply, Event

PROMPT = 0x3E  # '>'
DUMP_LEN = 257
RC1180_MODES = {"T1": 0x01, "S1": 0x03, "C1": 0x09, "C1T1": 0x0A}  # MBUS3 firmware MBUS_MODE values
MEM_MODE, MEM_RSSI_MODE, MEM_DATA_INTERFACE = 0x03, 0x05, 0x36


class Rc1180Commands:
    @staticmethod
    def enter_config() -> bytes:
        return b"\x00"

    @staticmethod
    def read_memory() -> bytes:
        return b"0"

    @staticmethod
    def write_memory(pairs: dict[int, int]) -> bytes:
        return b"M" + b"".join(bytes([a, v]) for a, v in sorted(pairs.items())) + b"\xff"

    @staticmethod
    def leave_config() -> bytes:
        return b"X"


class Rc1180Framer(AmberTransparentFramer):
    name = "rc1180"
    command_replies = False  # its configuration replies are unframed; see `expect()`
    max_buffered = DUMP_LEN  # a configuration dump, or one telegram (256)

    def __init__(self, rssi: bool = True) -> None:
        super().__init__(rssi)
        self.to_dbm = rc1180_dbm
        self.expecting = 0  # reply bytes the host asked for and has not yet received

    def expect(self, n: int) -> list[Event]:
        """The next ``n`` bytes are a configuration reply (1 for a prompt, 257 for a dump).

        Bytes still held from a telegram the command cut short are counted (``truncated``) and dropped
        first, so they are never taken for the start of the reply. ``expect(0)`` cancels the wait (dongle
        control does so when the reply times out), so later telegrams are not taken for it.
        """
        left = AmberTransparentFramer.close(self)
        self.expecting = n
        return left

    def gap(self) -> list[Event]:
        """A silence. Before the reply has begun it changes nothing (the module may still be answering);
        a reply begun and not finished was cut short: it comes out as a failed reply and the wait ends."""
        if not self.expecting:
            return super().gap()
        if not self.buf:
            return []
        partial, what = bytes(self.buf), "dump" if self.expecting == DUMP_LEN else "prompt"
        self.buf.clear()
        self.expecting = 0
        return [CommandReply(self.name, what, partial, False)]

    def close(self) -> list[Event]:
        events = self.gap() if self.expecting else []
        self.expecting = 0
        return events + super().close()

    def feed(self, data: bytes) -> list[Event]:
        events: list[Event] = []
        if self.expecting:
            self.buf += data
            if len(self.buf) < self.expecting:
                return events
            reply, rest = bytes(self.buf[: self.expecting]), bytes(self.buf[self.expecting :])
            self.buf.clear()
            self.expecting = 0
            events.append(CommandReply(self.name, "dump" if len(reply) == DUMP_LEN else "prompt", reply,
                                       reply[-1] == PROMPT))
            data = rest
        return events + super().feed(data)
