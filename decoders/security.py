"""AES for OMS security modes 5 and 7 and for ELL AES-CTR.

Every decryption is verified: the TPL modes by the `2F 2F` check bytes, ELL by its payload CRC,
mode 7 additionally by its AFL MAC. A wrong key therefore surfaces as a `DecodeError`
with reason "wrong_key", never as garbage register values on an invoice.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

from .crc import crc16_en13757
from .errors import DecodeError

ZERO_IV = bytes(16)


@lru_cache(maxsize=8192)
def _aes(key: bytes) -> algorithms.AES:
    return algorithms.AES(key)


@lru_cache(maxsize=4096)
def _des(key: bytes) -> TripleDES:
    """Triple DES with K1 = K2 = K3 is single DES; the 24-byte form avoids the deprecated 8-byte one."""
    return TripleDES(key * 3)


def des_cbc_decrypt(key: bytes, data: bytes) -> bytes:
    """OMS security mode 2 (DES-CBC, IV zero): old but still in the field (ActisLink modules)."""
    d = Cipher(_des(key), modes.CBC(bytes(8))).decryptor()
    return d.update(data) + d.finalize()


def des_cbc_encrypt(key: bytes, data: bytes) -> bytes:
    e = Cipher(_des(key), modes.CBC(bytes(8))).encryptor()
    return e.update(data) + e.finalize()


def aes_cbc_decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    d = Cipher(_aes(key), modes.CBC(iv)).decryptor()
    return d.update(data) + d.finalize()


def aes_cbc_encrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    e = Cipher(_aes(key), modes.CBC(iv)).encryptor()
    return e.update(data) + e.finalize()


def aes_ctr(key: bytes, counter_block: bytes, data: bytes) -> bytes:
    """CTR is its own inverse; the counter's last byte is the block counter."""
    c = Cipher(_aes(key), modes.CTR(counter_block)).encryptor()
    return c.update(data) + c.finalize()


def cmac(key: bytes, data: bytes) -> bytes:
    c = CMAC(_aes(key))
    c.update(data)
    return c.finalize()


def mode5_iv(m_field: bytes, a_field: bytes, acc: int) -> bytes:
    """IV = M(2) + A(6) + ACC repeated 8 times."""
    return m_field + a_field + bytes((acc,)) * 8


def mode7_keys(key: bytes, counter: bytes, meter_id: bytes) -> tuple[bytes, bytes]:
    """Derive (encryption key, MAC key) with AES-CMAC from the AFL message counter (OMS KDF-A)."""
    tail = counter + meter_id + b"\x07" * 7
    return cmac(key, b"\x00" + tail), cmac(key, b"\x01" + tail)


def ell_counter_block(m_field: bytes, a_field: bytes, cc: int, sn: bytes) -> bytes:
    return m_field + a_field + bytes((cc & ~0x12 & 0xFF,)) + sn + b"\x00\x00\x00"


def decrypt_checked(key: bytes, iv: bytes, data: bytes, where: str) -> bytes:
    """AES-CBC, then insist on the 2F 2F check bytes."""
    if len(data) % 16:
        raise DecodeError(f"encrypted part is {len(data)} bytes, not a multiple of 16", where)
    plain = aes_cbc_decrypt(key, iv, data)
    if plain[:2] != b"\x2f\x2f":
        raise DecodeError("decryption failed: wrong key (no 2F 2F check bytes)", where, reason="wrong_key")
    return plain


def ell_crc_ok(payload_with_crc: bytes) -> bool:
    if len(payload_with_crc) < 2:
        return False
    crc = crc16_en13757(payload_with_crc[2:])
    return int.from_bytes(payload_with_crc[:2], "little") == crc
