"""What a decoded telegram is, independent of how it was decoded."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import DecodeError
from .records import DataRecord, parse_records


@dataclass(slots=True)
class Telegram:
    """The decoded telegram; `to_json` yields the stable contract-1 object."""

    id: str | None = None
    manufacturer: str | None = None
    version: int | None = None
    device_type: int | None = None
    media: str | None = None
    total_m3: float | None = None
    target_m3: float | None = None
    target_date: str | None = None
    flow_m3h: float | None = None
    alarms: list[str] = field(default_factory=list)
    _records: list[DataRecord] | None = None
    _plan: Any = None  # a layout.Plan that can rebuild the records without a re-parse
    encryption: str = "none"
    decrypted: bool = False
    error: str | None = None
    # Context kept for drivers, ingest and debugging; not all of it is printed.
    reason: str | None = None
    ci: int | None = None
    ci_chain: list[int] = field(default_factory=list)
    sts: int | None = None
    acc: int | None = None
    radio_id: str | None = None
    driver: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    frame: bytes = b""
    crc_format: str = "none"
    payload: bytes = b""
    warnings: list[str] = field(default_factory=list)

    @property
    def records(self) -> list[DataRecord]:
        """Every data record; parsed on first access when the summary came from a layout plan."""
        if self._records is None:
            if self._plan is not None:
                self._records = self._plan.materialise(self.payload)
                return self._records
            try:
                self._records = parse_records(self.payload) if self.payload else []
            except DecodeError:  # only reachable for a payload that never parsed cleanly
                self._records = []
        return self._records

    @records.setter
    def records(self, value: list[DataRecord]) -> None:
        self._records = value

    def add_alarm(self, name: str) -> None:
        if name not in self.alarms:
            self.alarms.append(name)

    def to_json(self, with_records: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in ("id", "manufacturer", "version", "device_type", "media"):
            v = getattr(self, key)
            if v is not None:
                out[key] = v
        if self.driver:
            out["driver"] = self.driver
        for key in ("total_m3", "target_m3", "target_date", "flow_m3h"):
            v = getattr(self, key)
            if v is not None:
                out[key] = v
        if self.error is None or self.alarms:
            out["alarms"] = list(self.alarms)
        for k, v in self.extra.items():
            out.setdefault(k, v)
        if with_records and (self.records or self.error is None):
            out["records"] = [r.to_json() for r in self.records]
        if self.ci is not None:
            out["encryption"] = self.encryption
            out["decrypted"] = self.decrypted
        if self.warnings:
            out["warnings"] = list(self.warnings)
        out["error"] = self.error
        return out


@dataclass(slots=True)
class DriverContext:
    """What a manufacturer driver gets besides the telegram under construction.

    `body` starts at the CI the driver is responsible for; `payload` is the application data
    after the TPL header, already decrypted when the core could decrypt it. `key` is the
    meter's key if the key store has one: a driver with its own cipher needs it.
    """

    body: bytes
    payload: bytes
    key: bytes | None
    m_field: bytes
    a_field: bytes
    cfg: int | None = None
    security_mode: int | None = None
