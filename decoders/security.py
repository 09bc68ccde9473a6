"""AES for OMS security modes 5 and 7 and for ELL AES-CTR.

Every decryption is verified: the TPL modes by the `2F 2F` check bytes, ELL by its payload CRC,
mode 7 additionally by its AFL MAC. A wrong key therefore surfaces as a `DecodeError`
with reason "wrong_key", never as garbage register values on an invoice.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

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


# One cipher context per key serves every telegram of that meter: building a context costs
# more than decrypting a whole telegram with it. A van hears each meter several times within a
# minute, so a bounded cache of the recent meters' contexts stays warm.
_CONTEXTS = 4096


@lru_cache(maxsize=_CONTEXTS)
def _des_cbc_decryptor(key: bytes) -> Any:
    return Cipher(_des(key), modes.CBC(bytes(8))).decryptor()


@lru_cache(maxsize=_CONTEXTS)
def _aes_cbc_decryptor(key: bytes) -> Any:
    return Cipher(_aes(key), modes.CBC(ZERO_IV)).decryptor()


@lru_cache(maxsize=_CONTEXTS)
def _aes_ecb_encryptor(key: bytes) -> Any:
    return Cipher(_aes(key), modes.ECB()).encryptor()


def _cbc_reusing(context: Any, iv: bytes, data: bytes) -> bytes:
    """CBC-decrypt `data` with a long-lived context whatever its chaining state: block i of the
    plaintext depends only on ciphertext blocks i and i-1 (the IV for i = 0), so the IV is fed
    as a leading ciphertext block and its (garbage) plaintext block dropped."""
    return context.update(iv + data)[len(iv) :]


def des_cbc_decrypt(key: bytes, data: bytes) -> bytes:
    """OMS security mode 2 (DES-CBC, IV zero): old but still in the field (ActisLink modules)."""
    if len(data) % 8:
        d = Cipher(_des(key), modes.CBC(bytes(8))).decryptor()
        return d.update(data) + d.finalize()  # raises, as for any partial block
    return _cbc_reusing(_des_cbc_decryptor(key), bytes(8), data)


def des_cbc_encrypt(key: bytes, data: bytes) -> bytes:
    e = Cipher(_des(key), modes.CBC(bytes(8))).encryptor()
    return e.update(data) + e.finalize()


def aes_cbc_decrypt(key: bytes, iv: bytes, data: bytes, reuse: bool = True) -> bytes:
    """AES-CBC; `reuse=False` for a one-telegram key (mode 7), whose context would only evict
    the meters' own keys from the cache."""
    if not reuse or len(data) % 16 or len(iv) != 16:
        d = Cipher(_aes(key), modes.CBC(iv)).decryptor()
        return d.update(data) + d.finalize()
    return _cbc_reusing(_aes_cbc_decryptor(key), iv, data)


def aes_cbc_encrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    e = Cipher(_aes(key), modes.CBC(iv)).encryptor()
    return e.update(data) + e.finalize()


_MASK128 = (1 << 128) - 1


def aes_ctr(key: bytes, counter_block: bytes, data: bytes) -> bytes:
    """CTR is its own inverse; the counter's last byte is the block counter. The key stream is
    the ECB encryption of the counter blocks (the 128-bit counter incremented big-endian), made
    with the key's cached ECB context."""
    n = len(data)
    if len(counter_block) != 16 or not n:
        c = Cipher(_aes(key), modes.CTR(counter_block)).encryptor()
        return c.update(data) + c.finalize()
    first = int.from_bytes(counter_block, "big")
    counters = b"".join(((first + i) & _MASK128).to_bytes(16, "big") for i in range((n + 15) // 16))
    stream = _aes_ecb_encryptor(key).update(counters)
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream[:n], "big")).to_bytes(n, "big")


def cmac(key: bytes, data: bytes) -> bytes:
    c = CMAC(_aes(key))
    c.update(data)
    return c.finalize()


def _double(block: int) -> int:
    """Multiplication by x in GF(2^128), the CMAC subkey step (RFC 4493)."""
    block <<= 1
    return (block ^ 0x87) & _MASK128 if block >> 128 else block


@lru_cache(maxsize=_CONTEXTS)
def _cmac_k1(key: bytes) -> int:
    return _double(int.from_bytes(_aes_ecb_encryptor(key).update(ZERO_IV), "big"))


def mode5_iv(m_field: bytes, a_field: bytes, acc: int) -> bytes:
    """IV = M(2) + A(6) + ACC repeated 8 times."""
    return m_field + a_field + bytes((acc,)) * 8


def mode7_keys(key: bytes, counter: bytes, meter_id: bytes) -> tuple[bytes, bytes]:
    """Derive (encryption key, MAC key) with AES-CMAC from the AFL message counter (OMS KDF-A).

    Both inputs are one complete block, whose CMAC is E(K, M xor K1): the two derivations are
    one ECB call with the meter key's cached context."""
    tail = counter + meter_id + b"\x07" * 7
    if len(tail) != 15:
        return cmac(key, b"\x00" + tail), cmac(key, b"\x01" + tail)
    k1 = _cmac_k1(key)
    m = int.from_bytes(tail, "big")
    blocks = (m ^ k1).to_bytes(16, "big") + ((1 << 120 | m) ^ k1).to_bytes(16, "big")
    out = _aes_ecb_encryptor(key).update(blocks)
    return out[:16], out[16:]


def ell_counter_block(m_field: bytes, a_field: bytes, cc: int, sn: bytes) -> bytes:
    return m_field + a_field + bytes((cc & ~0x12 & 0xFF,)) + sn + b"\x00\x00\x00"


def decrypt_checked(key: bytes, iv: bytes, data: bytes, where: str, reuse: bool = True) -> bytes:
    """AES-CBC, then insist on the 2F 2F check bytes."""
    if len(data) % 16:
        raise DecodeError(f"encrypted part is {len(data)} bytes, not a multiple of 16", where)
    plain = aes_cbc_decrypt(key, iv, data, reuse)
    if plain[:2] != b"\x2f\x2f":
        raise DecodeError("decryption failed: wrong key (no 2F 2F check bytes)", where, reason="wrong_key")
    return plain


def ell_crc_ok(payload_with_crc: bytes) -> bool:
    if len(payload_with_crc) < 2:
        return False
    crc = crc16_en13757(payload_with_crc[2:])
    return int.from_bytes(payload_with_crc[:2], "little") == crc
