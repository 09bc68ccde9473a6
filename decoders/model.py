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
        """The contract-1 object. Written out field by field: it runs for every printed line."""
        out: dict[str, Any] = {}
        if self.id is not None:
            out["id"] = self.id
        if self.manufacturer is not None:
            out["manufacturer"] = self.manufacturer
        if self.version is not None:
            out["version"] = self.version
        if self.device_type is not None:
            out["device_type"] = self.device_type
        if self.media is not None:
            out["media"] = self.media
        if self.driver:
            out["driver"] = self.driver
        if self.total_m3 is not None:
            out["total_m3"] = self.total_m3
        if self.target_m3 is not None:
            out["target_m3"] = self.target_m3
        if self.target_date is not None:
            out["target_date"] = self.target_date
        if self.flow_m3h is not None:
            out["flow_m3h"] = self.flow_m3h
        if self.error is None or self.alarms:
            out["alarms"] = list(self.alarms)
        for k, v in self.extra.items():
            if k not in out:
                out[k] = v
        if with_records:
            if self._records is None and self._plan is not None and self.payload:
                out["records"] = self._plan.records_json(self.payload)
            else:
                records = self.records
                if records or self.error is None:
                    out["records"] = [r.to_json() for r in records]
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
