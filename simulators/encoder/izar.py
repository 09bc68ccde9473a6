"""Diehl IZAR PRIOS frames (DME, HYD, SAP; CI 0xA2): clear header h0-h3, then 11 scrambled bytes.

The scrambler is a 32-bit LFSR (taps per decoders/drivers/_dhl_prios.py) started from the
folded key XOR the frame's first twelve bytes after L and C. Real IZAR modules almost all use
the public default key, so the simulator does too; `MeterState.key` is not used here.
Plaintext: check byte 0x4B, total litres, due-date litres, due date (type G).
The one alarm the format is known to carry is the previous-period leak, h1 bit 6.
"""

from __future__ import annotations

from decoders.alarms import LEAK
from decoders.dates import encode_date_g
from simulators.encoder.link import dll_frame, m_field
from simulators.encoder.state import MeterState

MANUFACTURERS = ("DME", "HYD", "SAP")
SWAPPED = frozenset(("DME", "HYD"))  # these send the address as version, type, id
CI_PRIOS = 0xA2
DEFAULT_KEY32 = 0xDFD109E8  # XOR of the halves of the public default key
CHECK_BYTE = 0x4B
PERIOD_32S = 0x03  # h0 low nibble n: period 4 << n seconds
BATTERY_HALF_YEARS = 20  # h1 bits 0-4
H1_PREV_LEAK = 0x40
ALARMS = frozenset((LEAK,))
_MASK32 = 0xFFFFFFFF


def _scramble(data: bytes, register: int) -> bytes:
    """Clock 8 bits per byte (new bit = r1 ^ r2 ^ r11 ^ r31), XOR the register's low byte."""
    out = bytearray()
    for byte in data:
        for _ in range(8):
            bit = ((register >> 1) ^ (register >> 2) ^ (register >> 11) ^ (register >> 31)) & 1
            register = ((register << 1) | bit) & _MASK32
        out.append(byte ^ (register & 0xFF))
    return bytes(out)


def _address(state: MeterState) -> bytes:
    ident = bytes.fromhex(state.meter_id)[::-1]
    if state.manufacturer in SWAPPED:
        return bytes((state.version, state.device_type)) + ident
    return ident + bytes((state.version, state.device_type))


def frame(state: MeterState, acc: int, ci: int = CI_PRIOS, key32: int = DEFAULT_KEY32) -> bytes:
    """`acc` is unused: PRIOS frames carry no access number. `ci` may be any PRIOS CI (0xA0-0xA7,
    0xB1-0xB3); `key32` is the folded 8-byte key (the first public default key by default)."""
    del acc
    if state.manufacturer not in MANUFACTURERS:
        raise ValueError(f"IZAR PRIOS frames come from {MANUFACTURERS}, not {state.manufacturer}")
    unknown = state.alarms - ALARMS
    if unknown:
        raise ValueError(f"IZAR PRIOS frames cannot carry {sorted(unknown)}")
    for value in (state.total_l, state.target_l):
        if not 0 <= value < 1 << 32:
            raise ValueError("IZAR registers are unsigned 32-bit litre counts")
    m = m_field(state.manufacturer)
    a = _address(state)
    h1 = BATTERY_HALF_YEARS | (H1_PREV_LEAK if LEAK in state.alarms else 0)
    header = bytes((PERIOD_32S, h1, 0x00, 0x13))
    d = state.target_date
    plain = (bytes((CHECK_BYTE,)) + state.total_l.to_bytes(4, "little") + state.target_l.to_bytes(4, "little")
             + encode_date_g(d.year, d.month, d.day))
    words = m + a + bytes((ci,)) + header[:3]
    register = key32
    for i in range(0, 12, 4):
        register ^= int.from_bytes(words[i : i + 4], "big")
    return dll_frame(m, a, bytes((ci,)) + header + _scramble(plain, register))
