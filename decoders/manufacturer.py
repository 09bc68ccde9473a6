"""Manufacturer (M-field) codes: two little-endian bytes packing three 5-bit letters."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4096)
def code_to_letters(code: int) -> str:
    """Return the 3-letter FLAG code; out-of-alphabet values are shown as '?'."""
    letters = []
    for shift in (10, 5, 0):
        v = (code >> shift) & 0x1F
        letters.append(chr(v + 64) if 1 <= v <= 26 else "?")
    return "".join(letters)


def letters_to_code(letters: str) -> int:
    """Inverse of `code_to_letters`, for encoders and key stores keyed by manufacturer."""
    if len(letters) != 3 or not letters.isalpha():
        raise ValueError(f"manufacturer must be 3 letters, got {letters!r}")
    up = letters.upper()
    return ((ord(up[0]) - 64) << 10) | ((ord(up[1]) - 64) << 5) | (ord(up[2]) - 64)
