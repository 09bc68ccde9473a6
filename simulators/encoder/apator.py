"""Apator AT-WMBUS-16-2 (APA, version 0x05): OMS mode 5 around a proprietary tag list.

The plaintext after `2F 2F` is a run of one-byte tags with fixed lengths; tag 0x10 is the
total in litres. The other tags sent here (0x0F, 0xA0) are ones whose lengths the decoder
knows from the public vectors, so the walk passes over them as it must over a real meter's.
Alarms travel in the TPL status byte, as for any OMS meter.
"""

from __future__ import annotations

from decoders.security import aes_cbc_encrypt, mode5_iv
from simulators.encoder.link import a_field, dll_frame, m_field
from simulators.encoder.oms import CHECK, CI_SHORT_TPL, status_byte
from simulators.encoder.state import MeterState

MANUFACTURER = "APA"
VERSION = 0x05
DEVICE_TYPES = (0x06, 0x07)
TAG_TOTAL = 0x10
FILLER = 0xFF
TRAILER = b"\x00\x00"  # two bytes the decoder skips; their meaning is unknown


def register_list(state: MeterState) -> bytes:
    """2F 2F, tags, FF filler to whole AES blocks, 2-byte trailer."""
    if not 0 <= state.total_l < 1 << 32:
        raise ValueError("apator162 carries the total as an unsigned 32-bit litre count")
    tags = (
        b"\x0f" + bytes(7)
        + bytes((TAG_TOTAL,)) + state.total_l.to_bytes(4, "little")
        + b"\xa0" + (state.access_counter & 0xFFFFFFFF).to_bytes(4, "little")
    )
    body = CHECK + tags
    return body + bytes((FILLER,)) * (-(len(body) + len(TRAILER)) % 16) + TRAILER


def frame(state: MeterState, acc: int) -> bytes:
    if state.manufacturer != MANUFACTURER or state.version != VERSION or state.device_type not in DEVICE_TYPES:
        raise ValueError("apator162 frames come from APA version 0x05 water meters (type 0x06/0x07)")
    m = m_field(state.manufacturer)
    a = a_field(state.meter_id, state.version, state.device_type)
    plain = register_list(state)
    cfg = 0x0500 | (len(plain) // 16) << 4
    header = bytes((CI_SHORT_TPL, acc, status_byte(state.alarms))) + cfg.to_bytes(2, "little")
    return dll_frame(m, a, header + aes_cbc_encrypt(state.key, mode5_iv(m, a, acc), plain))
