"""Wehrle meters (WEH), alone or behind a Techem MK Radio 4a converter: standard records."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from frames import wmbus
from test_conformance import VECTORS, decode_vector

from decoders import Decoder
from decoders.crc import crc16_en13757
from decoders.dates import encode_date_g as type_g

WEH = 0x5CA8
TCH = 0x5068
KEY = bytes(range(100, 116))




def converter_frame(meter_id: str, records: bytes, acc: int = 0x33, sts: int = 0) -> bytes:
    """TCH radio converter frame carrying a long TPL header of a WEH v0xFE meter, mode 5."""
    plain = b"\x2f\x2f" + records
    plain += b"\x2f" * (-len(plain) % 16)
    tpl_a = bytes.fromhex(meter_id)[::-1] + bytes([0xFE, 0x07])
    iv = WEH.to_bytes(2, "little") + tpl_a + bytes([acc]) * 8
    enc = Cipher(algorithms.AES(KEY), modes.CBC(iv)).encryptor()
    cfg = 0x0500 | (len(plain) // 16) << 4
    tpl = (bytes([0x72]) + tpl_a[:4] + WEH.to_bytes(2, "little") + tpl_a[4:] + bytes([acc, sts])
           + cfg.to_bytes(2, "little"))
    return wmbus(TCH, "99999999", 0x95, 0x37, tpl + enc.update(plain) + enc.finalize())


@pytest.mark.parametrize("index", [i for i, v in enumerate(VECTORS) if v["driver"] in ("weh_07", "mkradio4a")])
def test_vectors(index: int) -> None:
    v = VECTORS[index]
    t = decode_vector(v)
    assert t.error is None and t.driver == "weh_07"
    for name in ("total_m3", "target_m3", "target_date"):
        assert getattr(t, name) == v["expect"].get(name, getattr(t, name)), name


def test_built_encrypted_converter_frame() -> None:
    records = (b"\x04\x13" + (4321).to_bytes(4, "little") + b"\x44\x13" + (4000).to_bytes(4, "little")
               + b"\x42\x6c" + type_g(2025, 12, 31))
    t = Decoder(default_key=KEY).decode(converter_frame("01770002", records))
    assert (t.id, t.radio_id, t.driver, t.decrypted) == ("01770002", "99999999", "weh_07", True)
    assert (t.total_m3, t.target_m3, t.target_date, t.alarms) == (4.321, 4.0, "2025-12-31", [])


def test_forced_mkradio4a_decodes_the_same() -> None:
    records = b"\x43\x15" + (752).to_bytes(3, "little") + b"\x42\x6c" + type_g(2021, 12, 31)
    t = Decoder(default_key=KEY, driver="mkradio4a").decode(converter_frame("01770002", records))
    assert (t.driver, t.target_m3, t.target_date, t.total_m3) == ("mkradio4a", 75.2, "2021-12-31", None)


def test_compact_frame_after_a_full_frame_keeps_the_meter_clock() -> None:
    """Compact frames carry no headers: the clock comes from the core's expanded records."""
    headers = (b"\x04\x13", b"\x04\x6d")
    full = b"\x2f\x2f" + headers[0] + (100).to_bytes(4, "little") + headers[1] + bytes.fromhex("1e0a3f35")
    values = (250).to_bytes(4, "little") + bytes.fromhex("1f0b3f35")
    compact = (crc16_en13757(b"".join(headers)).to_bytes(2, "little") + crc16_en13757(values).to_bytes(2, "little")
               + values)
    decoder = Decoder()
    first = decoder.decode(wmbus(WEH, "27604781", 0x03, 0x07, bytes([0x7A, 1, 0, 0, 0]) + full))
    assert (first.driver, first.total_m3, first.extra["meter_datetime"]) == ("weh_07", 0.1, "2025-05-31 10:30")
    t = decoder.decode(wmbus(WEH, "27604781", 0x03, 0x07, bytes([0x7B, 2, 0, 0, 0]) + compact))
    assert (t.ci, t.total_m3, t.extra["meter_datetime"]) == (0x7B, 0.25, "2025-05-31 11:31")
