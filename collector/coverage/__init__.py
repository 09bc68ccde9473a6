"""Route coverage for the crew: which meters on today's route are read, which are missing, which alarm.

The van has no keys, so everything here comes from the clear-text part of a telegram: the A-field
(meter id as printed), and the transport layer's status byte, which EN 13757-3 keeps outside the
encryption exactly so that a collector can see a low battery or an alarm. Header parsing is
`decoders`' own (a keyless `Decoder`, `status_alarms`); nothing is decoded twice.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from decoders import Decoder
from decoders.summary import status_alarms


class RouteError(ValueError):
    """A route file that cannot be used; the message names the file, line and column."""


@dataclass(frozen=True)
class RouteMeter:
    meter_id: str
    address: str
    lat: float | None
    lon: float | None


def load_route(path: Path) -> list[RouteMeter]:
    """``meter_id,address,lat,lon`` (lat/lon may be empty); meter ids are the 8 digits printed."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise RouteError(f"{path}: cannot read: {exc.strerror or exc}") from None
    rows = csv.DictReader(text.splitlines())
    need = {"meter_id", "address", "lat", "lon"}
    if rows.fieldnames is None or not need <= set(rows.fieldnames):
        missing = sorted(need - set(rows.fieldnames or []))
        raise RouteError(f"{path}: line 1: missing column(s) {', '.join(missing)}; need meter_id,address,lat,lon")
    out: list[RouteMeter] = []
    seen: set[str] = set()
    for lineno, row in enumerate(rows, start=2):
        mid = (row["meter_id"] or "").strip()
        if not (len(mid) == 8 and mid.isdigit()):
            raise RouteError(f"{path}: line {lineno}, column meter_id: {mid!r} is not an 8-digit meter id")
        if mid in seen:
            raise RouteError(f"{path}: line {lineno}, column meter_id: {mid} is listed twice")
        seen.add(mid)
        coords: list[float | None] = []
        for col in ("lat", "lon"):
            v = (row[col] or "").strip()
            try:
                coords.append(float(v) if v else None)
            except ValueError:
                raise RouteError(f"{path}: line {lineno}, column {col}: {v!r} is not a number") from None
        out.append(RouteMeter(mid, (row["address"] or "").strip(), coords[0], coords[1]))
    return out


@dataclass(frozen=True)
class Heard:
    meter_id: str
    manufacturer: str
    alarms: tuple[str, ...]


def clear_text(frame: bytes, decoder: Decoder | None = None) -> Heard | None:
    """Meter id, manufacturer and alarms of a frame, without keys; None if it is not a wM-Bus telegram.

    A keyless `Decoder` walks the link layer, ELL, AFL and TPL headers exactly as ingest will; an
    encrypted telegram stops at the missing key with its status byte already read, and its alarms are
    then named by `decoders`' own `status_alarms`. Unencrypted telegrams also get their manufacturer's
    flags from the driver.
    """
    t = (decoder or _keyless()).decode_safe(frame)
    if t.id is None or t.manufacturer is None:
        return None
    if not t.alarms and t.sts:
        status_alarms(t, t.sts)
    return Heard(t.id, t.manufacturer, tuple(t.alarms))


_DECODER: list[Decoder] = []


def _keyless() -> Decoder:
    if not _DECODER:
        _DECODER.append(Decoder())
    return _DECODER[0]


M_PER_DEG = 111_320.0  # metres per degree of latitude; flat-earth is fine within a town


@dataclass
class Coverage:
    """What the crew sees: N of M read, the latest, the nearest missing, and alarms.

    Incremental on purpose: the view asks for these twice a second all day, so `read` is a counter and
    the distances to the missing meters are one numpy expression over the route, not a Python loop.
    """

    route: list[RouteMeter]
    heard: dict[str, int] = field(default_factory=dict)  # meter id -> receptions
    alarms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    latest: list[str] = field(default_factory=list)
    off_route: int = 0

    def __post_init__(self) -> None:
        self._index = {m.meter_id: i for i, m in enumerate(self.route)}
        self._missing = np.ones(len(self.route), dtype=bool)
        self._lat = np.array([np.nan if m.lat is None else m.lat for m in self.route], dtype=float)
        self._lon = np.array([np.nan if m.lon is None else m.lon for m in self.route], dtype=float)
        self._read = 0

    def add(self, frame: bytes) -> Heard | None:
        h = clear_text(frame)
        if h is None:
            return None
        self.heard[h.meter_id] = self.heard.get(h.meter_id, 0) + 1
        i = self._index.get(h.meter_id)
        if i is None:
            self.off_route += 1
        elif self._missing[i]:
            self._missing[i] = False
            self._read += 1
        if h.alarms:
            self.alarms[h.meter_id] = h.alarms
        self.latest = ([h.meter_id] + [m for m in self.latest if m != h.meter_id])[:5]
        return h

    @property
    def read(self) -> int:
        return self._read

    def missing(self) -> list[RouteMeter]:
        return [self.route[i] for i in np.flatnonzero(self._missing)]

    def nearest_missing(self, here: tuple[float, float] | None, n: int = 5) -> list[tuple[RouteMeter, float | None]]:
        """The ``n`` unread meters nearest ``here`` (with their distance in metres); route order without GPS."""
        todo = np.flatnonzero(self._missing)
        if here is None:
            return [(self.route[i], None) for i in todo[:n]]
        k = math.cos(math.radians(here[0]))
        d = np.hypot((self._lat[todo] - here[0]) * M_PER_DEG, (self._lon[todo] - here[1]) * M_PER_DEG * k)
        placed = ~np.isnan(d)
        todo, d = todo[placed], d[placed]
        best = np.argsort(d, kind="stable")[:n]
        return [(self.route[todo[j]], float(d[j])) for j in best]

    def write_missed(self, path: Path) -> int:
        todo = self.missing()
        with path.open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["meter_id", "address", "lat", "lon"])
            for m in todo:
                w.writerow([m.meter_id, m.address, "" if m.lat is None else m.lat, "" if m.lon is None else m.lon])
        return len(todo)
