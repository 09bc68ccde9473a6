"""picoflux: AES mode 5 with the meter key, backward register, actuality duration, status."""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from frames import le, wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.manufacturer import letters_to_code as mfct

KEY = bytes.fromhex("00112233445566778899aabbccddeeff")






def test_vector_status_ok() -> None:
    t = decode_vector(VECTORS[72])  # reference status "OK"
    ref = VECTORS[72]["reference_output"]
    assert t.alarms == []
    assert t.extra["status_flags"] == []
    assert (t.extra["total_backward_m3"], t.extra["actuality_duration_s"]) == (
        ref["total_backward_m3"], ref["actuality_duration_s"])


def encrypted_frame(total_l: int, backward_l: int, errors: int) -> bytes:
    plain = (
        b"\x2f\x2f\x02\xfd\x17" + le(errors, 2) + b"\x04\x13" + le(total_l, 4) + b"\x04\x93\x3c" + le(backward_l, 4)
        + b"\x04\x74" + le(900, 4)
    )
    plain += b"\x2f" * (-len(plain) % 16)
    a = bytes.fromhex("57530510")[::-1] + bytes([0x05, 0x07])
    iv = le(mfct("ECM"), 2) + a + bytes([0xA9]) * 8
    enc = Cipher(algorithms.AES(KEY), modes.CBC(iv)).encryptor()
    cipher = enc.update(plain) + enc.finalize()
    cfg = 0x0500 | (len(cipher) // 16) << 4
    return wmbus(mfct("ECM"), "57530510", 0x05, 0x07, bytes([0x7A, 0xA9, 0]) + le(cfg, 2) + cipher)


def test_built_encrypted_frame() -> None:
    t = Decoder(default_key=KEY).decode(encrypted_frame(20000, 3, 0x0001))
    assert t.driver == "picoflux"
    assert (t.total_m3, t.extra["total_backward_m3"], t.extra["actuality_duration_s"]) == (20.0, 0.003, 900)
    assert t.alarms == ["ERROR"]
    wrong = Decoder(default_key=bytes(16)).decode_safe(encrypted_frame(20000, 3, 0))
    assert wrong.reason == "wrong_key" and wrong.total_m3 is None
