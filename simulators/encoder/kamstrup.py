"""Kamstrup MULTICAL 21 / flowIQ (KAM, KAW): ELL-II with AES-CTR around a 0x78 or 0x79 frame.

The full frame (CI 0x78) holds standard records: info codes (04 FF 23), total, due-date
value, due date and flow. The compact frame (CI 0x79) sends only values behind a format
signature; the simulator uses signature 0x36D4, whose layout the decoder knows without an
earlier full frame: info(2) total(4) due-date value(4) due date(2), then 2 + 3 + 1 + 6 bytes
the decoder skips or reads as temperatures. Alarms map to the info-code bits.
"""

from __future__ import annotations

from decoders.alarms import BACKFLOW, BURST, DRY, LEAK, LOW_BATTERY, NO_CONSUMPTION, TAMPER
from decoders.crc import crc16_en13757
from decoders.dates import encode_date_g
from decoders.security import aes_ctr, ell_counter_block
from simulators.encoder.link import a_field, dll_frame, m_field
from simulators.encoder.state import MeterState

MANUFACTURERS = ("KAM", "KAW")
DEVICE_TYPES = (0x06, 0x07, 0x15, 0x16)
CI_ELL_II = 0x8D
CI_FULL = 0x78
CI_COMPACT = 0x79
ELL_CC = 0x20
ELL_SECURITY_AES_CTR = 1 << 29  # session-number bits 29-31 = 1
COMPACT_SIGNATURE = 0x36D4
INFO_BITS = {DRY: 0x001, BACKFLOW: 0x002, LEAK: 0x004, BURST: 0x008, TAMPER: 0x010, LOW_BATTERY: 0x020,
             NO_CONSUMPTION: 0x200}
ALARMS = frozenset(INFO_BITS)
# The compact frames' 16-bit info word (02 FF 20) has only these four flags; bits 4-15 are the
# duration bands, which a simulated meter leaves at 0 ("not set").
COMPACT_ALARMS = frozenset((DRY, BACKFLOW, LEAK, BURST))
# Compact tail after the due date: unexplained(2), three temperatures (°C), unexplained(1 + 6).
_COMPACT_TAIL = bytes(2) + bytes((12, 5, 20)) + bytes(7)


def info_code(alarms: frozenset[str], allowed: frozenset[str] = ALARMS) -> int:
    unknown = alarms - allowed
    if unknown:
        raise ValueError(f"Kamstrup info codes cannot carry {sorted(unknown)}")
    code = 0
    for name in alarms:
        code |= INFO_BITS[name]
    return code


def _le(value: int, size: int) -> bytes:
    return value.to_bytes(size, "little", signed=True)


def full_app(state: MeterState) -> bytes:
    d = state.target_date
    return b"".join((
        bytes((CI_FULL,)),
        b"\x04\xff\x23", info_code(state.alarms).to_bytes(4, "little"),
        b"\x04\x13", _le(state.total_l, 4),
        b"\x44\x13", _le(state.target_l, 4),
        b"\x42\x6c", encode_date_g(d.year, d.month, d.day),
        b"\x02\x3b", _le(state.flow_lph, 2),
    ))


def compact_app(state: MeterState) -> bytes:
    d = state.target_date
    values = (info_code(state.alarms, COMPACT_ALARMS).to_bytes(2, "little") + _le(state.total_l, 4)
              + _le(state.target_l, 4) + encode_date_g(d.year, d.month, d.day) + _COMPACT_TAIL)
    data_crc = crc16_en13757(values).to_bytes(2, "little")
    return bytes((CI_COMPACT,)) + COMPACT_SIGNATURE.to_bytes(2, "little") + data_crc + values


def _ell_frame(state: MeterState, acc: int, app: bytes) -> bytes:
    """ELL-II header (CC, ACC, SN), then AES-CTR over payload CRC (LE) + application data."""
    if state.manufacturer not in MANUFACTURERS or state.device_type not in DEVICE_TYPES:
        raise ValueError("kamwater frames come from KAM/KAW water meters (type 0x06, 0x07, 0x15, 0x16)")
    m = m_field(state.manufacturer)
    a = a_field(state.meter_id, state.version, state.device_type)
    sn = (ELL_SECURITY_AES_CTR | (state.access_counter & 0x1FFFFFFF)).to_bytes(4, "little")
    plain = crc16_en13757(app).to_bytes(2, "little") + app
    cipher = aes_ctr(state.key, ell_counter_block(m, a, ELL_CC, sn), plain)
    return dll_frame(m, a, bytes((CI_ELL_II, ELL_CC, acc)) + sn + cipher)


def full_frame(state: MeterState, acc: int) -> bytes:
    return _ell_frame(state, acc, full_app(state))


def compact_frame(state: MeterState, acc: int) -> bytes:
    return _ell_frame(state, acc, compact_app(state))
