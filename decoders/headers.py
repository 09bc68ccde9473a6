"""Declarative layouts of the fixed-size headers, in construct.

These are the single source of truth for field order and size: the simulators' encoder builds
frames from them and the tests parse with them. A compiled construct parse still costs about
8 us per header, a quarter of the per-telegram budget, so the decoder's hot path uses the
`struct` twins below; `tests/test_headers.py` checks every twin against its construct layout.
"""

from __future__ import annotations

import struct

from construct import Bytes, Int8ul, Int16ul, Struct

# Link layer after L: C, M, A (id, version, device type).
LinkHeader = Struct(
    "c_field" / Int8ul,
    "m_field" / Int16ul,
    "id_bytes" / Bytes(4),
    "version" / Int8ul,
    "device_type" / Int8ul,
)

# TPL long header (CI 0x72 and 0x73), after the CI.
LongTplHeader = Struct(
    "id_bytes" / Bytes(4),
    "m_field" / Int16ul,
    "version" / Int8ul,
    "device_type" / Int8ul,
    "acc" / Int8ul,
    "sts" / Int8ul,
    "cfg" / Int16ul,
)

# TPL short header (CI 0x7A and 0x7B), after the CI.
ShortTplHeader = Struct(
    "acc" / Int8ul,
    "sts" / Int8ul,
    "cfg" / Int16ul,
)

# ELL-II (CI 0x8D), after the CI; the payload CRC is part of the encrypted payload.
EllIIHeader = Struct(
    "cc" / Int8ul,
    "acc" / Int8ul,
    "sn" / Bytes(4),
)

# AFL (CI 0x90) fixed part, after the CI; the optional fields follow per FC.
AflHeader = Struct(
    "length" / Int8ul,
    "fc" / Int16ul,
)

# Compact frame (CI 0x79), after the CI.
CompactHeader = Struct(
    "signature" / Int16ul,
    "data_crc" / Int16ul,
)

# struct twins for the hot path (same field order as the construct layouts above).
LINK_FAST = struct.Struct("<BH4sBB")
LONG_TPL_FAST = struct.Struct("<4sHBBBBH")
SHORT_TPL_FAST = struct.Struct("<BBH")
ELL_II_FAST = struct.Struct("<BB4s")
AFL_FAST = struct.Struct("<BH")
COMPACT_FAST = struct.Struct("<HH")
