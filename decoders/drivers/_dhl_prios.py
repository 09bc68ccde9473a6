"""Diehl PRIOS descrambling (IZAR radio modules, CI 0xA1/0xA2), derived from the public vectors.

How it was derived (known-plaintext analysis of the four IZAR vectors, no other source):
- With the reference values placed as check(1) total(4) due-date total(4) due date(2), the
  keystream bits (MSB first) of every vector have linear complexity 32 and the same connection
  polynomial 1 + x^2 + x^3 + x^12 + x^32, i.e. s[t] = s[t-2] ^ s[t-3] ^ s[t-12] ^ s[t-32].
- The 32 bits before the first keystream bit (the register when descrambling starts) equal
  K ^ M|A0|A1 ^ A2..A5 ^ CI|h0|h1|h2 (big-endian words of the frame bytes 2..13) with one
  constant K = 0xDFD109E8 for DME, HYD and SAP alike: that is the XOR of the two halves of the
  public default 8-byte key, the only part of it the algorithm uses.
- The first descrambled byte is 0x4B in every vector: a check byte, so a wrong key is detected.

The keystream is a linear function of the 32-bit start register, so it is computed with four
256-entry tables (one per register byte) instead of 88 single-bit clock steps.
"""

from __future__ import annotations

DEFAULT_KEY32 = 0xDFD109E8
# The public default keys, tried in this order when the meter has no key of its own:
# 39BC8A10E66D83F8 and 51728910E66D83F8 folded to 32 bits.
DEFAULT_KEYS32 = (DEFAULT_KEY32, 0xB71F0AE8)
CHECK_BYTE = 0x4B
# check(1) + total litres(4) + due-date litres(4) + due date type G(2)
PLAIN_LEN = 11
# Scrambled data starts after CI h0 h1 h2 h3.
DATA_OFFSET = 5
_MASK32 = 0xFFFFFFFF


def _clock_bytes(register: int, n: int) -> int:
    """Reference LFSR: shift left, new bit = r1 ^ r2 ^ r11 ^ r31; output the low byte every 8 clocks."""
    out = 0
    for _ in range(n):
        for _ in range(8):
            bit = ((register >> 1) ^ (register >> 2) ^ (register >> 11) ^ (register >> 31)) & 1
            register = ((register << 1) | bit) & _MASK32
        out = (out << 8) | (register & 0xFF)
    return out


def _tables() -> tuple[tuple[int, ...], ...]:
    basis = [_clock_bytes(1 << bit, PLAIN_LEN) for bit in range(32)]
    tables = []
    for byte in range(4):
        table = [0] * 256
        for v in range(1, 256):
            low = v & -v
            table[v] = table[v ^ low] ^ basis[8 * byte + low.bit_length() - 1]
        tables.append(tuple(table))
    return tuple(tables)


_T0, _T1, _T2, _T3 = _tables()


def keystream(register: int) -> int:
    """The PLAIN_LEN keystream bytes for a start register, as one big-endian integer."""
    return _T0[register & 0xFF] ^ _T1[(register >> 8) & 0xFF] ^ _T2[(register >> 16) & 0xFF] ^ _T3[register >> 24]


def key32(key: bytes) -> int | None:
    """An 8-byte Diehl key folds to 32 bits (XOR of its halves); other lengths are not PRIOS keys."""
    if len(key) != 8:
        return None
    return int.from_bytes(key[:4], "big") ^ int.from_bytes(key[4:], "big")


def start_register(k32: int, m_field: bytes, a_field: bytes, body: bytes) -> int:
    header = m_field + a_field + body[:4]
    return (k32 ^ int.from_bytes(header[0:4], "big") ^ int.from_bytes(header[4:8], "big")
            ^ int.from_bytes(header[8:12], "big"))


def descramble(k32: int, m_field: bytes, a_field: bytes, body: bytes) -> bytes:
    """The first PLAIN_LEN (or fewer, if the frame is shorter) plaintext bytes of a PRIOS frame;
    the caller checks `CHECK_BYTE`. `body` starts at the CI."""
    data = body[DATA_OFFSET : DATA_OFFSET + PLAIN_LEN]
    n = len(data)
    ks = keystream(start_register(k32, m_field, a_field, body)) >> 8 * (PLAIN_LEN - n)
    return (int.from_bytes(data, "big") ^ ks).to_bytes(n, "big")
