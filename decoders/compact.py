"""Compact frames (CI 0x79 and friends): values without their DIF/VIF headers.

A compact frame names its layout only by a format signature, a CRC-16 of the DIF/VIF bytes of
the matching full frame. We learn layouts from full frames as they pass, and drivers may seed
layouts that are known without ever seeing a full frame.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

from .crc import crc16_en13757
from .errors import DecodeError
from .records import DataRecord, parse_records


class _HasRecords(Protocol):
    @property
    def records(self) -> list[DataRecord]: ...


_LENGTHS = (0, 1, 2, 3, 4, 4, 6, 8, 0, 1, 2, 3, 4, -1, 6, -2)


def header_bytes(records: Sequence[DataRecord]) -> tuple[bytes, ...]:
    return tuple(r.dif + r.vif for r in records if r.vif or r.quantity != "manufacturer_data")


def signature_of(headers: Sequence[bytes]) -> int:
    return crc16_en13757(b"".join(headers))


class CompactFormats:
    """Known layouts by signature, and each meter's last full-frame layout.

    Per-meter memory is bounded (LRU) because a van hears tens of thousands of meters a day.
    """

    def __init__(self, max_meters: int = 100_000) -> None:
        self.known: dict[int, tuple[bytes, ...]] = {}
        # The last full-frame telegram per meter; its records are parsed only if a compact
        # frame ever needs them.
        self._last: OrderedDict[tuple[str | None, str | None], _HasRecords] = OrderedDict()
        self._max = max_meters

    def add_known(self, headers: Sequence[bytes]) -> int:
        sig = signature_of(headers)
        self.known[sig] = tuple(headers)
        return sig

    def remember(self, manufacturer: str | None, meter_id: str | None, source: _HasRecords) -> None:
        key = (manufacturer, meter_id)
        last = self._last
        last[key] = source
        if len(last) > self._max:
            last.popitem(last=False)

    def lookup(self, manufacturer: str | None, meter_id: str | None, signature: int) -> tuple[bytes, ...] | None:
        source = self._last.get((manufacturer, meter_id))
        if source is not None:
            headers = header_bytes(source.records)
            if signature_of(headers) == signature:
                self.known.setdefault(signature, headers)
                return headers
        return self.known.get(signature)

    @staticmethod
    def expand(headers: Sequence[bytes], data: bytes, where: str) -> list[DataRecord]:
        """Re-interleave headers and values into a full record stream, then parse it."""
        out = bytearray()
        i = 0
        n = len(data)
        for h in headers:
            low = h[0] & 0x0F
            size = _LENGTHS[low]
            if size == -1:
                if i >= n:
                    raise DecodeError("compact frame values end early", f"{where}, value offset {i}")
                lvar = data[i]
                size = 1 + (lvar if lvar <= 0xBF else (lvar & 0x0F) if lvar <= 0xDF else lvar - 0xE0)
            elif size < 0:
                raise DecodeError("special DIF in compact format", where)
            if i + size > n:
                raise DecodeError(
                    f"compact frame values end early: format needs {size} more bytes at value offset {i}",
                    where,
                )
            out += h
            out += data[i : i + size]
            i += size
        return parse_records(bytes(out), 0, f"{where} (compact)")
