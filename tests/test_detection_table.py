"""Every (manufacturer, version, type) of the water detection table, decoded from built frames.

Two sources of frames per triple:
- frames built from the format descriptions with random values (`simulators.encoder.table`):
  the proprietary families' own builders, standard records for the others;
- every public example of the family re-addressed to the triple: new meter id, manufacturer,
  version and type written where the frame carries them (link layer, long TPL header, or the
  Diehl order), and mode-5 payloads re-encrypted under the new IV.
Each must be detected as its family and decode to the values it was built with.
"""

from __future__ import annotations

import collections
import random

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from test_conformance import VECTORS

from decoders import Decoder, parse_hex
from decoders.decoder import default_registry
from decoders.detection import diehl_version_type, is_diehl_meter
from decoders.linklayer import parse_link
from decoders.manufacturer import code_to_letters, letters_to_code
from simulators.encoder.table import DETECTION_TABLE, DIEHL_OMS_DEFAULT_KEY, Built, built_frames, parse_triple

ALIASES = {"izarv2": "izar", "qwaterv2": "qwater"}
VALUES = ("id", "total_m3", "target_m3", "target_date")


def _cbc(key: bytes, iv: bytes, data: bytes, encrypt: bool) -> bytes:
    c = Cipher(algorithms.AES(key), modes.CBC(iv))
    op = c.encryptor() if encrypt else c.decryptor()
    return op.update(data) + op.finalize()


def _wired(raw: bytes, mfr: str, version: int, dtype: int, new_id: str) -> bytes:
    """A wired long frame `68 L L 68 C A 72 ID M V T ...`: new address, checksum recomputed."""
    f = bytearray(raw)
    f[7:11] = bytes.fromhex(new_id)[::-1]
    f[11:13] = letters_to_code(mfr).to_bytes(2, "little")
    f[13], f[14] = version, dtype
    f[-2] = sum(f[4:-2]) & 0xFF
    return bytes(f)


def readdress(v: dict, triple: str, rng: random.Random) -> Built | None:
    """The vector re-addressed to `triple`, or None when its cipher does not allow it (ELL
    AES-CTR, mode 7, DES, proprietary AES: those families have their own builders or none)."""
    key = bytes.fromhex(v["key"]) if v["key"] else None
    raw = parse_hex(v["telegram_hex"])
    mfr, version, dtype = parse_triple(triple, rng)
    new_id = f"{rng.randrange(10**8):08d}"
    expect = {k: v["expect"][k] for k in VALUES[1:] if k in v["expect"]}
    expect["id"] = new_id
    if raw[0] == 0x68:
        return Built(v["driver"], triple, "example re-addressed", _wired(raw, mfr, version, dtype, new_id), key, expect)
    t = Decoder(default_key=key).decode(raw)
    if t.decrypted and t.encryption not in ("mode5", "aes-cbc-apator"):
        return None
    f = bytearray(parse_link(raw).frame)
    ps = len(f) - len(t.payload)
    if t.radio_id is not None:  # long TPL header: CI, id(4), M(2), version, type, ACC, STS, CFG(2)
        h = ps - 12
        f[h : h + 4] = bytes.fromhex(new_id)[::-1]
        f[h + 4 : h + 6] = letters_to_code(mfr).to_bytes(2, "little")
        f[h + 6], f[h + 7] = version, dtype
        iv_m, iv_a = bytes(f[h + 4 : h + 6]), bytes(f[h : h + 4]) + bytes((version, dtype))
        old_m, old_a = raw_m_a(raw, h)
    else:
        old_m, old_a = bytes(f[2:4]), bytes(f[4:10])
        f[2:4] = letters_to_code(mfr).to_bytes(2, "little")
        cfg = int.from_bytes(f[13:15], "little") if f[10] == 0x7A else 0
        if is_diehl_meter(f[1], mfr) and diehl_version_type(mfr, f[10], cfg, b"\0\0") is not None:
            f[4], f[5] = version, dtype  # Diehl order: version, type, id
            f[6:10] = bytes.fromhex(new_id)[::-1]
        else:
            f[4:8] = bytes.fromhex(new_id)[::-1]
            f[8], f[9] = version, dtype
        iv_m, iv_a = bytes(f[2:4]), bytes(f[4:10])
    if t.encryption == "aes-cbc-apator":  # CI, ACC, status, one block under IV = M A ACC x 8
        acc = f[11]
        plain = _cbc(key, old_m + old_a + bytes([acc]) * 8, bytes(f[13:29]), False)  # type: ignore[arg-type]
        f[13:29] = _cbc(key, iv_m + iv_a + bytes([acc]) * 8, plain, True)  # type: ignore[arg-type]
    elif t.decrypted:
        key = key or DIEHL_OMS_DEFAULT_KEY  # decrypted without a configured key: the default key
        cfg = int.from_bytes(f[ps - 2 : ps], "little")
        blocks = (cfg >> 4) & 0x0F
        enc_len = blocks * 16 if blocks else len(t.payload) - len(t.payload) % 16
        acc = f[ps - 4]
        old_plain = _cbc(key, old_m + old_a + bytes([acc]) * 8, bytes(f[ps : ps + enc_len]), False)  # type: ignore[arg-type]
        assert old_plain[:2] == b"\x2f\x2f"
        f[ps : ps + enc_len] = _cbc(key, iv_m + iv_a + bytes([acc]) * 8, old_plain, True)  # type: ignore[arg-type]
    return Built(ALIASES.get(v["driver"], v["driver"]), triple, "example re-addressed", bytes(f), key, expect)


def raw_m_a(raw: bytes, h: int) -> tuple[bytes, bytes]:
    """M and A of the long header at `h` in the original frame (the old IV)."""
    f = parse_link(raw).frame
    return bytes(f[h + 4 : h + 6]), bytes(f[h : h + 4]) + bytes(f[h + 6 : h + 8])


def _cases() -> list[Built]:
    rng = random.Random(2026)
    registry = default_registry()
    by_driver = collections.defaultdict(list)
    for v in VECTORS:
        by_driver[ALIASES.get(v["driver"], v["driver"])].append(v)
    cases: list[Built] = []
    for driver, triples in DETECTION_TABLE.items():
        d = registry.get(driver)
        assert d is not None, driver
        for triple in triples:
            cases += built_frames(driver, triple, rng, d.standard_records)
            for v in by_driver[driver]:
                b = readdress(v, triple, rng)
                if b is not None:
                    cases.append(Built(driver, *[getattr(b, k) for k in ("triple", "how", "frame", "key", "expect")]))
    return cases


CASES = _cases()


def test_every_triple_is_detected_as_its_family() -> None:
    registry = default_registry()
    rng = random.Random(1)
    for driver, triples in DETECTION_TABLE.items():
        for triple in triples:
            mfr, version, dtype = parse_triple(triple, rng)
            found = registry.detect(mfr, version, dtype)
            assert found is not None and found.name == driver, (driver, triple)


def test_every_triple_has_a_built_frame() -> None:
    covered = {(c.driver, c.triple) for c in CASES}
    missing = [(d, t) for d, ts in DETECTION_TABLE.items() for t in ts if (d, t) not in covered]
    assert missing == []


IDS = [f"{c.driver}-{c.triple.replace(' ', '')}-{i}" for i, c in enumerate(CASES)]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_built_frame_decodes_to_its_values(case: Built) -> None:
    t = Decoder(default_key=case.key).decode_safe(case.frame)
    assert t.error is None, (case.how, t.error, case.frame.hex())
    assert t.driver == case.driver, case.how
    got = t.to_json(with_records=False)
    for name, want in case.expect.items():
        have = got.get(name)
        if isinstance(want, float) or isinstance(have, float):
            assert have is not None and abs(have - want) < 1e-6, (case.how, name, want, have)
        else:
            assert have == want, (case.how, name)


def family_counts() -> dict[str, int]:
    """Built frames per family (printed by benchmarks/conformance_report.py)."""
    return dict(collections.Counter(c.driver for c in CASES))


def test_code_to_letters_round_trip() -> None:
    assert code_to_letters(letters_to_code("SAP")) == "SAP"
