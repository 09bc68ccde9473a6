"""IMST sticks: iM871A (HCI over a CP210x UART) and iU891A (SLIP over CDC-ACM).

Sources: IMST "WMBus HCI" specification for the iM871A (frame ``A5 | CF·EP | MsgID | Len | payload |
[ts] [rssi] [crc]``, CRC-16/X-25 over everything after ``A5``, sent LSB first) and the iU891A host
protocol (SLIP frames ``SAP | MsgID | [status] | payload | CRC16 LE``; indications carry no status).

Both framers are sans-IO: bytes in, events out. A telegram indication that arrives between a command
and its reply comes out as a `Frame`, never as the reply, because the endpoint and message id say
which is which.
"""

from __future__ import annotations

from fastcrc import crc16

from collector.framers._buffer import CheckedTail
from collector.framers._dll import with_l
from collector.framers._rssi import imst_dbm
from collector.framers.events import CommandReply, Counter, Event, Frame

SOF = 0xA5
EP_DEVMGMT, EP_RADIOLINK, EP_RADIOLINKTEST, EP_HWTEST = 1, 2, 3, 4
MSG_WMBUS_IND = 0x03
CF_CRC, CF_RSSI, CF_TIMESTAMP, CF_RESERVED = 0x80, 0x40, 0x20, 0x10
IM871A_LINK_MODES = {"S1": 0x00, "T1": 0x03, "C1": 0x07, "C1T1": 0x0A}
IM871A_MODE_NAMES = {0: "S1", 1: "S1", 3: "T1", 6: "C1", 7: "C1", 0x0A: None}
IM871A_MAX = 4 + 255 + 4 + 1 + 2


def x25(data: bytes | bytearray | memoryview) -> int:
    return crc16.ibm_sdlc(bytes(data))


def _hci(endpoint: int, msg: int, payload: bytes = b"", crc: bool = True) -> bytes:
    body = bytes([endpoint | (CF_CRC if crc else 0), msg, len(payload)]) + payload
    return bytes([SOF]) + body + (x25(body).to_bytes(2, "little") if crc else b"")


class Im871aCommands:
    """Host → stick requests (DEVMGMT endpoint)."""

    @staticmethod
    def ping() -> bytes:
        return _hci(EP_DEVMGMT, 0x01)

    @staticmethod
    def device_info() -> bytes:
        return _hci(EP_DEVMGMT, 0x0F)

    @staticmethod
    def get_config() -> bytes:
        return _hci(EP_DEVMGMT, 0x05)

    @staticmethod
    def reset() -> bytes:
        return _hci(EP_DEVMGMT, 0x07)

    @staticmethod
    def set_link_mode(mode: str) -> bytes:
        """SET_CONFIG in RAM: the link mode, auto-RSSI on, timestamp off (the stick's clock is not ours)."""
        lm = IM871A_LINK_MODES[mode]
        # NVM 0 | IIFlag1 0x02 (link mode) | lm | IIFlag2 0x30 (RSSI, timestamp fields) | 1 | 0
        return _hci(EP_DEVMGMT, 0x03, bytes([0x00, 0x02, lm, 0x30, 0x01, 0x00]))


class Im871aFramer(CheckedTail):
    """HCI frames from an iM871A; `link_mode` is what the host configured (the stick does not say)."""

    name = "im871a"
    max_buffered = IM871A_MAX  # one HCI message: header, 255 payload bytes, timestamp, RSSI, CRC

    def __init__(self, require_crc: bool = True) -> None:
        self.buf = bytearray()
        self.link_mode: str | None = None
        # Our sticks always attach the CRC to what they send; a message without it is then noise that
        # happens to start with A5, and taking it would swallow the real frames behind it.
        self.require_crc = require_crc
        # bytes at the front that belonged to a message whose CRC failed: if the line goes quiet while
        # they are all that is left, they are the rest of that bad message, not a new one cut short
        self.tainted = 0

    def _drop(self, n: int) -> int:
        """Drop ``n`` bytes; return how many of them were garbage (not the rest of a failed message)."""
        del self.buf[:n]
        garbage = max(0, n - self.tainted)
        self.tainted = max(0, self.tainted - n)
        return garbage

    def _one(self) -> tuple[list[Event], bool]:
        """Try to take one message off the front; (events, progressed)."""
        buf = self.buf
        events: list[Event] = []
        if not buf:
            return events, False
        if buf[0] != SOF:
            nxt = buf.find(SOF)
            skipped = len(buf) if nxt < 0 else nxt
            garbage = self._drop(skipped)
            if garbage:
                events.append(Counter("garbage_bytes", garbage))
            return events, bool(buf)
        if len(buf) < 4:
            return events, False
        cf, ep = buf[1] & 0xF0, buf[1] & 0x0F
        if cf & CF_RESERVED or not EP_DEVMGMT <= ep <= EP_HWTEST or (self.require_crc and not cf & CF_CRC):
            if self._drop(1):
                events += [Counter("garbage_bytes", 1), Counter("resyncs")]
            return events, True
        total = 4 + buf[3] + (4 if cf & CF_TIMESTAMP else 0) + (1 if cf & CF_RSSI else 0) + (2 if cf & CF_CRC else 0)
        if len(buf) < total:
            return events, False
        msg = bytes(buf[:total])
        if cf & CF_CRC and x25(msg[1:-2]) != int.from_bytes(msg[-2:], "little"):
            if not self.tainted:  # a candidate inside an already failed message is not a second error
                events.append(Counter("checksum_errors"))
            self._drop(1)  # maybe a stray A5: look again one byte on
            self.tainted = max(self.tainted, total - 1)
            events.append(Counter("resyncs"))
            return events, True
        del buf[:total]
        self.tainted = 0  # messages never overlap: what follows a good one is not the rest of a bad one
        payload = msg[4 : 4 + msg[3]]
        pos = 4 + msg[3] + (4 if cf & CF_TIMESTAMP else 0)
        rssi = imst_dbm(msg[pos]) if cf & CF_RSSI else None
        if ep == EP_RADIOLINK and msg[2] == MSG_WMBUS_IND:
            if len(payload) < 10:
                events.append(Counter("truncated"))
            else:
                events.append(Frame(with_l(bytes([len(payload)]) + payload), rssi, self.link_mode, None))
        else:
            events.append(CommandReply(self.name, (ep, msg[2]), payload, True))
        return events, True

    def feed(self, data: bytes) -> list[Event]:
        self.buf += data
        events: list[Event] = []
        while True:
            got, progressed = self._one()
            events += got
            if not progressed:
                return events

    def buffered(self) -> int:
        """Bytes held waiting for the rest of a message (at most one HCI message, ``IM871A_MAX``)."""
        return len(self.buf)



# --- iU891A -------------------------------------------------------------------------------------

END, ESC, ESC_END, ESC_ESC = 0xC0, 0xDB, 0xDC, 0xDD
SAP_DEVMGMT, SAP_WMBUSGW = 0x01, 0x09
MSG_RX_IND = 0x20
IU891A_LINK_MODES = {"S1": 1, "T1": 2, "C1T1": 3, "C1": 5}
IU891A_MAX = 2 * 300  # escaped bytes of the longest indication
_INFO_MODES = {1: "S1", 2: "T1", 5: "C1"}


def slip(body: bytes) -> bytes:
    out = bytearray([END])
    for b in body:
        out += bytes([ESC, ESC_END]) if b == END else bytes([ESC, ESC_ESC]) if b == ESC else bytes([b])
    out.append(END)
    return bytes(out)


def _iu(sap: int, msg: int, payload: bytes = b"") -> bytes:
    body = bytes([sap, msg]) + payload
    return slip(body + x25(body).to_bytes(2, "little"))


class Iu891aCommands:
    @staticmethod
    def wake_up() -> bytes:
        return bytes([END]) * 30

    @staticmethod
    def ping() -> bytes:
        return _iu(SAP_DEVMGMT, 0x01)

    @staticmethod
    def device_info() -> bytes:
        return _iu(SAP_DEVMGMT, 0x03)

    @staticmethod
    def restart() -> bytes:
        return _iu(SAP_DEVMGMT, 0x07)

    @staticmethod
    def fw_info() -> bytes:
        return _iu(SAP_DEVMGMT, 0x05)

    @staticmethod
    def get_active_configuration() -> bytes:
        return _iu(SAP_WMBUSGW, 0x01)

    @staticmethod
    def wmbus_address() -> bytes:
        return _iu(SAP_WMBUSGW, 0x81)

    @staticmethod
    def set_link_mode(mode: str) -> bytes:
        """SET_ACTIVE_CONFIGURATION: no receive filter, RX and TX indications on, LEDs and timers off."""
        body = bytes([IU891A_LINK_MODES[mode]]) + (0x0006).to_bytes(2, "little") + bytes(8)
        return _iu(SAP_WMBUSGW, 0x03, body)


def unslip(data: bytes | bytearray) -> bytes | None:
    out = bytearray()
    it = iter(data)
    for b in it:
        if b == ESC:
            nxt = next(it, None)
            if nxt == ESC_END:
                out.append(END)
            elif nxt == ESC_ESC:
                out.append(ESC)
            else:
                return None
        else:
            out.append(b)
    return bytes(out)


class Iu891aFramer:
    """SLIP frames from an iU891A; link mode and frame format come from each indication's info byte."""

    name = "iu891a"
    max_buffered = IU891A_MAX  # one fully escaped indication

    def __init__(self) -> None:
        self.buf = bytearray()
        self.scanned = 0
        self.in_frame = False  # an END has been seen: bytes up to the next END are one message

    def feed(self, data: bytes) -> list[Event]:
        self.buf += data
        events: list[Event] = []
        while True:
            end = self.buf.find(END, self.scanned)
            if end < 0:
                self.scanned = len(self.buf)
                if len(self.buf) > IU891A_MAX:
                    events += [Counter("oversize"), Counter("garbage_bytes", len(self.buf))]
                    self.buf.clear()
                    self.scanned = 0
                    self.in_frame = False
                return events
            chunk = bytes(self.buf[:end])
            del self.buf[: end + 1]
            self.scanned = 0
            if not self.in_frame:
                self.in_frame = True
                if chunk:
                    events.append(Counter("garbage_bytes", len(chunk)))
                continue
            if chunk:  # back-to-back ENDs (wake-up, frame separators) are empty messages
                events += self._message(chunk)

    def _message(self, raw: bytes) -> list[Event]:
        body = unslip(raw)
        if body is None or len(body) < 4:
            return [Counter("garbage_bytes", len(raw)), Counter("resyncs")]
        if x25(body[:-2]) != int.from_bytes(body[-2:], "little"):
            return [Counter("checksum_errors")]
        sap, msg, payload = body[0], body[1], body[2:-2]
        if sap == SAP_WMBUSGW and msg == MSG_RX_IND:
            if len(payload) < 8 + 11:
                return [Counter("truncated")]
            info, rssi = payload[6], payload[7]
            frame = payload[8:]
            mode = _INFO_MODES.get(info & 0x0F)
            return [Frame(with_l(frame), float(rssi - 256 if rssi >= 128 else rssi), mode,
                          "B" if info & 0x10 else "A")]
        status_ok = not payload or payload[0] == 0
        return [CommandReply(self.name, (sap, msg), payload, status_ok)]

    def buffered(self) -> int:
        """Bytes held since the last END (at most ``IU891A_MAX`` after any feed)."""
        return len(self.buf)

    def gap(self) -> list[Event]:
        """The line went quiet: a message begun and not ended was cut short."""
        return self.close()

    def close(self) -> list[Event]:
        """End of input or a silence: a message begun and not ended is cut short, unless only its
        closing END was lost (its CRC then still holds, and it is kept: nothing heard is thrown away)."""
        raw = bytes(self.buf)
        self.buf.clear()
        self.scanned = 0
        pending, self.in_frame = self.in_frame, False
        if not raw:
            return []
        if not pending:
            return [Counter("garbage_bytes", len(raw))]
        body = unslip(raw)
        if body is not None and len(body) >= 4 and x25(body[:-2]) == int.from_bytes(body[-2:], "little"):
            return self._message(raw)
        return [Counter("truncated")]
