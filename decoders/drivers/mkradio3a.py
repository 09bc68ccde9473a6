"""Techem MK Radio 3a (TCH v0x50, CI 0xA2): total plus twelve monthly consumptions.

Layout after the CI, learned from the public vector and its reference output:

- bytes 0-1: not interpreted (0C 00 in the vector);
- bytes 2-3: date of the last month end, Techem 16-bit date (see `_apa_util.packed_date`);
- bytes 4-7: total volume, 0.1 m³ units, little-endian;
- then 12 three-byte groups, newest month first (the month of the date above, then going
  back). A month's consumption is byte 0 + byte 1 of its group, in 0.1 m³ (two part-month
  counts, it seems); byte 2 is zero in the vector and its meaning is unknown, so a group where
  it is not zero is reported as a warning instead of being folded in.

The reference decoder prints the newest month's consumption as the due-date value
(`target_m3`) dated by the month-end date; this driver does the same.
"""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ._apa_mkradio import set_media
from ._apa_util import need, packed_date

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH_FIELDS = tuple(f"last_{m}_m3" for m in MONTHS)
GROUPS = 12
SIZE = 8 + 3 * GROUPS
# Field names newest-first for each possible last month (1-12), so the hot loop only zips.
NAMES_BY_LAST = {last: tuple(MONTH_FIELDS[(last - 1 - k) % 12] for k in range(GROUPS)) for last in range(1, 13)}


def decode(t: Telegram, ctx: DriverContext) -> None:
    p = ctx.payload
    need(p, SIZE, "total and monthly registers", "mkradio3a CI 0xA2 payload")
    word = p[2] | p[3] << 8
    t.total_m3 = int.from_bytes(p[4:8], "little") / 10
    t.target_m3 = (p[8] + p[9]) / 10
    date = packed_date(word)
    if date is not None:
        t.target_date = date
        extra = t.extra
        for i, name in zip(range(8, SIZE, 3), NAMES_BY_LAST[(word >> 5) & 0x0F], strict=True):
            extra[name] = (p[i] + p[i + 1]) / 10
    if any(p[10:SIZE:3]):
        odd = [k for k in range(GROUPS) if p[10 + 3 * k]]
        t.warnings.append(f"monthly groups {odd} have a non-zero third byte of unknown meaning")
    set_media(t)


DRIVER = Driver(
    name="mkradio3a",
    signatures=signatures("TCH 50 72"),
    decode=decode,
    fields=MONTH_FIELDS,
    description="Techem MK Radio 3a (CI 0xA2; total and 12 monthly consumptions)",
    standard_records=False,
)
