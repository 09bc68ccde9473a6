"""Techem MK Radio 3 / 4 (CI 0xA2): previous and current billing period, bit-packed.

Layout after the CI, learned from the public vectors and their reference output:

- byte 0: frame kind (0x06 in every vector; not interpreted);
- bytes 1-2: previous due date, 16-bit LE: day bits 0-4, month bits 5-8, year-2000 bits 9-15;
- bytes 3-4: volume at the previous due date, 0.1 m³ units;
- bytes 5-6: current date, 16-bit LE: day bits 4-8, month bits 9-12 (bits 0-3 are zero in every
  vector); the year is not sent: it is the previous due date's year, or the next one when the
  current day-of-year is not after the due date;
- bytes 7-8: volume consumed since the due date, 0.1 m³ units.

Total = due-date volume + consumption since; the due-date volume is the billing-date value.
The bytes after offset 9 (one small number per day or week, it seems) are not published.
"""

from __future__ import annotations

from functools import lru_cache

from ..model import DriverContext, Telegram
from ._apa_util import need, packed_date

TECHEM_MEDIA = {0x62: "warm water", 0x72: "cold water"}


@lru_cache(maxsize=8192)
def current_date(word: int, prev_word: int) -> str | None:
    day = (word >> 4) & 0x1F
    month = (word >> 9) & 0x0F
    if not 1 <= month <= 12 or day == 0:
        return None
    prev_month = (prev_word >> 5) & 0x0F
    prev_day = prev_word & 0x1F
    year = 2000 + (prev_word >> 9)
    if (month, day) <= (prev_month, prev_day):
        year += 1
    return f"{year:04d}-{month:02d}-{day:02d}"


def set_media(t: Telegram) -> None:
    """Techem sends private device types 0x62/0x72; name them as the water they measure."""
    if t.device_type is not None:
        media = TECHEM_MEDIA.get(t.device_type)
        if media is not None:
            t.media = media


def decode_periods(t: Telegram, ctx: DriverContext) -> None:
    p = ctx.payload
    need(p, 9, "period registers", "MK Radio CI 0xA2 payload")
    prev_word = p[1] | p[2] << 8
    prev = p[3] | p[4] << 8
    curr_word = p[5] | p[6] << 8
    curr = p[7] | p[8] << 8
    t.target_m3 = prev / 10
    t.total_m3 = (prev + curr) / 10
    prev_date = packed_date(prev_word)
    if prev_date is not None:
        t.target_date = prev_date
        t.extra["prev_date"] = prev_date
        curr_date = current_date(curr_word, prev_word)
        if curr_date is not None:
            t.extra["current_date"] = curr_date
    t.extra["current_m3"] = curr / 10
    set_media(t)


PERIOD_FIELDS = ("prev_date", "current_date", "current_m3")
