"""Diehl IZAR radio modules (DME, HYD, SAP): PRIOS frames (CI 0xA0-0xA7, 0xB1-0xB3), LFSR-scrambled.

Frame after the CI: h0 h1 h2 h3, then the scrambled part (see `_dhl_prios`). What the vectors
show about the clear header bytes:
- h0 low nibble n: transmit period 4 << n seconds (8 s and 32 s seen).
- h1 bits 0-4: remaining battery life in half-years; bit 6 is set only on the vector whose
  reference reports a leak in the previous period ("PREV_LEAKAGE"), the one alarm seen.
The scrambled part: check byte 0x4B, total litres u32, due-date litres u32, due date (type G;
00 00 or FF FF = not set).
Longer frames carry 16 further bytes that no reference output explains; they are not decoded.
"""

from __future__ import annotations

from ..alarms import LEAK
from ..dates import date_g
from ..driver_api import Driver, signatures
from ..errors import DecodeError
from ..media import WATER_DEVICE_TYPES
from ..model import DriverContext, Telegram
from ._dhl import add_flag, finish_status, swap_diehl_address
from ._dhl_prios import CHECK_BYTE, DATA_OFFSET, DEFAULT_KEYS32, PLAIN_LEN, descramble, key32

# Diehl (DME) and Hydrometer (HYD) send the address as version, type, id; Sappel (SAP) does not.
_SWAPPED = frozenset(("DME", "HYD"))
_PREV_LEAK = 0x40
_UNKNOWN_H1 = 0xA0
_DATES: dict[bytes, str | None] = {}
_MISSING = object()
_UNSET_DATES = frozenset((b"\x00\x00", b"\xff\xff"))
SHORT_LEN = 5  # check byte + total: the shortest PRIOS plaintext


def _valid_day(raw: bytes) -> bool:
    return 1 <= (raw[1] & 0x0F) <= 12 and 1 <= (raw[0] & 0x1F) <= 31


def _plausible(plain: bytes) -> bool:
    """The check byte is only 8 bits: a wrong key also needs a well-formed due date (or the
    unset 00 00 / FF FF) to pass, which leaves about 2e-5 false accepts instead of 1/256.
    Short frames (total only) have no date: for them the check byte is all there is."""
    if plain[0] != CHECK_BYTE:
        return False
    if len(plain) < PLAIN_LEN:
        return True
    raw = plain[9:11]
    return raw in _UNSET_DATES or _valid_day(raw)


def _due_date(raw: bytes) -> str | None:
    """Type G due dates, memoised: every meter of a utility shares a handful of due dates."""
    date = _DATES.get(raw, _MISSING)
    if date is _MISSING:
        if len(_DATES) >= 1024:
            _DATES.clear()
        date = _DATES[raw] = date_g(raw) if _valid_day(raw) else None
    return date  # type: ignore[return-value]


def decode(t: Telegram, ctx: DriverContext) -> None:
    where = "Diehl PRIOS frame"
    body = ctx.body
    if len(ctx.m_field) != 2 or len(ctx.a_field) != 6:
        raise DecodeError("PRIOS frames need a wireless link-layer address", where, reason="unsupported")
    n = len(body) - DATA_OFFSET
    if n != SHORT_LEN and n < PLAIN_LEN:
        # Two forms exist: 5 bytes (check, total) and 11 or more; anything between is a cut frame.
        raise DecodeError(f"PRIOS frame holds {n} scrambled bytes: neither the short form ({SHORT_LEN}) "
                          f"nor the full form ({PLAIN_LEN} or more)", where)
    configured = key32(ctx.key) if ctx.key is not None else None
    if configured is not None:
        # A configured 8-byte Diehl key replaces the defaults (an AES key for the meter's OMS
        # frames is no PRIOS key and leaves them in place).
        plain = descramble(configured, ctx.m_field, ctx.a_field, body)
        if not _plausible(plain):
            raise DecodeError("PRIOS check failed: the configured key does not descramble this meter",
                              where, reason="wrong_key")
    else:
        for k32 in DEFAULT_KEYS32:
            plain = descramble(k32, ctx.m_field, ctx.a_field, body)
            if _plausible(plain):
                break
        else:
            raise DecodeError("PRIOS check failed with the default keys: the meter needs its own key",
                              where, reason="missing_key")
    t.encryption = "diehl-prios"
    t.decrypted = True
    if t.manufacturer in _SWAPPED:
        swap_diehl_address(t, ctx.a_field)
    if t.device_type not in WATER_DEVICE_TYPES:
        t.media = "water"
    t.total_m3 = int.from_bytes(plain[1:5], "little") / 1000
    if len(plain) == PLAIN_LEN:  # short frames carry the total only
        t.target_m3 = int.from_bytes(plain[5:9], "little") / 1000
        t.target_date = _due_date(plain[9:11])
    h0, h1 = body[1], body[2]
    t.extra["battery_y"] = (h1 & 0x1F) / 2
    t.extra["transmit_period_s"] = 4 << (h0 & 0x0F)
    if h1 & _PREV_LEAK:
        add_flag(t, "PREV_LEAKAGE", LEAK)
    if h1 & _UNKNOWN_H1:
        add_flag(t, f"UNKNOWN_STATUS_0x{h1 & _UNKNOWN_H1:02X}", None)
    finish_status(t)


DRIVER = Driver(
    name="izar",
    signatures=signatures("HYD 85 07", "SAP ** 15", "SAP ** 04", "SAP 00 07", "DME 78 07", "DME 78 06", "HYD 86 07"),
    decode=decode,
    fields=("battery_y", "transmit_period_s", "status_flags"),
    description="Diehl/Hydrometer/Sappel IZAR PRIOS water modules (LFSR-scrambled; two public default keys)",
    standard_records=False,
    aliases=("izarv2",),
)
