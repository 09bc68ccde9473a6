"""Small link-layer checks the framers need to tell a frame from noise (EN 13757-4).

Sticks that delimit their frames (IMST, Amber command mode, CUL lines) need none of this. Unframed
byte streams (Amber transparent mode, RC1180, raw and hex ttys) carry no checksum at all, so the only
way back into step after garbage is to find a byte that could be an L-field followed by a C-field a
meter sends and a manufacturer code made of letters.
"""

from __future__ import annotations

# C-fields a meter transmits unsolicited: SND_NR and SND_IR (EN 13757-4).
METER_C_FIELDS = frozenset({0x44, 0x46})
MIN_L = 10  # C + M + A + CI: anything shorter cannot be a telegram
# CI-fields that follow the address in a meter's telegram: EN 13757-3/-4 application and transport
# layers (0x50–0x7F), extended link and authentication layers (0x80–0x97) and manufacturer-specific
# layers (0xA0–0xB7).
CI_PLAUSIBLE = frozenset(range(0x50, 0x98)) | frozenset(range(0xA0, 0xB8))
HEADER_LEN = 11


def letters_ok(m_lo: int, m_hi: int) -> bool:
    """A manufacturer field whose three 5-bit letters are all A–Z."""
    m = m_lo | (m_hi << 8)
    return all(1 <= (m >> shift) & 31 <= 26 for shift in (10, 5, 0))


def header_at(buf: bytes | bytearray, i: int, min_l: int = MIN_L) -> bool:
    """Could a telegram start at ``buf[i]``? (L plausible, C a meter's, M letters, a known CI).

    ``min_l`` is 11 where the stick counts its RSSI byte in L (else a 10 would leave no room for CI).
    """
    return (len(buf) >= i + HEADER_LEN and buf[i] >= min_l and buf[i + 1] in METER_C_FIELDS
            and letters_ok(buf[i + 2], buf[i + 3]) and buf[i + 10] in CI_PLAUSIBLE)


def header_possible(buf: bytes | bytearray, i: int, min_l: int = MIN_L) -> bool:
    """Could a telegram still start at ``buf[i]``, judging only the bytes already there?

    Lets a framer drop a garbage byte as soon as one known byte rules it out, instead of waiting for a
    whole header's worth of bytes behind it (which would hold back a short reply after the garbage).
    """
    n = len(buf) - i
    return (buf[i] >= min_l and (n < 2 or buf[i + 1] in METER_C_FIELDS)
            and (n < 4 or letters_ok(buf[i + 2], buf[i + 3])) and (n < 11 or buf[i + 10] in CI_PLAUSIBLE))


def with_l(body: bytes) -> bytes:
    """The canonical frame: L rewritten as len - 1 (sticks count RSSI in it, rtl_433 prints it wrong)."""
    return bytes([len(body) - 1]) + body[1:]

