"""What a decoded telegram is, independent of how it was decoded."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orjson import OPT_APPEND_NEWLINE, Fragment, dumps

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
        return self._json(with_records, False)

    def json_line(self) -> bytes:
        """`orjson.dumps(self.to_json(), option=OPT_APPEND_NEWLINE)`, byte for byte: what `amr decode`
        prints per telegram. Records read through a layout plan go in as ready JSON (no dict per
        record), the bulk of the work for a telegram whose layout is known.

        An integer beyond 64 bits (an 8-byte field times a VIF multiplier, e.g. from a damaged
        telegram) is written as the exact JSON number; orjson alone refuses it."""
        try:
            return dumps(self._json(True, True), option=OPT_APPEND_NEWLINE)
        except TypeError:
            return dumps(_wide_ints(self.to_json()), option=OPT_APPEND_NEWLINE)

    def _json(self, with_records: bool, fragment: bool) -> dict[str, Any]:
        """`to_json`; with `fragment` (the dict is encoded at once and dropped) the records of a
        layout plan come as ready JSON and lists are not copied."""
        id_, manufacturer, version, device_type, media = (self.id, self.manufacturer, self.version,
                                                          self.device_type, self.media)
        if id_ is not None and manufacturer is not None and version is not None and device_type is not None \
                and media is not None:  # every wM-Bus telegram: one dict display
            out: dict[str, Any] = {"id": id_, "manufacturer": manufacturer, "version": version,
                                   "device_type": device_type, "media": media}
        else:
            out = {}
            if id_ is not None:
                out["id"] = id_
            if manufacturer is not None:
                out["manufacturer"] = manufacturer
            if version is not None:
                out["version"] = version
            if device_type is not None:
                out["device_type"] = device_type
            if media is not None:
                out["media"] = media
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
        error = self.error
        if error is None or self.alarms:
            out["alarms"] = self.alarms if fragment else list(self.alarms)
        extra = self.extra
        if extra:  # after the summary, never replacing a summary key: three C calls, no loop
            summary = out.copy()
            out.update(extra)
            out.update(summary)
        if with_records:
            if self._records is None and self._plan is not None and self.payload:
                if fragment:
                    out["records"] = Fragment(self._plan.records_json_bytes(self.payload))
                else:
                    out["records"] = self._plan.records_json(self.payload)
            else:
                records = self.records
                if records or error is None:
                    out["records"] = [r.to_json() for r in records]
        if self.ci is not None:
            out["encryption"] = self.encryption
            out["decrypted"] = self.decrypted
        if self.warnings:
            out["warnings"] = self.warnings if fragment else list(self.warnings)
        out["error"] = error
        return out


def _wide_ints(obj: Any) -> Any:
    """`obj` with each integer orjson cannot encode (beyond 64 bits) as a ready JSON number."""
    if type(obj) is int and not -(2**63) <= obj < 2**64:
        return Fragment(str(obj).encode())
    if type(obj) is dict:
        return {k: _wide_ints(v) for k, v in obj.items()}
    if type(obj) is list:
        return [_wide_ints(v) for v in obj]
    return obj


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
