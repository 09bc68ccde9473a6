"""IMST sticks: iM871A HCI frames and iU891A SLIP frames, as the stick writes them.

Sans-IO builders: values in, exact serial bytes out. The iM871A drops the L byte (the HCI
length byte is L) and the iU891A keeps it; both strip the link-layer CRCs and protect the
serial frame with CRC-16/X-25 sent LSB first. Layouts: dongles-and-link-layer.md §1.1-1.2.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulators.dongles.codec import crc16_x25, slip_encode

# iM871A endpoints and message ids (HCI).
EP_DEVMGMT = 0x01
EP_RADIOLINK = 0x02
MSG_PING_REQ, MSG_PING_RSP = 0x01, 0x02
MSG_SET_CONFIG_REQ, MSG_SET_CONFIG_RSP = 0x03, 0x04
MSG_GET_CONFIG_REQ, MSG_GET_CONFIG_RSP = 0x05, 0x06
MSG_GET_DEVICEINFO_REQ, MSG_GET_DEVICEINFO_RSP = 0x0F, 0x10
MSG_WMBUSMSG_IND = 0x03

CF_CRC = 0x80
CF_RSSI = 0x40
CF_TIMESTAMP = 0x20

# iM871A link-mode byte (subset relevant to drive-by reception).
IM871A_LINK_MODES = {"S1": 0x00, "S1-m": 0x01, "T1": 0x03, "C1a": 0x06, "C1": 0x07, "C1+T1": 0x0A}


def hci_frame(
    endpoint: int,
    msg_id: int,
    payload: bytes,
    *,
    crc: bool = True,
    rssi_raw: int | None = None,
    timestamp: int | None = None,
) -> bytes:
    """One iM871A HCI frame: A5 | CF|EP | MsgID | Len | payload | [TS] | [RSSI] | [CRC]."""
    cf = CF_CRC if crc else 0
    cf |= CF_RSSI if rssi_raw is not None else 0
    cf |= CF_TIMESTAMP if timestamp is not None else 0
    body = bytearray([cf | endpoint, msg_id, len(payload)]) + payload
    if timestamp is not None:
        body += (timestamp & 0xFFFFFFFF).to_bytes(4, "little")
    if rssi_raw is not None:
        body.append(rssi_raw & 0xFF)
    if crc:
        body += crc16_x25(bytes(body)).to_bytes(2, "little")
    return b"\xa5" + bytes(body)


def im871a_telegram(frame: bytes, *, rssi_raw: int | None, crc: bool = True, timestamp: int | None = None) -> bytes:
    """WMBUSMSG_IND for a CRC-free frame ``L C M A CI ...``: the payload starts at C, so Len = L.

    ``timestamp`` is the raw 4-byte value; its unit is not documented, so streams omit it.
    """
    return hci_frame(EP_RADIOLINK, MSG_WMBUSMSG_IND, frame[1:], crc=crc, rssi_raw=rssi_raw, timestamp=timestamp)


def im871a_request(msg_id: int, payload: bytes = b"", *, crc: bool = False) -> bytes:
    """A host command to DEVMGMT; wmbusmeters sends them without the CRC flag."""
    return hci_frame(EP_DEVMGMT, msg_id, payload, crc=crc)


def im871a_set_config_request(link_mode: int, *, crc: bool = False) -> bytes:
    """The wmbusmeters-style SET_CONFIG: RAM only, link mode, RSSI on, timestamp off."""
    return im871a_request(MSG_SET_CONFIG_REQ, bytes([0x00, 0x02, link_mode, 0x30, 0x01, 0x00]), crc=crc)


@dataclass(frozen=True)
class Im871aIdentity:
    """What the stick reports about itself; defaults are the captured stick in the reference."""

    module_type: int = 0x33  # 0x33 iM871A, 0x36 iM170A
    device_mode: int = 0x00  # collector
    firmware: int = 0x13
    hci_version: int = 0x01
    uid: int = 0x00003AF1
    link_mode: int = 0x07
    c_field: int = 0x00
    manufacturer: int = 0x25B3  # "IMS"
    meter_id: int = 0x00103512
    version: int = 0x01
    device_type: int = 0x00
    channel: int = 0x01
    power: int = 0x07
    data_rate: int = 0x02
    rx_window: int = 0x32
    power_saving: int = 0x00
    auto_rssi: int = 0x01
    auto_timestamp: int = 0x00
    led: int = 0x00
    rtc: int = 0x00
    trailing: int = 0x00  # one further byte in the captured GET_CONFIG reply, meaning unknown


def im871a_device_info_reply(ident: Im871aIdentity = Im871aIdentity()) -> bytes:
    """GET_DEVICEINFO_RSP: module type, device mode, firmware, HCI version, UID (LE)."""
    payload = bytes([ident.module_type, ident.device_mode, ident.firmware, ident.hci_version])
    payload += ident.uid.to_bytes(4, "little")
    return hci_frame(EP_DEVMGMT, MSG_GET_DEVICEINFO_RSP, payload)


def im871a_get_config_reply(ident: Im871aIdentity = Im871aIdentity()) -> bytes:
    """GET_CONFIG_RSP with every field of both IIFlag groups present (flags FF, FF)."""
    payload = bytes([0xFF, ident.device_mode, ident.link_mode, ident.c_field])
    payload += ident.manufacturer.to_bytes(2, "little") + ident.meter_id.to_bytes(4, "little")
    payload += bytes([ident.version, ident.device_type, ident.channel, 0xFF])
    payload += bytes([ident.power, ident.data_rate, ident.rx_window, ident.power_saving])
    payload += bytes([ident.auto_rssi, ident.auto_timestamp, ident.led, ident.rtc, ident.trailing])
    return hci_frame(EP_DEVMGMT, MSG_GET_CONFIG_RSP, payload)


def im871a_ping_reply() -> bytes:
    """PING_RSP: empty payload, CRC attached (the reference's constructed ``A5 81 02 00 4C A3``)."""
    return hci_frame(EP_DEVMGMT, MSG_PING_RSP, b"")


def im871a_set_config_reply(status: int = 0x00) -> bytes:
    """SET_CONFIG_RSP. Assumption: the payload is one status byte (0 = OK); no capture is quoted."""
    return hci_frame(EP_DEVMGMT, MSG_SET_CONFIG_RSP, bytes([status]))


# iU891A (SLIP) service access points and message ids.
SAP_DEVMGMT = 0x01
SAP_WMBUSGW = 0x09
IU_PING_REQ, IU_PING_RSP = 0x01, 0x02
IU_GET_DEVICE_INFO_REQ = 0x03
IU_SET_ACTIVE_CONFIG_REQ, IU_SET_ACTIVE_CONFIG_RSP = 0x03, 0x04
IU_RX_MESSAGE_IND = 0x20
IU_GET_WMBUS_ADDRESS_REQ = 0x81

IU891A_LINK_MODES = {"off": 0, "S": 1, "T": 2, "C+T": 3, "C": 5}


def iu891a_frame(sap: int, msg_id: int, payload: bytes = b"", *, status: int | None = None) -> bytes:
    """SLIP(SAP | MsgID | [status] | payload | CRC-16/X-25 LE). Indications carry no status."""
    body = bytes([sap, msg_id]) + (b"" if status is None else bytes([status])) + payload
    return slip_encode(body + crc16_x25(body).to_bytes(2, "little"))


def iu891a_info_byte(link_mode: str, frame_format: str) -> int:
    """Inferred from the iU891A host protocol: low nibble 2 = T, 5 = C; 0x10 set for format B."""
    nibble = 5 if link_mode.startswith("C") else 1 if link_mode.startswith("S") else 2
    return nibble | (0x10 if frame_format == "B" else 0)


def iu891a_telegram(
    frame: bytes,
    *,
    rssi_dbm: int,
    unix_time: int,
    info: int,
    dec_status: int = 0,
    enc_mode: int = 0,
) -> bytes:
    """RX_MESSAGE_IND: timestamp u32 LE | decStatus | encMode | info | RSSI int8 | frame from L."""
    head = (unix_time & 0xFFFFFFFF).to_bytes(4, "little") + bytes([dec_status, enc_mode, info])
    head += (max(-128, min(127, rssi_dbm)) & 0xFF).to_bytes(1, "little")
    return iu891a_frame(SAP_WMBUSGW, IU_RX_MESSAGE_IND, head + frame)


def iu891a_set_active_config_request(
    link_mode: int,
    *,
    options: int = 0x0006,
    ui_options: int = 0x0000,
    led_ms: int = 0,
    recalibrate_ms: int = 0,
) -> bytes:
    """SET_ACTIVE_CONFIGURATION with the 11-byte LE body (link mode, options, UI, LED, recal)."""
    body = bytes([link_mode]) + options.to_bytes(2, "little") + ui_options.to_bytes(2, "little")
    body += led_ms.to_bytes(2, "little") + recalibrate_ms.to_bytes(4, "little")
    return iu891a_frame(SAP_WMBUSGW, IU_SET_ACTIVE_CONFIG_REQ, body)


def iu891a_ping_reply(status: int = 0) -> bytes:
    """PING response; responses carry a status byte after the message id (0 = OK)."""
    return iu891a_frame(SAP_DEVMGMT, IU_PING_RSP, status=status)


def iu891a_set_active_config_reply(status: int = 0) -> bytes:
    """SET_ACTIVE_CONFIGURATION response: just the status byte."""
    return iu891a_frame(SAP_WMBUSGW, IU_SET_ACTIVE_CONFIG_RSP, status=status)
