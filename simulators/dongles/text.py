"""Line-oriented receivers: CUL/nanoCUL (culfw), rtl_wmbus text output and plain hex lines.

These emit ASCII, not binary frames. The CUL is the only receiver that passes the raw link
layer frame, block CRCs included, so its lines are where a framer must check EN 13757-4 CRCs;
rtl_wmbus and hex lines carry CRC-free frames. Layouts: dongles-and-link-layer.md §1.5, 1.6, 1.8.
"""

from __future__ import annotations

from datetime import UTC, datetime

from simulators.dongles.codec import with_crc_format_a, with_crc_format_b

CUL_EOL = b"\r\n"
CUL_MODE_REPLIES = {"S1": b"SMODE\r\n", "T1": b"TMODE\r\n", "C1": b"CMODE\r\n"}
CUL_DEFAULT_VERSION = b"V 1.67 nanoCUL868\r\n"


def cul_line(frame: bytes, *, frame_format: str = "A", status: int | None = None, rssi_raw: int | None = None) -> bytes:
    """``b<HEX>[LQI][RSSI]\\r\\n`` (format A) or ``bY<HEX>...`` (format B), hex uppercase.

    ``frame`` is CRC-free; the CRCs are put back as the radio carried them. ``status`` is the
    CC1101 status byte (bit 7 = CRC_OK, bits 6:0 = LQI); both trailing bytes appear only
    when X21 reporting is on, so pass both or neither.
    """
    if (status is None) != (rssi_raw is None):
        raise ValueError("CUL appends LQI and RSSI together (X21) or neither (X01)")
    if frame_format == "B":
        raw, prefix = with_crc_format_b(frame), b"bY"
    else:
        raw, prefix = with_crc_format_a(frame), b"b"
    tail = b"" if status is None or rssi_raw is None else bytes([status & 0xFF, rssi_raw & 0xFF])
    return prefix + (raw + tail).hex().upper().encode("ascii") + CUL_EOL


def cul_crc_char_offsets(frame: bytes, *, frame_format: str = "A") -> tuple[int, ...]:
    """Offsets, within :func:`cul_line`'s output, of the ASCII hex digits that spell CRC bytes.

    Fault injection flips one of them to make a CRC fail without breaking the line syntax.
    """
    prefix = 2 if frame_format == "B" else 1
    crc_at: list[int] = []
    if frame_format == "B":
        first = min(len(frame), 126)
        crc_at.append(first)
        if len(frame) > 126:
            crc_at.append(len(frame) + 2)
    else:
        pos = 10
        crc_at.append(pos)
        for i in range(10, len(frame), 16):
            pos += 2 + len(frame[i : i + 16])
            crc_at.append(pos)
    return tuple(prefix + 2 * (at + j) + k for at in crc_at for j in (0, 1) for k in (0, 1))


def rtl_wmbus_line(
    frame: bytes,
    *,
    mode: str,
    at: datetime,
    packet_rssi: int,
    current_rssi: int,
    crc_ok: bool = True,
    three_of_six_ok: bool = True,
    meter_id: int | None = None,
) -> bytes:
    """``MODE;CRC_OK;3OUTOF6OK;YYYY-MM-DD HH:MM:SS.mmm;PKT_RSSI;CUR_RSSI;%08X;0x<hex>\\n``.

    The frame is printed CRC-free in lowercase with L = len - 1 (rtl_wmbus rewrites a format-B
    L as if it were format A). The timestamp is UTC. ``meter_id`` defaults to the A-field ID;
    it is a parameter because one quoted example line prints an ID that is not its A-field.
    """
    frame = bytes([len(frame) - 1]) + frame[1:]
    if meter_id is None:
        meter_id = int.from_bytes(frame[4:8], "little")
    ts = at.astimezone(UTC)
    stamp = ts.strftime("%Y-%m-%d %H:%M:%S") + f".{ts.microsecond // 1000:03d}"
    fields = [mode, str(int(crc_ok)), str(int(three_of_six_ok)), stamp, str(packet_rssi), str(current_rssi)]
    fields += [f"{meter_id:08X}", "0x" + frame.hex()]
    return (";".join(fields) + "\n").encode("ascii")


def hex_line(frame: bytes) -> bytes:
    """A plain hex line (wmbusmeters ``hextty``/``stdin:hex``): CRC-free frame, uppercase, LF."""
    return frame.hex().upper().encode("ascii") + b"\n"
