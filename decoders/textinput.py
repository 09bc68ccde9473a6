"""Hex text as people paste it: spaces, `|`, `_` and `#` are separators, not data."""

from __future__ import annotations

import re

from .errors import DecodeError

_SEPARATORS = re.compile(r"[\s|_#:]+")


def parse_hex(text: str) -> bytes:
    """Bytes of a hex telegram; DecodeError naming the first problem."""
    try:
        # The common case, plain hex (bytes.fromhex also skips spaces between bytes): one C call.
        # Anything else (separators inside a byte, `0x`, bad digits) takes the careful path.
        data = bytes.fromhex(text)
    except ValueError:
        pass
    else:
        if data:
            return data
    cleaned = _SEPARATORS.sub("", text)
    if cleaned[:2].lower() == "0x":
        cleaned = cleaned[2:]
    if not cleaned:
        raise DecodeError("empty telegram", "input")
    bad = re.search(r"[^0-9A-Fa-f]", cleaned)
    if bad:
        raise DecodeError(f"not hex: character {bad.group()!r} at position {bad.start()}", "input")
    if len(cleaned) % 2:
        raise DecodeError(f"odd number of hex digits ({len(cleaned)})", "input")
    return bytes.fromhex(cleaned)
