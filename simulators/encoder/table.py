"""Frames for every (manufacturer, version, type) of the water-meter detection table.

A meter family is met in every version a utility owns, not only in the versions of the public
example telegrams, so each entry of the table gets frames built here from the published format
descriptions, with random values: the test then asks the decoder for exactly those values.
The table is written out again here, independently of the drivers' own signatures, so that a
driver losing or changing a triple shows up as a failing frame.

Sans-IO like the rest of the encoder: values in, bytes out; randomness only from the caller's
`random.Random`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from decoders.dates import encode_date_g
from decoders.security import aes_cbc_encrypt, mode5_iv
from simulators.encoder import izar as enc_izar
from simulators.encoder import kamstrup as enc_kamstrup
from simulators.encoder import oms as enc_oms
from simulators.encoder.link import a_field, dll_frame, m_field
from simulators.encoder.state import MeterState

# driver -> its (manufacturer, version, type) triples; "**" = any version. izar and qwater are
# the families the table calls izarv2 and qwaterv2.
DETECTION_TABLE: dict[str, tuple[str, ...]] = {
    "actislink": ("ALK 04 07",),
    "apator08": ("APT 03 03", "APT 0F 0F"),
    "apator162": ("APA 05 06", "APA 05 07"),
    "apator172": ("APT 04 11",),
    "apatorna1": ("APA 14 07",),
    "aptmbusna": ("APA 15 07",),
    "aquastream": ("IMT 01 07",),
    "aventieswm": ("AAA 25 07",),
    "dme173": ("DME 63 07",),
    "dme_07": ("DME 7B 07",),
    "emerlin868": ("ELR 11 37", "ELR 12 37"),
    "engelmann_faw": ("EFE 00 07",),
    "ev200": ("ELR 0D 07",),
    "evo868": ("MAD 50 06", "MAD 50 07", "MAD 50 16"),
    "fiowater": ("FIO 01 07",),
    "gwfwater": ("GWF 01 0E", "GWF 3C 07"),
    "hydrodigit": ("BMT 13 06", "BMT 17 06", "BMT 13 07", "BMT 15 07", "BMT 17 07"),
    "hydrus": ("DME 70 07", "DME 76 07", "HYD 24 07", "HYD 8B 07", "HYD 8B 06", "DME 70 06", "DME 70 16"),
    "iperl": ("SEN 68 06", "SEN 68 07", "SEN 7C 07"),
    "istawater": ("IST 31 07",),
    "itron": ("ITW 00 07", "ITW 03 07", "ITW 33 07", "ITW 00 16"),
    "iwmtx5": ("BMT 18 07", "BMT 18 06"),
    "izar": ("HYD 85 07", "SAP ** 15", "SAP ** 04", "SAP 00 07", "DME 78 07", "DME 78 06", "HYD 86 07"),
    "kadenwater": ("KDN 01 07", "VIP 01 07"),
    "kamwater": ("KAM 1B 06", "KAM 1B 16", "KAW 3A 16", "KAW 3C 16", "KAM 1D 16", "KAW 42 06", "KAW 42 16"),
    "lse_07_17": ("LSE 18 06", "LSE 18 07", "LSE 16 07", "LSE 17 07", "LSE D8 07"),
    "maddalena": ("MAD 01 07", "MAD 01 06"),
    "minomess": ("ZRI 00 07", "ZRI 01 16", "ZRI 01 06"),
    "mkradio3": ("TCH 74 62", "TCH 74 72"),
    "mkradio3a": ("TCH 50 72",),
    "mkradio4": ("TCH 95 62", "TCH 70 62", "TCH 95 72", "TCH 70 72"),
    "mkradio4a": ("HYD FE 06", "TCH 95 37"),
    "op041a": ("APA 1A 07",),
    "picoflux": ("ECM 05 07",),
    "q400": ("AXI 01 07", "AXI 10 07", "AXI 20 07"),
    "qwater": ("QDS 33 37", "QDS 35 37", *(f"QDS {v} {t}" for v in ("16", "17", "18", "1A", "1D", "36")
                                           for t in ("06", "07")),
               "QDS 19 07", "LSE 19 07", "LSE 1A 06", "LSE 1A 07", "LSE 1D 06", "LSE 1D 07", "LSE 33 37",
               "LSE 35 37", "LSE 36 06", "LSE 36 07"),
    "rfmtx1": ("BMT 05 07",),
    "supercom587": ("SON 3C 06", "SON 3C 07"),
    "topaseskr": ("AMT F1 06", "AMT F1 07"),
    "uiws": ("ZRI 99 07",),
    "ultrimis": ("APA 01 16",),
    "ultrimisv2": ("APA 20 16",),
    "waterstarm": ("DWZ 00 06", "DWZ 02 06", "DWZ 02 07", "EFE 03 07", "EFE 70 07", "DWZ 00 07"),
    "watertech": ("WTT 59 07",),
    "weh_07": ("WEH FE 07", "WEH 03 07"),
    "werhlemodwm": ("WZG 03 16",),
    "zenner0b": ("ZRI 0B 16",),
}

PRIOS_CIS = tuple(range(0xA0, 0xA8))
PRIOS_SCRAMBLED_CIS = (0xB1, 0xB2, 0xB3)
# The Diehl group's OMS default key and the two PRIOS default keys folded to 32 bits.
DIEHL_OMS_DEFAULT_KEY = bytes.fromhex("51728910E66D83F8" * 2)
PRIOS_DEFAULT_KEYS32 = (0xDFD109E8, 0xB71F0AE8)
# RFM-TX1 scramble masks (row = access number & 0x0F), one byte per volume byte.
RFMTX1_MASKS = (
    "7A101A0A", "70132213", "B90B8E99", "79074A16", "079ACB69", "32A1390E", "9C7E6099", "B4C480A3",
    "0ACE1903", "F005A586", "1698115E", "0CC97DA2", "4A48E41F", "772E8AE8", "BD78578C", "396F2805",
)
# Apator 16-2 register tags and their value lengths (the total, 0x10, is placed separately).
APATOR162_TAGS: dict[int, int] = {
    0x00: 4, 0x01: 3, 0x11: 2, 0x40: 6, 0x41: 2, 0x42: 4, 0x43: 2, 0x44: 3,
    **{t: 1 + 4 * (t - 0x6F) for t in range(0x71, 0x7D)},
    **dict.fromkeys((0x80, 0x81, 0x82, 0x83, 0x84, 0x86, 0x87), 10), **dict.fromkeys((0x85, 0x88, 0x8F), 11),
    0x8A: 9, 0x8B: 6, 0x8C: 6, 0x8E: 7, 0xA0: 4, 0xA1: 4, 0xA2: 1, 0xA3: 7, 0xA4: 4, 0xA5: 1, 0xA6: 3,
    **dict.fromkeys((0xA7, 0xA8, 0xAA, 0xAB, 0xAC, 0xAD), 2), 0xA9: 1, 0xAF: 1, 0xB0: 5, 0xB1: 8,
    0xB2: 16, 0xB3: 8, 0xB4: 2, 0xB5: 16, **dict.fromkeys(range(0xB6, 0xC8), 3), 0xD0: 3, 0xD3: 3, 0xF0: 4,
}


@dataclass(frozen=True, slots=True)
class Built:
    """One frame, the key to decode it with (None = none configured) and what it must decode to."""

    driver: str
    triple: str
    how: str
    frame: bytes
    key: bytes | None
    expect: dict[str, Any] = field(default_factory=dict)


def parse_triple(triple: str, rng: random.Random) -> tuple[str, int, int]:
    """("SAP", version, type); a `**` version becomes a random byte."""
    mfr, version, dtype = triple.split()
    return mfr, rng.randrange(256) if version == "**" else int(version, 16), int(dtype, 16)


def _state(triple: str, rng: random.Random, **kw: Any) -> MeterState:
    mfr, version, dtype = parse_triple(triple, rng)
    values: dict[str, Any] = {
        "meter_id": f"{rng.randrange(10**8):08d}", "manufacturer": mfr, "version": version, "device_type": dtype,
        "key": rng.randbytes(16), "access_counter": rng.getrandbits(32), "total_l": rng.randrange(10**8),
        "target_l": rng.randrange(10**8),
        "target_date": dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(36000)),
        "flow_lph": rng.randrange(30000),
    }
    values.update(kw)
    return MeterState(**values)


def _bcd(value: int, size: int) -> bytes:
    digits = f"{value:0{2 * size}d}"
    return bytes.fromhex(digits)[::-1]


def oms_plain(driver: str, triple: str, rng: random.Random) -> list[Built]:
    """Standard records in a plain short-TPL frame: total, due-date value and date, flow."""
    s = _state(triple, rng)
    return [Built(driver, triple, "oms records", enc_oms.plain_frame(s, s.access_counter & 0xFF), None,
                  {"id": s.meter_id, "total_m3": s.total_m3})]


def apator162(driver: str, triple: str, rng: random.Random) -> list[Built]:
    """Lead byte, status block, registers of every kind with the total anywhere, FF padding to
    whole AES blocks, a 2- or 4-byte checksum; mode 5 with the meter's key."""
    out = []
    tags = sorted(APATOR162_TAGS)
    for checksum in (2, 4):
        s = _state(triple, rng, total_l=rng.randrange(1 << 32))
        regs = [bytes((tag,)) + rng.randbytes(APATOR162_TAGS[tag]) for tag in rng.sample(tags, rng.randrange(0, 8))]
        regs.insert(rng.randrange(len(regs) + 1), b"\x10" + s.total_l.to_bytes(4, "little"))
        body = b"\x2f\x2f" + bytes((rng.choice((0x0F, 0x80)),)) + rng.randbytes(7) + b"".join(regs)
        body += b"\xff" * (-(len(body) + checksum) % 16) + rng.randbytes(checksum)
        m, a = m_field(s.manufacturer), a_field(s.meter_id, s.version, s.device_type)
        acc = s.access_counter & 0xFF
        cfg = 0x0500 | (len(body) // 16) << 4
        tpl = bytes((0x7A, acc, 0x00)) + cfg.to_bytes(2, "little")
        frame = dll_frame(m, a, tpl + aes_cbc_encrypt(s.key, mode5_iv(m, a, acc), body))
        out.append(Built(driver, triple, f"tag list, {checksum}-byte checksum", frame, s.key,
                         {"id": s.meter_id, "total_m3": s.total_l / 1000}))
    return out


def apator_thirds(driver: str, triple: str, rng: random.Random) -> list[Built]:
    """CI 0xA0, a 32-bit register in thirds (of a litre for apator08, of a m3 for apator172)."""
    s = _state(triple, rng)
    raw = rng.randrange(1 << 32)
    frame = dll_frame(m_field(s.manufacturer), a_field(s.meter_id, s.version, s.device_type),
                      b"\xa0" + raw.to_bytes(4, "little") + rng.randbytes(rng.randrange(0, 40)))
    total = raw / 3000 if driver == "apator08" else raw / 3
    return [Built(driver, triple, "CI A0 register", frame, None, {"id": s.meter_id, "total_m3": total})]


def izar(driver: str, triple: str, rng: random.Random) -> list[Built]:
    """PRIOS frames for every CI the Diehl address rules give (SAP: A0-A7; others: A0-A7 and
    B1-B3; SAP with any version: a non-PRIOS manufacturer CI), each PRIOS default key."""
    mfr = triple.split()[0]
    if triple.startswith("SAP **"):
        cis: tuple[int, ...] = (0xB0,)
    elif mfr == "SAP":
        cis = PRIOS_CIS
    else:
        cis = PRIOS_CIS + PRIOS_SCRAMBLED_CIS
    out = []
    for ci in cis:
        key32 = rng.choice(PRIOS_DEFAULT_KEYS32)
        s = _state(triple, rng, total_l=rng.randrange(1 << 32), target_l=rng.randrange(1 << 32))
        frame = enc_izar.frame(s, 0, ci=ci, key32=key32)
        out.append(Built(driver, triple, f"PRIOS CI {ci:02X}", frame, None,
                         {"id": s.meter_id, "total_m3": s.total_m3, "target_m3": s.target_m3,
                          "target_date": s.target_date.isoformat()}))
    short = out[0].frame[:-6]  # the short form: check byte and total only (a keystream prefix)
    out.append(Built(driver, triple, "PRIOS short form", bytes((len(short) - 1,)) + short[1:], None,
                     {"id": out[0].expect["id"], "total_m3": out[0].expect["total_m3"]}))
    return out


def kamwater(driver: str, triple: str, rng: random.Random) -> list[Built]:
    """ELL-II AES-CTR around a full frame and around a compact frame of format 0x36D4."""
    s = _state(triple, rng)
    expect = {"id": s.meter_id, "total_m3": s.total_m3, "target_m3": s.target_m3,
              "target_date": s.target_date.isoformat()}
    acc = s.access_counter & 0xFF
    return [Built(driver, triple, "full frame", enc_kamstrup.full_frame(s, acc), s.key, expect),
            Built(driver, triple, "compact 0x36D4", enc_kamstrup.compact_frame(s, acc), s.key, expect)]


def hydrus(driver: str, triple: str, rng: random.Random) -> list[Built]:
    """Mode 5 under the Diehl group's default key, with no key configured at the decoder."""
    s = _state(triple, rng, key=DIEHL_OMS_DEFAULT_KEY)
    acc = s.access_counter & 0xFF
    m, a = m_field(s.manufacturer), a_field(s.meter_id, s.version, s.device_type)
    plain = b"\x2f\x2f" + b"\x04\x13" + s.total_l.to_bytes(4, "little")
    plain += b"\x2f" * (-len(plain) % 16)
    cfg = 0x0500 | (len(plain) // 16) << 4
    frame = dll_frame(m, a, bytes((0x7A, acc, 0)) + cfg.to_bytes(2, "little")
                      + aes_cbc_encrypt(s.key, mode5_iv(m, a, acc), plain))
    return [Built(driver, triple, "mode 5, Diehl default key", frame, None, {"id": s.meter_id, "total_m3": s.total_m3})]


def minomess(driver: str, triple: str, rng: random.Random) -> list[Built]:
    """Long TPL header behind a radio converter (type 0x37); due-date value and date in storage 8."""
    s = _state(triple, rng)
    d = s.target_date
    records = (b"\x0c\x13" + _bcd(s.total_l, 4) + b"\x02\x6c" + encode_date_g(2030, 1, 1)
               + b"\x8c\x04\x13" + _bcd(s.target_l, 4) + b"\x82\x04\x6c" + encode_date_g(d.year, d.month, d.day))
    tpl = (b"\x72" + bytes.fromhex(s.meter_id)[::-1] + m_field(s.manufacturer)
           + bytes((s.version, s.device_type, s.access_counter & 0xFF, 0)) + b"\x00\x00")
    radio = a_field(f"{rng.randrange(10**8):08d}", 0x01, 0x37)
    frame = dll_frame(m_field(s.manufacturer), radio, tpl + b"\x2f\x2f" + records)
    return [Built(driver, triple, "storage-8 due date", frame, None,
                  {"id": s.meter_id, "total_m3": s.total_m3, "target_m3": s.target_m3, "target_date": d.isoformat()})]


def rfmtx1(driver: str, triple: str, rng: random.Random) -> list[Built]:
    """Every one of the 16 mask rows: CI 0x7A, CFG 0x1006 (mode 16), scrambled BCD volume, clock."""
    out = []
    for row in range(16):
        s = _state(triple, rng)
        acc = (rng.randrange(16) << 4) | row
        mask = bytes.fromhex(RFMTX1_MASKS[row])
        volume = bytes(b ^ acc ^ k for b, k in zip(_bcd(s.total_l, 4), mask, strict=True))
        clock = bytes.fromhex("590410310320")
        payload = rng.randbytes(2) + volume + rng.randbytes(7) + clock + rng.randbytes(20)
        frame = dll_frame(m_field(s.manufacturer), a_field(s.meter_id, s.version, s.device_type),
                          bytes((0x7A, acc, 0x00, 0x06, 0x10)) + payload)
        out.append(Built(driver, triple, f"mask row {row}", frame, None,
                         {"id": s.meter_id, "total_m3": s.total_m3, "meter_datetime": "2020-03-31 10:04"}))
    return out


Builder = Callable[[str, str, random.Random], list[Built]]
BUILDERS: dict[str, Builder] = {
    "apator162": apator162, "apator08": apator_thirds, "apator172": apator_thirds, "izar": izar,
    "kamwater": kamwater, "hydrus": hydrus, "minomess": minomess, "rfmtx1": rfmtx1,
}


def built_frames(driver: str, triple: str, rng: random.Random, standard_records: bool) -> list[Built]:
    """Frames for one triple: the family's own builder, else standard records when the driver
    reads standard records (its proprietary payloads are covered by re-addressed examples)."""
    builder = BUILDERS.get(driver)
    if builder is not None:
        return builder(driver, triple, rng)
    if standard_records:
        return oms_plain(driver, triple, rng)
    return []
