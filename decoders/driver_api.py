"""Manufacturer drivers: how they declare themselves and how one is picked.

A driver is a module in `decoders/drivers/` that defines `DRIVER`. Discovery imports every
module of that package once, so adding a driver never touches the core.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field

from .model import DriverContext, Telegram


@dataclass(frozen=True, slots=True)
class Signature:
    """Detection key: manufacturer, version (None = any) and device type, as the meter sends them.

    There is no CI condition: a family claims its (manufacturer, version, type) whatever the CI,
    as in the detection tables of the open decoders. The CI matters only before detection, for the
    Diehl group, where it decides which bytes hold version and type (`decoders.detection`).
    """

    manufacturer: str
    version: int | None
    device_type: int

    def matches(self, manufacturer: str | None, version: int | None, device_type: int | None) -> bool:
        return (self.manufacturer == manufacturer and (self.version is None or self.version == version)
                and self.device_type == device_type)

    def describe(self) -> str:
        v = "**" if self.version is None else f"{self.version:02X}"
        return f"{self.manufacturer} {v} {self.device_type:02X}"


def signatures(*specs: str) -> tuple[Signature, ...]:
    """Signatures written as in a detection table: `"APA 05 07"`, version `**` for any version."""
    out = []
    for spec in specs:
        mfr, version, dtype = spec.split()
        out.append(Signature(mfr, None if version == "**" else int(version, 16), int(dtype, 16)))
    return tuple(out)


DecodeFn = Callable[[Telegram, DriverContext], None]


@dataclass(frozen=True, slots=True)
class Driver:
    """`decode` fills the summary and extras of a telegram whose header the core has parsed.

    `standard_records` says whether the core should parse the payload as EN 13757-3 records
    before calling `decode` (false for fully proprietary payloads).
    """

    name: str
    signatures: tuple[Signature, ...]
    decode: DecodeFn
    fields: tuple[str, ...] = ()
    description: str = ""
    standard_records: bool = True
    aliases: tuple[str, ...] = field(default=())
    # Compact-frame layouts known without a full frame: each a sequence of DIF/VIF header bytes.
    known_formats: tuple[tuple[bytes, ...], ...] = ()


class DriverRegistry:
    """Drivers by name and by detection key; the first registered driver claiming a key wins."""

    def __init__(self, drivers: list[Driver] | None = None) -> None:
        self._drivers: dict[str, Driver] = {}
        self._aliases: dict[str, Driver] = {}
        self._exact: dict[tuple[str, int, int], Driver] = {}
        self._any_version: dict[tuple[str, int], Driver] = {}
        for d in drivers or []:
            self.register(d)

    def register(self, driver: Driver) -> None:
        if driver.name in self._drivers:
            raise ValueError(f"driver {driver.name!r} registered twice")
        self._drivers[driver.name] = driver
        for alias in driver.aliases:
            if alias in self._aliases or alias in self._drivers:
                raise ValueError(f"driver alias {alias!r} is taken")
            self._aliases[alias] = driver
        for sig in driver.signatures:
            if sig.version is None:
                self._any_version.setdefault((sig.manufacturer, sig.device_type), driver)
            else:
                self._exact.setdefault((sig.manufacturer, sig.version, sig.device_type), driver)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(sorted(self._drivers.values(), key=lambda d: d.name))

    def __len__(self) -> int:
        return len(self._drivers)

    def get(self, name: str) -> Driver | None:
        """By name or alias (families the reference decoder knows under two names)."""
        return self._drivers.get(name) or self._aliases.get(name)

    def detect(self, manufacturer: str | None, version: int | None, device_type: int | None) -> Driver | None:
        """The driver claiming (manufacturer, version, type): an exact version before `**`."""
        found = self._exact.get((manufacturer, version, device_type))  # type: ignore[arg-type]
        if found is None:
            found = self._any_version.get((manufacturer, device_type))  # type: ignore[arg-type]
        return found


def discover() -> DriverRegistry:
    """Import every module in `decoders.drivers` and register its `DRIVER`."""
    from . import drivers as pkg

    registry = DriverRegistry()
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        driver = getattr(module, "DRIVER", None)
        if isinstance(driver, Driver):
            registry.register(driver)
    return registry
