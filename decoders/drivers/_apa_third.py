"""Apator CI 0xA0 frames whose register counts thirds (apator08, apator172).

The reference gives both families as "total scaled by 1/3"; the public vectors fix the rest:
the first 4 bytes after the CI are the register, little-endian, and apator08 counts thirds of a
litre while apator172 counts thirds of a cubic metre. The bytes after it are not published
because nothing says what they mean.
"""

from __future__ import annotations

from ..driver_api import DecodeFn
from ..model import DriverContext, Telegram
from ._apa_util import need


def decoder_for(name: str, divisor: float, media: str | None) -> DecodeFn:
    """One decode function per family; the divisor turns register units into m³."""
    where = f"{name} CI 0xA0 payload"

    def decode(t: Telegram, ctx: DriverContext) -> None:
        p = ctx.payload
        need(p, 4, "total register", where)
        t.total_m3 = int.from_bytes(p[:4], "little") / divisor
        if media is not None:
            t.media = media

    return decode
