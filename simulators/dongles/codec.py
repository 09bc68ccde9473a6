"""Checksums, CRC framing, SLIP and RSSI scales shared by the simulated dongles.

Each dongle family protects its serial framing differently and reports signal strength on
its own scale; keeping these small pure functions in one place lets every builder (and the
tests) use exactly one definition. Sources: IMST iM871A/iU891A HCI specifications (CRC-16/X-25, SLIP),
the Amber AMB8465-M manual (XOR checksum, RSSI scale) and EN 13757-4 (block CRCs).
"""

from __future__ import annotations

from fastcrc.crc16 import ibm_sdlc

from simulators.encoder.link import with_format_a as with_crc_format_a
from simulators.encoder.link import with_format_b as with_crc_format_b

__all__ = [
    "cc1101_dbm",
    "cc1101_raw",
    "crc16_x25",
    "im871a_dbm",
    "im871a_dbm_jmbus",
    "im871a_raw",
    "rc1180_dbm",
    "rc1180_raw",
    "slip_encode",
    "with_crc_format_a",
    "with_crc_format_b",
    "xor_checksum",
]


def crc16_x25(data: bytes) -> int:
    """CRC-16/X-25 (reflected 0x8408, init and final XOR 0xFFFF): IMST host<->stick check.

    fastcrc calls it IBM-SDLC (same parameters, check value 0x906E); compiled, because a
    10,000-meter drive streams 40,000 frames through it.
    """
    return ibm_sdlc(data)


def xor_checksum(data: bytes) -> int:
    """Amber command-mode checksum: XOR of every byte, the 0xFF start byte included."""
    cs = 0
    for byte in data:
        cs ^= byte
    return cs


SLIP_END = 0xC0
SLIP_ESC = 0xDB


def slip_encode(packet: bytes) -> bytes:
    """RFC 1055 framing as the iU891A uses it: END, escaped body, END."""
    out = bytearray([SLIP_END])
    for byte in packet:
        if byte == SLIP_END:
            out += b"\xdb\xdc"
        elif byte == SLIP_ESC:
            out += b"\xdb\xdd"
        else:
            out.append(byte)
    out.append(SLIP_END)
    return bytes(out)


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def im871a_dbm(raw: int) -> float:
    """iM871A raw RSSI -> dBm, the piecewise line wmbusmeters uses (raw >= 230 reads 0 dBm)."""
    if raw >= 230:
        return 0.0
    return -100.0 + 0.5 * (raw - 45)


def im871a_dbm_jmbus(raw: int) -> float:
    """The other published iM871A scale (jmbus/ioBroker); kept so tests can show both agree roughly."""
    return raw * 8 / 15 - 380 / 3


def im871a_raw(dbm: float) -> int:
    """Inverse of :func:`im871a_dbm`, clamped to the byte."""
    return _clamp(round((dbm + 100.0) * 2 + 45), 0, 255)


def cc1101_dbm(raw: int) -> float:
    """Amber and CUL (CC1101) RSSI byte -> dBm: signed byte / 2 - 74."""
    signed = raw - 256 if raw >= 128 else raw
    return signed / 2 - 74


def cc1101_raw(dbm: float) -> int:
    """Inverse of :func:`cc1101_dbm`, clamped to the signed-byte range and returned unsigned."""
    return _clamp(round((dbm + 74.0) * 2), -128, 127) & 0xFF


def rc1180_dbm(raw: int) -> float:
    """Radiocrafts datasheet: P = -raw/2 dBm."""
    return -raw / 2


def rc1180_raw(dbm: float) -> int:
    """Inverse of :func:`rc1180_dbm`, clamped to the byte."""
    return _clamp(round(-dbm * 2), 0, 255)
