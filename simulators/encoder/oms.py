"""OMS telegrams with standard EN 13757-3 records: unencrypted, security mode 5 and mode 7.

Every OMS family here sends the same application data, so a population can mix them and the
decoded readings stay comparable: total (storage 0), due-date value and its type G date
(storage 1), flow, and the error-flags register. Alarms travel in the TPL status byte, the
only place the standard gives them a meaning every decoder shares.
"""

from __future__ import annotations

from decoders.alarms import ALARM, ERROR, LOW_BATTERY, PERMANENT_ERROR, TEMPORARY_ERROR
from decoders.dates import encode_date_g
from decoders.security import aes_cbc_encrypt, cmac, mode5_iv, mode7_keys
from simulators.encoder.link import a_field, dll_frame, m_field
from simulators.encoder.state import MeterState

CI_SHORT_TPL = 0x7A
CI_ELL_I = 0x8C
CI_AFL = 0x90
CHECK = b"\x2f\x2f"  # OMS decryption check bytes, also the idle filler
ELL_CC = 0x20
AFL_MCL = 0x25  # message control: MAC and counter present, as meters in the field send it
AFL_FC = 0x2C00  # fragment control: message control + message counter + MAC present
AFL_MAC_LEN = 8
CFG_EXT_MODE7 = 0x10

# Status-byte bits (EN 13757-3). ERROR and ALARM share bits 1:0, so at most one of them.
_STS_LOW = {ERROR: 0b10, ALARM: 0b11}
_STS_BITS = {LOW_BATTERY: 0x04, PERMANENT_ERROR: 0x08, TEMPORARY_ERROR: 0x10}
STATUS_ALARMS = frozenset(_STS_LOW) | frozenset(_STS_BITS)


def status_byte(alarms: frozenset[str]) -> int:
    """The TPL status byte announcing `alarms`; names it cannot carry are an error, not a loss."""
    unknown = alarms - STATUS_ALARMS
    if unknown:
        raise ValueError(f"the TPL status byte cannot carry {sorted(unknown)}")
    low = [name for name in _STS_LOW if name in alarms]
    if len(low) > 1:
        raise ValueError("ERROR and ALARM share status bits 1:0; a meter reports one of them")
    sts = _STS_LOW[low[0]] if low else 0
    for name, bit in _STS_BITS.items():
        if name in alarms:
            sts |= bit
    return sts


def records(state: MeterState) -> bytes:
    """Total (04 13), due-date value (44 13), due date (42 6C), flow l/h (02 3B), error flags (02 FD 17)."""
    d = state.target_date
    return b"".join((
        b"\x04\x13", state.total_l.to_bytes(4, "little", signed=True),
        b"\x44\x13", state.target_l.to_bytes(4, "little", signed=True),
        b"\x42\x6c", encode_date_g(d.year, d.month, d.day),
        b"\x02\x3b", state.flow_lph.to_bytes(2, "little", signed=True),
        b"\x02\xfd\x17", state.error_flags.to_bytes(2, "little"),
    ))


def _padded(plain: bytes) -> bytes:
    """2F 2F check bytes in front, 2F filler to whole AES blocks behind."""
    data = CHECK + plain
    return data + CHECK[:1] * (-len(data) % 16)


def _short_tpl(acc: int, sts: int, cfg: int) -> bytes:
    return bytes((CI_SHORT_TPL, acc, sts)) + cfg.to_bytes(2, "little")


def plain_frame(state: MeterState, acc: int) -> bytes:
    m = m_field(state.manufacturer)
    a = a_field(state.meter_id, state.version, state.device_type)
    return dll_frame(m, a, _short_tpl(acc, status_byte(state.alarms), 0) + records(state))


def mode5_frame(state: MeterState, acc: int) -> bytes:
    """AES-128-CBC, IV = M + A + ACC x 8; CFG names mode 5 and the number of encrypted blocks."""
    m = m_field(state.manufacturer)
    a = a_field(state.meter_id, state.version, state.device_type)
    plain = _padded(records(state))
    cfg = 0x0500 | (len(plain) // 16) << 4
    cipher = aes_cbc_encrypt(state.key, mode5_iv(m, a, acc), plain)
    return dll_frame(m, a, _short_tpl(acc, status_byte(state.alarms), cfg) + cipher)


def mode7_frame(state: MeterState, acc: int) -> bytes:
    """ELL-I, AFL (message counter + 8-byte CMAC), then a mode-7 TPL.

    Keys come from the meter key and the AFL message counter (OMS KDF); the payload is
    AES-CBC with a zero IV and the MAC covers MCL, counter and everything from the TPL CI on.
    """
    m = m_field(state.manufacturer)
    a = a_field(state.meter_id, state.version, state.device_type)
    counter = (state.access_counter & 0xFFFFFFFF).to_bytes(4, "little")
    enc_key, mac_key = mode7_keys(state.key, counter, a[:4])
    plain = _padded(records(state))
    cfg = 0x0700 | (len(plain) // 16) << 4
    tpl = _short_tpl(acc, status_byte(state.alarms), cfg) + bytes((CFG_EXT_MODE7,))
    tpl += aes_cbc_encrypt(enc_key, bytes(16), plain)
    mac = cmac(mac_key, bytes((AFL_MCL,)) + counter + tpl)[:AFL_MAC_LEN]
    afl_fields = AFL_FC.to_bytes(2, "little") + bytes((AFL_MCL,)) + counter + mac
    afl = bytes((CI_AFL, len(afl_fields))) + afl_fields
    ell = bytes((CI_ELL_I, ELL_CC, acc))
    return dll_frame(m, a, ell + afl + tpl)
