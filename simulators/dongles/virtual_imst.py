"""Virtual IMST sticks: iM871A (HCI) and iU891A (SLIP) command handling.

Replies are built with the same builders that reproduce the reference captures byte for byte
(`simulators.dongles.imst`). The simulated iM871A reports firmware 0x15 rather than the captured
0x13, because C1+T1 at once (link mode 0x0A) needs firmware 0x14 or later and a drive-by van
wants both. Frames with a bad CRC, an unknown endpoint or message are ignored, as the sticks do;
the log says so.
"""

from __future__ import annotations

from dataclasses import replace

from simulators.dongles import DongleEncoder, Im871a, Iu891a, imst
from simulators.dongles.codec import crc16_x25
from simulators.dongles.virtual import VirtualDongle

IM871A_IDENTITY = replace(imst.Im871aIdentity(), firmware=0x15)
IM871A_RECEIVES = {0x00: frozenset({"S1"}), 0x01: frozenset({"S1"}), 0x03: frozenset({"T1"}),
                   0x06: frozenset({"C1"}), 0x07: frozenset({"C1"}), 0x0A: frozenset({"C1", "T1"})}
# IIFlag1 / IIFlag2 field sizes, in bit order (IMST iM871A HCI specification, SET_CONFIG).
_IIFLAG1_SIZES = (1, 1, 1, 2, 4, 1, 1, 1)
_IIFLAG2_SIZES = (1, 1, 1, 1, 1, 1, 1, 1)
_LINK_MODE_BIT = 0x02
_AUTO_RSSI_BIT = 0x10
MSG_RESET_REQ, MSG_RESET_RSP = 0x07, 0x08


def _fields(flags: int, sizes: tuple[int, ...], data: bytes, at: int) -> tuple[dict[int, bytes], int]:
    out = {}
    for bit, size in enumerate(sizes):
        if flags & (1 << bit):
            out[1 << bit] = data[at:at + size]
            at += size
    return out, at


class Im871aDongle(VirtualDongle):
    """HCI: A5 | CF|EP | MsgID | Len | payload | [TS] | [RSSI] | [CRC]."""

    name = "im871a"

    def __init__(self) -> None:
        super().__init__()
        self._buf = bytearray()
        self.link_mode = IM871A_IDENTITY.link_mode
        self.rssi = True

    def encoder(self) -> DongleEncoder:
        return Im871a(crc=True, rssi=self.rssi)

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        replies: list[bytes] = []
        while True:
            start = self._buf.find(0xA5)
            if start < 0:
                self._buf.clear()
                return replies
            del self._buf[:start]
            if len(self._buf) < 4:
                return replies
            cf = self._buf[1] & 0xF0
            size = 4 + self._buf[3] + (4 if cf & 0x20 else 0) + (1 if cf & 0x40 else 0) + (2 if cf & 0x80 else 0)
            if len(self._buf) < size:
                return replies
            frame = bytes(self._buf[:size])
            del self._buf[:size]
            if cf & 0x80 and crc16_x25(frame[1:-2]) != int.from_bytes(frame[-2:], "little"):
                self.log.append(f"ignored HCI frame with a bad CRC: {frame.hex()}")
                continue
            reply = self._command(frame[1] & 0x0F, frame[2], frame[4:4 + frame[3]])
            if reply is not None:
                replies.append(reply)

    def _command(self, endpoint: int, msg: int, payload: bytes) -> bytes | None:
        if endpoint != imst.EP_DEVMGMT:
            self.log.append(f"ignored endpoint {endpoint} message {msg:#04x}")
            return None
        ident = replace(IM871A_IDENTITY, link_mode=self.link_mode, auto_rssi=int(self.rssi))
        if msg == imst.MSG_PING_REQ:
            self.log.append("ping")
            return imst.im871a_ping_reply()
        if msg == imst.MSG_GET_DEVICEINFO_REQ:
            self.log.append("device info")
            return imst.im871a_device_info_reply(ident)
        if msg == imst.MSG_GET_CONFIG_REQ:
            self.log.append("get config")
            return imst.im871a_get_config_reply(ident)
        if msg == MSG_RESET_REQ:
            self.log.append("reset")
            return imst.hci_frame(imst.EP_DEVMGMT, MSG_RESET_RSP, b"")
        if msg == imst.MSG_SET_CONFIG_REQ:
            return self._set_config(payload)
        self.log.append(f"ignored DEVMGMT message {msg:#04x}")
        return None

    def _set_config(self, payload: bytes) -> bytes:
        if len(payload) < 2:
            self.log.append(f"refused SET_CONFIG: payload {payload.hex()} too short")
            return imst.im871a_set_config_reply(0x01)
        first, at = _fields(payload[1], _IIFLAG1_SIZES, payload, 2)
        second = _fields(payload[at], _IIFLAG2_SIZES, payload, at + 1)[0] if at < len(payload) else {}
        mode = first.get(_LINK_MODE_BIT)
        if mode is not None and mode and mode[0] not in IM871A_RECEIVES:
            self.log.append(f"refused SET_CONFIG: unknown link mode {mode[0]:#04x}")
            return imst.im871a_set_config_reply(0x01)
        if mode:
            self.link_mode = mode[0]
            self.link_modes = IM871A_RECEIVES[mode[0]]
        rssi = second.get(_AUTO_RSSI_BIT)
        if rssi:
            self.rssi = bool(rssi[0])
        self.log.append(f"set config: link mode {self.link_mode:#04x} ({'+'.join(sorted(self.link_modes))}), "
                        f"rssi {'on' if self.rssi else 'off'}")
        return imst.im871a_set_config_reply(0x00)


IU891A_RECEIVES = {0: frozenset(), 1: frozenset({"S1"}), 2: frozenset({"T1"}), 3: frozenset({"C1", "T1"}),
                   5: frozenset({"C1"}), 6: frozenset({"T1"})}
IU891A_MODULE_TYPE = 0x6E  # iU891A-XL
IU891A_UID = 0x1234ABCD
IU891A_MANUFACTURER = 0x25B3  # "IMS", as the iM871A reports it
IU_GET_DEVICE_INFO_RSP = 0x04
IU_GET_ACTIVE_CONFIG_REQ, IU_GET_ACTIVE_CONFIG_RSP = 0x01, 0x02
IU_GET_WMBUS_ADDRESS_RSP = 0x82
_RX_NOTIFY = 0x0002


def slip_frames(buf: bytearray) -> list[bytes]:
    """Cut complete SLIP frames off `buf` (unescaped); empty frames (wake-up C0s) are dropped."""
    out = []
    while True:
        end = buf.find(0xC0)
        if end < 0:
            return out
        raw = bytes(buf[:end])
        del buf[:end + 1]
        if raw:
            out.append(raw.replace(b"\xdb\xdc", b"\xc0").replace(b"\xdb\xdd", b"\xdb"))


class Iu891aDongle(VirtualDongle):
    """SLIP: SAP | MsgID | [status] | payload | CRC-16/X-25.

    The reference gives the GET_DEVICE_INFO reply only as "module type and UID (4 bytes LE)";
    the reply here is status, module type, UID, in that order (an assumption).
    """

    name = "iu891a"

    def __init__(self) -> None:
        super().__init__()
        self._buf = bytearray()
        self.config = bytes(11)  # link mode off, options 0: what a freshly restarted stick has

    def encoder(self) -> DongleEncoder:
        return Iu891a()

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        replies = []
        for frame in slip_frames(self._buf):
            if len(frame) < 4 or crc16_x25(frame[:-2]) != int.from_bytes(frame[-2:], "little"):
                self.log.append(f"ignored SLIP frame with a bad CRC or too short: {frame.hex()}")
                continue
            reply = self._command(frame[0], frame[1], frame[2:-2])
            if reply is not None:
                replies.append(reply)
        return replies

    def _command(self, sap: int, msg: int, payload: bytes) -> bytes | None:
        if (sap, msg) == (imst.SAP_DEVMGMT, imst.IU_PING_REQ):
            self.log.append("ping")
            return imst.iu891a_ping_reply()
        if (sap, msg) == (imst.SAP_DEVMGMT, imst.IU_GET_DEVICE_INFO_REQ):
            self.log.append("device info")
            body = bytes([IU891A_MODULE_TYPE]) + IU891A_UID.to_bytes(4, "little")
            return imst.iu891a_frame(imst.SAP_DEVMGMT, IU_GET_DEVICE_INFO_RSP, body, status=0)
        if (sap, msg) == (imst.SAP_WMBUSGW, IU_GET_ACTIVE_CONFIG_REQ):
            self.log.append("get active configuration")
            return imst.iu891a_frame(imst.SAP_WMBUSGW, IU_GET_ACTIVE_CONFIG_RSP, self.config, status=0)
        if (sap, msg) == (imst.SAP_WMBUSGW, imst.IU_SET_ACTIVE_CONFIG_REQ):
            return self._set_config(payload)
        if (sap, msg) == (imst.SAP_WMBUSGW, imst.IU_GET_WMBUS_ADDRESS_REQ):
            self.log.append("get wM-Bus address")
            body = IU891A_MANUFACTURER.to_bytes(2, "little") + IU891A_UID.to_bytes(4, "little") + bytes((1, 0))
            return imst.iu891a_frame(imst.SAP_WMBUSGW, IU_GET_WMBUS_ADDRESS_RSP, body, status=0)
        self.log.append(f"refused SAP {sap:#04x} message {msg:#04x}")
        return imst.iu891a_frame(sap, msg + 1, status=10)  # 10 = command rejected

    def _set_config(self, payload: bytes) -> bytes:
        if len(payload) != 11 or payload[0] not in IU891A_RECEIVES:
            self.log.append(f"refused active configuration {payload.hex()}")
            return imst.iu891a_set_active_config_reply(status=7)  # 7 = wrong message length/content
        self.config = payload
        options = int.from_bytes(payload[1:3], "little")
        self.link_modes = IU891A_RECEIVES[payload[0]] if options & _RX_NOTIFY else frozenset()
        self.log.append(f"set active configuration: link mode {payload[0]} "
                        f"({'+'.join(sorted(self.link_modes)) or 'no indications'})")
        return imst.iu891a_set_active_config_reply()
