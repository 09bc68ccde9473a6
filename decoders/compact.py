"""Compact frames (CI 0x79 and friends): values without their DIF/VIF headers.

A compact frame names its layout only by a format signature, a CRC-16 of the DIF/VIF bytes of
the matching full frame. We learn layouts from full frames as they pass, and drivers may seed
layouts that are known without ever seeing a full frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from .crc import crc16_en13757
from .errors import DecodeError
from .layout import Plan
from .records import DATA_LENGTHS, DataRecord, _decode_header, parse_records, variable_size
from .summary import pick_summary


class _HasRecords(Protocol):
    @property
    def records(self) -> list[DataRecord]: ...




def header_bytes(records: Sequence[DataRecord]) -> tuple[bytes, ...]:
    return tuple(r.dif + r.vif for r in records if r.vif or r.quantity != "manufacturer_data")


def signature_of(headers: Sequence[bytes]) -> int:
    return crc16_en13757(b"".join(headers))


class CompactFormats:
    """Known layouts by signature, and each meter's last full-frame layout.

    Per-meter memory is bounded (oldest meter first out) because a van hears tens of thousands
    of meters a day.
    """

    def __init__(self, max_meters: int = 100_000) -> None:
        self.known: dict[int, tuple[bytes, ...]] = {}
        # The last full-frame telegram per meter; its records are parsed only if a compact
        # frame ever needs them.
        self._last: dict[tuple[str | None, str | None], _HasRecords] = {}
        self._max = max_meters
        self._plans: dict[tuple[int, tuple[bytes, ...], int, int], Plan | None] = {}

    def add_known(self, headers: Sequence[bytes]) -> int:
        sig = signature_of(headers)
        self.known[sig] = tuple(headers)
        return sig

    def remember(self, manufacturer: str | None, meter_id: str | None, source: _HasRecords) -> None:
        last = self._last
        last[(manufacturer, meter_id)] = source  # a re-insert keeps the old position: FIFO, not LRU
        if len(last) > self._max:
            del last[next(iter(last))]

    def lookup(self, manufacturer: str | None, meter_id: str | None, signature: int) -> tuple[bytes, ...] | None:
        source = self._last.get((manufacturer, meter_id))
        if source is not None:
            headers = header_bytes(source.records)
            if signature_of(headers) == signature:
                self.known.setdefault(signature, headers)
                return headers
        return self.known.get(signature)

    def plan(self, signature: int, headers: tuple[bytes, ...], offset: int, size: int) -> Plan | None:
        """A layout plan for compact values at payload[offset:size]: with fixed-length values
        every value's position follows from the headers, so the records need no re-interleaving."""
        key = (signature, headers, offset, size)
        if key in self._plans:
            return self._plans[key]
        plan = _plan_for(headers, offset, size)
        if len(self._plans) > 4096:
            self._plans.clear()
        self._plans[key] = plan
        return plan

    @staticmethod
    def expand(headers: Sequence[bytes], data: bytes, where: str) -> list[DataRecord]:
        """Re-interleave headers and values into a full record stream, then parse it."""
        out = bytearray()
        i = 0
        n = len(data)
        for h in headers:
            low = h[0] & 0x0F
            size = DATA_LENGTHS[low]
            if size == -1:
                if i >= n:
                    raise DecodeError("compact frame values end early", f"{where}, value offset {i}")
                lvar_size = variable_size(data[i])
                if lvar_size is None:
                    raise DecodeError(f"reserved LVAR 0x{data[i]:02X}", f"{where}, value offset {i}")
                size = 1 + lvar_size
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


def _plan_for(headers: Sequence[bytes], offset: int, size: int) -> Plan | None:
    spans = []
    records = []
    pos = offset
    for hb in headers:
        try:
            h, _ = _decode_header(hb, 0, len(hb), "compact format")
        except DecodeError:
            return None
        length = DATA_LENGTHS[h.low]
        if length < 0:
            return None
        spans.append((h, pos, pos + length))
        records.append(DataRecord(h.dif, h.vif, h.storage, h.tariff, h.subunit, h.function, h.quantity, h.unit,
                                  None, h.vifes))
        pos += length
    if pos > size:
        return None
    picks = pick_summary(records)
    slots = tuple(None if i is None else spans[i] for i in picks)
    flow_unit = records[picks[3]].unit if picks[3] is not None else ""
    return Plan(0, 0, slots, flow_unit, tuple(spans))  # found by signature, never matched by bytes
