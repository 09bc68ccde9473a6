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
    """Detection: every field that is not None must match; more fields = more specific."""

    manufacturer: str
    version: int | None = None
    device_type: int | None = None
    ci: int | None = None

    def matches(self, manufacturer: str | None, version: int | None, device_type: int | None, ci: int | None) -> bool:
        return (
            self.manufacturer == manufacturer
            and (self.version is None or self.version == version)
            and (self.device_type is None or self.device_type == device_type)
            and (self.ci is None or self.ci == ci)
        )

    @property
    def specificity(self) -> int:
        return sum(x is not None for x in (self.version, self.device_type, self.ci))

    def describe(self) -> str:
        parts = [self.manufacturer]
        if self.version is not None:
            parts.append(f"v=0x{self.version:02x}")
        if self.device_type is not None:
            parts.append(f"t=0x{self.device_type:02x}")
        if self.ci is not None:
            parts.append(f"ci=0x{self.ci:02x}")
        return " ".join(parts)


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
    def __init__(self, drivers: list[Driver] | None = None) -> None:
        self._drivers: dict[str, Driver] = {}
        self._aliases: dict[str, Driver] = {}
        self._detected: dict[tuple[str | None, int | None, int | None, int | None], Driver | None] = {}
        self._index: dict[str, list[tuple[Signature, Driver]]] = {}
        for d in drivers or []:
            self.register(d)

    def register(self, driver: Driver) -> None:
        if driver.name in self._drivers:
            raise ValueError(f"driver {driver.name!r} registered twice")
        self._drivers[driver.name] = driver
        self._detected.clear()
        for alias in driver.aliases:
            if alias in self._aliases or alias in self._drivers:
                raise ValueError(f"driver alias {alias!r} is taken")
            self._aliases[alias] = driver
        for sig in driver.signatures:
            bucket = self._index.setdefault(sig.manufacturer, [])
            bucket.append((sig, driver))
            bucket.sort(key=lambda sd: -sd[0].specificity)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(sorted(self._drivers.values(), key=lambda d: d.name))

    def __len__(self) -> int:
        return len(self._drivers)

    def get(self, name: str) -> Driver | None:
        """By name or alias (families the reference decoder knows under two names)."""
        return self._drivers.get(name) or self._aliases.get(name)

    def detect(self, manufacturer: str | None, version: int | None, device_type: int | None,
               ci: int | None) -> Driver | None:
        """The most specific matching driver; answers are memoised per header tuple (bounded)."""
        key = (manufacturer, version, device_type, ci)
        try:
            return self._detected[key]
        except KeyError:
            pass
        found = None
        for sig, driver in self._index.get(manufacturer or "", ()):
            if sig.matches(manufacturer, version, device_type, ci):
                found = driver
                break
        if len(self._detected) > 65536:
            self._detected.clear()
        self._detected[key] = found
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
