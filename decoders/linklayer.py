"""Link layer (EN 13757-4) and wired M-Bus long frames.

Frames reach us from many routes: dongles strip the block CRCs, the CUL does not, archives
hold either, and wired M-Bus long frames come from optical heads and gateways. `normalise`
turns all of them into one shape, `L C M A CI ...` with L = len - 1, so everything downstream
(decoder, deduplication, archive) sees one canonical frame.
"""

from __future__ import annotations

from dataclasses import dataclass

from .crc import crc16_en13757
from .errors import DecodeError

C_FIELDS_WMBUS = frozenset({0x44, 0x46, 0x04, 0x06, 0x40, 0x08, 0x18, 0x28, 0x38, 0x53, 0x73, 0x5B, 0x7B})


@dataclass(slots=True)
class LinkFrame:
    """A normalised frame: `body` starts at the first CI after the address."""

    kind: str  # "wmbus" or "mbus"
    c_field: int
    crc_format: str  # "A", "B" or "none"
    m_field: int  # 0 for wired frames, whose M lives in the TPL long header
    a_field: bytes  # 6 bytes (id 4 LE BCD, version, device type); empty for wired frames
    body: bytes
    frame: bytes  # canonical frame, CRC-free, L recomputed
    primary_address: int | None = None
    trailing: int = 0  # bytes after the L-field's end that were ignored
    # A format-B reading that rests on one CRC match: a CRC-free frame of the same length
    # matches by chance once in 65,536, so the decoder keeps this CRC-free reading as fallback.
    alternative: LinkFrame | None = None


def id_from_bytes(b: bytes) -> str:
    """The meter id as printed: the 4 little-endian BCD bytes reversed."""
    return b[3::-1].hex()


def _format_a_length(l_field: int) -> int:
    blocks = 1 + (l_field - 9 + 15) // 16 if l_field > 9 else 1
    return 1 + l_field + 2 * blocks


def _strip_a(raw: bytes) -> bytes | None:
    """Return the frame with format-A CRCs removed, or None when they do not verify."""
    out = bytearray(raw[:10])
    if int.from_bytes(raw[10:12], "big") != crc16_en13757(raw[:10]):
        return None
    pos = 12
    n = len(raw)
    while pos < n:
        end = min(pos + 16, n - 2)
        if end <= pos:
            return None
        block = raw[pos:end]
        if int.from_bytes(raw[end : end + 2], "big") != crc16_en13757(block):
            return None
        out += block
        pos = end + 2
    return bytes(out)


def _strip_b(raw: bytes) -> bytes | None:
    n = len(raw)
    first = n if n < 128 else 128
    if first < 12 or (raw[first - 2] << 8 | raw[first - 1]) != crc16_en13757(raw[: first - 2]):
        return None
    out = bytearray(raw[: first - 2])
    if n > 128:
        if n < 131 or int.from_bytes(raw[n - 2 :], "big") != crc16_en13757(raw[128 : n - 2]):
            return None
        out += raw[128 : n - 2]
    return bytes(out)


def strip_crcs(raw: bytes) -> tuple[bytes, str]:
    """Detect format A, format B or no CRCs; verify and strip; recompute L.

    Format A is recognised by its length (L never counts CRCs); format B and CRC-free frames
    share length L + 1, so format B is accepted only when its CRC(s) verify.
    """
    n = len(raw)
    if n < 11:
        raise DecodeError(f"frame too short: {n} bytes, a wM-Bus frame has at least 11", "link layer")
    l_field = raw[0]
    if n != l_field + 1 and n == _format_a_length(l_field):
        body = _strip_a(raw)
        if body is None:
            raise DecodeError("link-layer CRC mismatch (format A)", "link layer", reason="crc")
        return bytes([len(body) - 1]) + body[1:], "A"
    if n == l_field + 1:
        body = _strip_b(raw)
        if body is not None:
            return bytes([len(body) - 1]) + body[1:], "B"
        return raw, "none"
    # Format A whose CRCs verify but whose L is off (some receivers rewrite L): try anyway.
    body = _strip_a(raw)
    if body is not None and len(body) >= 11:
        return bytes([len(body) - 1]) + body[1:], "A"
    if n > l_field + 1:
        # Receivers append RSSI/LQI or stray bytes; L is authoritative (the caller is told).
        return raw[: l_field + 1], "none"
    raise DecodeError(
        f"frame truncated: L-field says {l_field} bytes follow, only {n - 1} present", "link layer, offset 0"
    )


def parse_wired_long(raw: bytes) -> LinkFrame:
    """`68 L L 68 C A CI ... CS 16`: check the framing and checksum, keep C, A and the body."""
    n = len(raw)
    if n < 9:
        raise DecodeError("wired M-Bus frame too short", "wired M-Bus frame")
    length = raw[1]
    if raw[2] != length or raw[3] != 0x68:
        raise DecodeError("wired M-Bus start bytes are not 68 L L 68", "wired M-Bus frame, offset 0")
    if n != length + 6:
        raise DecodeError(
            f"wired M-Bus L says {length} bytes, frame holds {n - 6}", "wired M-Bus frame, offset 1"
        )
    if raw[-1] != 0x16:
        raise DecodeError("wired M-Bus frame does not end with 16", f"wired M-Bus frame, offset {n - 1}")
    user = raw[4 : 4 + length]
    if sum(user) & 0xFF != raw[-2]:
        raise DecodeError("wired M-Bus checksum mismatch", f"wired M-Bus frame, offset {n - 2}", reason="crc")
    if length < 3:
        raise DecodeError("wired M-Bus frame has no CI field", "wired M-Bus frame, offset 6")
    return LinkFrame("mbus", user[0], "none", 0, b"", user[2:], raw, primary_address=user[1])


def parse_link(raw: bytes) -> LinkFrame:
    """Entry point: any frame we accept, normalised."""
    if len(raw) >= 4 and raw[0] == 0x68 and raw[3] == 0x68 and raw[1] == raw[2] and raw[-1:] == b"\x16":
        return parse_wired_long(raw)
    frame, fmt = strip_crcs(raw)
    if len(frame) < 11:
        raise DecodeError(
            f"L-field {frame[0]} leaves {len(frame) - 1} bytes; a wM-Bus frame needs at least 10 plus a CI",
            "link layer, offset 0",
        )
    link = LinkFrame("wmbus", frame[1], fmt, frame[2] | (frame[3] << 8), frame[4:10], frame[10:], frame)
    if len(frame) < len(raw) and fmt == "none":
        link.trailing = len(raw) - len(frame)
    if fmt == "B" and len(raw) <= 128:
        link.alternative = LinkFrame("wmbus", raw[1], "none", raw[2] | (raw[3] << 8), raw[4:10], raw[10:], raw)
    return link

