"""Amber/Würth AMB8465-family and Radiocrafts RC1180-MBUS: bytes as the module writes them.

Both modules strip the link-layer CRCs and, when RSSI output is on, append one RSSI byte that
is counted in the length byte, so the length the host sees is L + 1. The Amber can wrap each
telegram in a command frame (XOR checksum) or send it bare ("transparent"); the RC1180 only
sends it bare. Layouts: dongles-and-link-layer.md §1.3-1.4.
"""

from __future__ import annotations

from simulators.dongles.codec import xor_checksum

AMBER_START = 0xFF
CMD_DATA_IND = 0x03
CMD_SET_MODE = 0x04
CMD_SET_REQ = 0x09
CMD_GET_REQ = 0x0A
CMD_SERIALNO = 0x0B
CMD_FWV = 0x0C
RESPONSE_BIT = 0x80

# Receive-mode bytes the collector side selects (the "Other" modes).
AMBER_MODES = {"T1": 0x08, "C1": 0x0E, "C1+T1": 0x09, "S1": 0x03}

# Parameter-block offsets the collector reads back.
PARAM_CMD_OUT = 0x05
PARAM_C_FIELD = 0x31
PARAM_RSSI_ENABLE = 0x45
PARAM_MODE_PRESELECT = 0x46
AMBER_PARAM_BLOCK = 0x78  # 120 bytes on the 868 MHz modules


def amber_command(cmd: int, payload: bytes = b"") -> bytes:
    """FF | CMD | LEN | payload | XOR of all preceding bytes."""
    head = bytes([AMBER_START, cmd, len(payload)]) + payload
    return head + bytes([xor_checksum(head)])


def _body_with_rssi(frame: bytes, rssi_raw: int | None) -> bytes:
    """Frame without its L byte, plus the RSSI byte when enabled (it counts in the length)."""
    return frame[1:] + (b"" if rssi_raw is None else bytes([rssi_raw & 0xFF]))


def amber_command_mode_telegram(frame: bytes, *, rssi_raw: int | None) -> bytes:
    """CMD_DATA_IND: FF 03 L' C ... [RSSI] CS; the length byte doubles as the (RSSI-counting) L."""
    return amber_command(CMD_DATA_IND, _body_with_rssi(frame, rssi_raw))


def amber_transparent_telegram(frame: bytes, *, rssi_raw: int | None) -> bytes:
    """Transparent output: L' C ... [RSSI] with no start byte and no checksum."""
    body = _body_with_rssi(frame, rssi_raw)
    return bytes([len(body)]) + body


def amber_set_mode_request(mode: int) -> bytes:
    """CMD_SET_MODE (volatile), e.g. ``FF 04 01 08 F2`` for T1 reception."""
    return amber_command(CMD_SET_MODE, bytes([mode]))


def amber_reply(cmd: int, payload: bytes) -> bytes:
    """Any response: the request's command with bit 0x80 set."""
    return amber_command(cmd | RESPONSE_BIT, payload)


def amber_set_mode_reply(status: int = 0x00) -> bytes:
    """``FF 84 01 <status> cs``."""
    return amber_reply(CMD_SET_MODE, bytes([status]))


def amber_default_params(*, cmd_out: bool = True, rssi: bool = True, mode_preselect: int = 0x09) -> bytes:
    """A 120-byte parameter block with the offsets the collector reads set as asked.

    Constructed, not captured: bytes the reference does not describe are left 0.
    """
    block = bytearray(AMBER_PARAM_BLOCK)
    block[PARAM_CMD_OUT] = 1 if cmd_out else 0
    block[PARAM_C_FIELD] = 0x44
    block[PARAM_RSSI_ENABLE] = 1 if rssi else 0
    block[PARAM_MODE_PRESELECT] = mode_preselect
    return bytes(block)


def amber_get_req_reply(params: bytes, offset: int = 0) -> bytes:
    """GET_REQ response: ``FF 8A <n+2> <offset> <n> <n bytes> cs``."""
    return amber_reply(CMD_GET_REQ, bytes([offset, len(params)]) + params)


def amber_serialno_reply(serial: int) -> bytes:
    """SERIALNO response: 4 bytes, big-endian."""
    return amber_reply(CMD_SERIALNO, serial.to_bytes(4, "big"))


def amber_fwv_reply(major: int, minor: int, patch: int) -> bytes:
    """FWV response: major, minor, patch."""
    return amber_reply(CMD_FWV, bytes([major, minor, patch]))


# Radiocrafts RC1180-MBUS.
RC1180_PROMPT = b">"
RC1180_MEMORY_SIZE = 256
RC_CHANNEL, RC_DATA_RATE, RC_MBUS_MODE, RC_RSSI_MODE = 0x00, 0x02, 0x03, 0x05
RC_MANUFACTURER, RC_ID, RC_VERSION, RC_DEVICE_TYPE = 0x19, 0x1B, 0x1F, 0x20
RC_BAUD, RC_DATA_INTERFACE = 0x30, 0x36


def rc1180_telegram(frame: bytes, *, rssi_raw: int | None) -> bytes:
    """Received data: ``L' C M A ... [RSSI]`` with the RSSI byte counted in L'."""
    body = _body_with_rssi(frame, rssi_raw)
    return bytes([len(body)]) + body


def rc1180_memory(*, manufacturer: int = 0x0C1A, meter_id: int = 0x00000001, rssi: bool = True) -> bytes:
    """A 256-byte configuration memory set up for T1 reception at 19200 baud.

    Constructed from the documented offsets; undocumented bytes are left 0. The default
    manufacturer 0x0C1A is just a placeholder code; the RC1180 has no other identity query.
    """
    mem = bytearray(RC1180_MEMORY_SIZE)
    mem[RC_CHANNEL] = 12
    mem[RC_DATA_RATE] = 3
    mem[RC_MBUS_MODE] = 0x01
    mem[RC_RSSI_MODE] = 1 if rssi else 0
    mem[RC_MANUFACTURER : RC_MANUFACTURER + 2] = manufacturer.to_bytes(2, "little")
    mem[RC_ID : RC_ID + 4] = meter_id.to_bytes(4, "little")
    mem[RC_BAUD] = 5
    mem[RC_DATA_INTERFACE] = 0
    return bytes(mem)


def rc1180_config_prompt() -> bytes:
    """Reply to the single ``00`` byte that enters configuration mode."""
    return RC1180_PROMPT


def rc1180_memory_dump_reply(memory: bytes) -> bytes:
    """Reply to ``'0'``: the 256 memory bytes then the prompt (257 bytes, last = 0x3E)."""
    if len(memory) != RC1180_MEMORY_SIZE:
        raise ValueError(f"RC1180 memory is {RC1180_MEMORY_SIZE} bytes, got {len(memory)}")
    return memory + RC1180_PROMPT
