"""Amber/Würth AMB8465-M and AMB8665-M sticks, in command mode and in transparent mode.

Source: the Amber AMB8465-M / AMB8426-M user manuals. Command mode wraps everything as
``FF | CMD | LEN | payload | CS`` with CS the XOR of all bytes before it, replies being CMD | 0x80;
a received telegram is CMD_DATA_IND (0x03) whose LEN doubles as the telegram's L and counts the
appended RSSI byte. Transparent mode sends ``L C M A … [RSSI]`` with no start byte and no checksum, so
its framer can only resynchronise on a plausible telegram header.
"""

from __future__ import annotations

from functools import reduce
from operator import xor as _xor

from collector.framers._buffer import CheckedTail, UncheckedTail
from collector.framers._dll import HEADER_LEN, MIN_L, header_possible, with_l
from collector.framers._rssi import cc1101_dbm
from collector.framers.events import CommandReply, Counter, Event, Frame

START = 0xFF
CMD_DATA_IND = 0x03
# Commands the stick answers (request ids; replies are id | 0x80), from the manual's command table.
KNOWN_REPLIES = frozenset(c | 0x80 for c in (0x00, 0x02, 0x04, 0x05, 0x06, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x10,
                                              0x11, 0x30, 0x31, 0x50, 0x51, 0x52))
AMBER_MODES = {"T1": 0x08, "C1": 0x0E, "C1T1": 0x09, "S1": 0x03}
PARAM_CMD_OUT, PARAM_RSSI, PARAM_AUTO_SLEEP, PARAM_PRESELECT = 0x05, 0x45, 0x3F, 0x46


def xor(data: bytes | bytearray) -> int:
    return reduce(_xor, data, 0)


def command(cmd: int, payload: bytes = b"") -> bytes:
    body = bytes([START, cmd, len(payload)]) + payload
    return body + bytes([xor(body)])


class AmberCommands:
    @staticmethod
    def get_parameters() -> bytes:
        return command(0x0A, bytes([0x00, 0x80]))

    @staticmethod
    def serial_number() -> bytes:
        return command(0x0B)

    @staticmethod
    def firmware() -> bytes:
        return command(0x0C)

    @staticmethod
    def reset() -> bytes:
        return command(0x05)

    @staticmethod
    def factory_reset() -> bytes:
        """Back to factory parameters (9600 baud, transparent output); follow with `reset()`."""
        return command(0x11)

    @staticmethod
    def rssi() -> bytes:
        return command(0x0D)

    @staticmethod
    def set_mode(mode: str) -> bytes:
        """Volatile receive mode (lost at reset; the host remembers it)."""
        return command(0x04, bytes([AMBER_MODES[mode]]))

    @staticmethod
    def set_parameter(address: int, value: int) -> bytes:
        """Non-volatile parameter; applied by `reset()`."""
        return command(0x09, bytes([address, 1, value]))


class AmberFramer(CheckedTail):
    """Command mode (UART_CMD_Out_Enable = 1). ``rssi`` says whether RSSI_Enable is on (it is counted in L).

    After a checksum failure the framer looks again one byte on (the ``FF`` may have been noise), but
    remembers how far the failed message claimed to reach: bytes inside it are its remains, counted
    with its checksum error, not as garbage, and a second candidate inside it is not a second error.
    """

    name = "amb8465"
    max_buffered = 3 + 255 + 1  # FF CMD LEN, payload, CS

    def __init__(self, rssi: bool = True) -> None:
        self.buf = bytearray()
        self.rssi = rssi
        self.link_mode: str | None = None
        self.tainted = 0  # bytes at the front that a failed message claimed

    def _drop(self, n: int) -> int:
        """Drop ``n`` bytes; return how many of them were garbage (not the rest of a failed message)."""
        del self.buf[:n]
        garbage = max(0, n - self.tainted)
        self.tainted = max(0, self.tainted - n)
        return garbage

    def feed(self, data: bytes) -> list[Event]:
        self.buf += data
        events: list[Event] = []
        buf = self.buf
        while buf:
            if buf[0] != START:
                nxt = buf.find(START)
                garbage = self._drop(len(buf) if nxt < 0 else nxt)
                if garbage:
                    events.append(Counter("garbage_bytes", garbage))
                continue
            if len(buf) < 3:
                break
            cmd, n = buf[1], buf[2]
            if cmd != CMD_DATA_IND and cmd not in KNOWN_REPLIES:
                if self._drop(1):
                    events += [Counter("garbage_bytes", 1), Counter("resyncs")]
                continue
            if len(buf) < 4 + n:
                break
            msg = bytes(buf[: 4 + n])
            if xor(msg[:-1]) != msg[-1]:
                if not self.tainted:
                    events.append(Counter("checksum_errors"))
                events.append(Counter("resyncs"))
                self._drop(1)
                self.tainted = max(self.tainted, len(msg) - 1)
                continue
            del buf[: 4 + n]
            self.tainted = 0  # messages never overlap: what follows a good one is new
            payload = msg[3:-1]
            if cmd == CMD_DATA_IND:
                events.append(self._telegram(payload))
            else:
                events.append(CommandReply(self.name, cmd, payload, True))
        return events

    def _telegram(self, payload: bytes) -> Event:
        body, rssi = (payload[:-1], cc1101_dbm(payload[-1])) if self.rssi else (payload, None)
        if len(body) < 10:
            return Counter("truncated")
        return Frame(with_l(bytes([len(body)]) + body), rssi, self.link_mode, None)

    def buffered(self) -> int:
        """Bytes held: at most one message (``FF CMD LEN`` + 255 + CS = 259 bytes)."""
        return len(self.buf)



class AmberTransparentFramer(UncheckedTail):
    """Transparent mode: telegrams back to back, L counting the RSSI byte when RSSI_Enable is on.

    The stick still answers host commands in command framing (``FF CMD|80 LEN … CS``), so a reply that
    arrives between telegrams comes out as a `CommandReply`: dongle control can ask for the serial number
    or set the mode without switching framers. A reply's second byte (0x80–0xD2) is never a meter's
    C-field, so the two cannot be confused.
    """

    name = "amb8465-transparent"
    max_buffered = 256  # one telegram, L + 1 bytes
    command_replies = True

    def __init__(self, rssi: bool = True) -> None:
        self.buf = bytearray()
        self.rssi = rssi
        self.link_mode: str | None = None
        self.to_dbm = cc1101_dbm
        self.lost = False  # inside a run of garbage: one resync per run, however the reads cut it

    def _reply_possible(self, i: int) -> bool:
        buf = self.buf
        return self.command_replies and buf[i] == START and (i + 1 == len(buf) or buf[i + 1] in KNOWN_REPLIES)

    def _skip(self, n: int) -> list[Event]:
        del self.buf[:n]
        events: list[Event] = [Counter("garbage_bytes", n)]
        if not self.lost:
            self.lost = True
            events.append(Counter("resyncs"))
        return events

    def feed(self, data: bytes) -> list[Event]:
        self.buf += data
        events: list[Event] = []
        buf = self.buf
        min_l = MIN_L + 1 if self.rssi else MIN_L  # L counts the RSSI byte
        while buf:
            if self._reply_possible(0):
                if len(buf) < 3 or len(buf) < 4 + buf[2]:
                    break
                msg = bytes(buf[: 4 + buf[2]])
                if xor(msg[:-1]) != msg[-1]:
                    events += [Counter("checksum_errors"), *self._skip(1)]
                    continue
                del buf[: len(msg)]
                self.lost = False
                events.append(CommandReply(self.name, msg[1], msg[3:-1], True))
                continue
            if not header_possible(buf, 0, min_l):
                i = 1  # each byte is ruled out once: resync is linear in the bytes seen
                while i < len(buf) and not self._reply_possible(i) and not header_possible(buf, i, min_l):
                    i += 1
                events += self._skip(i)
                continue
            if len(buf) < HEADER_LEN:
                break  # could still be a telegram: wait for the rest of its header
            total = buf[0] + 1
            if len(buf) < total:
                break
            msg = bytes(buf[:total])
            del buf[:total]
            self.lost = False
            body, rssi = (msg[:-1], self.to_dbm(msg[-1])) if self.rssi else (msg, None)
            events.append(Frame(with_l(body), rssi, self.link_mode, None))
        return events

    def buffered(self) -> int:
        """Bytes held: at most one telegram (L + 1 ≤ 256 bytes)."""
        return len(self.buf)
