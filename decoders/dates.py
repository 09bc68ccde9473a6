"""M-Bus date and time types G, F, I and J (EN 13757-3 annex A).

Values are returned as ISO-like strings because that is what billing staff and JSON
consumers read; `None` marks a value the meter itself flags as invalid.
"""

from __future__ import annotations

from functools import lru_cache

# Clock fields as two digits: a tuple lookup costs far less than a format spec per field, and
# a meter clock is formatted in most telegrams.
_TWO_DIGITS = tuple(f"{i:02d}" for i in range(64))


def _year(b_low: int, b_high: int) -> int:
    return 2000 + (((b_low & 0xE0) >> 5) | ((b_high & 0xF0) >> 1))


def date_g(b: bytes | bytearray | memoryview) -> str | None:
    """Type G: day bits 0-4, month bits 8-11, year split over bits 5-7 and 12-15."""
    try:
        return _date_g(b)  # the data field itself (2 bytes) is the cache key: no copy per call
    except TypeError:  # a bytearray or memoryview is not hashable
        return _date_g(bytes(b[:2]))


@lru_cache(maxsize=8192)
def _date_g(b: bytes) -> str | None:
    """Memoised: a town's meters share their due dates and clock dates, and the formatting costs
    more than the lookup; the domain is at most 65,536 values. Only the first two bytes count."""
    lo, hi = b[0], b[1]
    day = lo & 0x1F
    month = hi & 0x0F
    if month > 12:
        return None  # the only invalid marker the standard defines (all-F dates land here)
    return f"{_year(lo, hi):04d}-{month:02d}-{day:02d}"


def datetime_f(b: bytes) -> str | None:
    """Type F: minute, hour (with the invalid bit 7 of byte 0), then a type G date."""
    if b[0] & 0x80:
        return None
    try:
        date = _date_g(b[2:4])
    except TypeError:  # a bytearray or memoryview is not hashable
        date = _date_g(bytes(b[2:4]))
    if date is None:
        return None
    return f"{date} {_TWO_DIGITS[b[1] & 0x1F]}:{_TWO_DIGITS[b[0] & 0x3F]}"


def datetime_i(b: bytes) -> str | None:
    """Type I: second, then the type F layout; byte 5 carries week data we do not need."""
    head = datetime_f(b[1:5])
    if head is None:
        return None
    return f"{head}:{_TWO_DIGITS[b[0] & 0x3F]}"


def time_j(b: bytes) -> str | None:
    """Type J: a time of day (second, minute, hour)."""
    second, minute, hour = b[0] & 0x3F, b[1] & 0x3F, b[2] & 0x1F
    if second > 59 or minute > 59 or hour > 23:
        return None
    return f"{hour:02d}:{minute:02d}:{second:02d}"


def decode_point_in_time(b: bytes) -> str | None:
    """Pick the type by length, which is how the DIF announces it."""
    n = len(b)
    if n == 2:
        return date_g(b)
    if n == 4:
        return datetime_f(b)
    if n == 6:
        return datetime_i(b)
    if n == 3:
        return time_j(b)
    return None


def encode_date_g(year: int, month: int, day: int) -> bytes:
    """Inverse of `date_g`, for encoders and tests."""
    y = year - 2000
    return bytes([(day & 0x1F) | ((y & 0x07) << 5), (month & 0x0F) | ((y & 0x78) << 1)])


def encode_datetime_f(year: int, month: int, day: int, hour: int, minute: int) -> bytes:
    return bytes([minute & 0x3F, hour & 0x1F]) + encode_date_g(year, month, day)
