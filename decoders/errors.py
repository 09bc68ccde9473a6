"""The one exception type the decoders raise.

Callers (CLI, ingest, the collector) must be able to tell "this telegram is bad or
undecodable" apart from a bug. Every failure inside `decoders` is therefore turned into
`DecodeError`, which names what failed and where (byte offset, layer), so the CLI can print
an error object and ingest can quarantine the frame with a reason.
"""

from __future__ import annotations


class DecodeError(ValueError):
    """A telegram could not be decoded; `where` locates the problem for humans."""

    def __init__(self, message: str, where: str = "", *, reason: str = "invalid") -> None:
        self.message = message
        self.where = where
        # A short machine-readable category, used by ingest to quarantine ("missing_key",
        # "wrong_key", "unknown_format", "unsupported", "invalid", "crc").
        self.reason = reason
        super().__init__(f"{message} ({where})" if where else message)
