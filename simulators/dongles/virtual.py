"""Virtual dongles: the command side of each receiver, as a sans-IO state machine.

A collector detects and configures a real stick before it listens: it asks for device info,
pings, sets the link mode. A virtual dongle has to answer that exchange byte for byte, or the
collector's detection code would need a test mode — which is exactly what we must not have.
Each model takes the host's bytes (`feed`) and returns the bytes the stick answers; after the
host has put it into a receive mode (`link_modes` not empty) the pty server streams the drive's
telegrams through `encoder()`, filtered to the link modes the host selected. Nothing here
reads a clock or a file: `simulators.dongles.pty` does the I/O.

Which command starts reception, per stick (so the stream begins when the collector is ready):
iM871A SET_CONFIG with a link mode, iU891A SET_ACTIVE_CONFIGURATION with a link mode and
RX indications on, Amber SET_MODE (or RESET, which applies the preselected mode), RC1180
leaving configuration mode ('X'), CUL `br<m>`; rtl_wmbus and hex lines have no commands and
stream as soon as the port is opened.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from simulators.dongles import DongleEncoder, HexLines, RtlWmbus

ALL_MODES = frozenset(("T1", "C1"))


class VirtualDongle(ABC):
    """Host bytes in, replies out; `link_modes` is what the stick currently receives."""

    name: ClassVar[str]
    passive: ClassVar[bool] = False  # True: no command protocol, receives from the start

    def __init__(self) -> None:
        self.link_modes: frozenset[str] = ALL_MODES if self.passive else frozenset()
        self.log: list[str] = []  # one line per command understood or refused, for the operator

    @abstractmethod
    def feed(self, data: bytes) -> list[bytes]:
        """Consume host bytes (any split); return the stick's replies in order."""

    @abstractmethod
    def encoder(self) -> DongleEncoder:
        """How received telegrams are written with the current settings."""


class PassiveDongle(VirtualDongle):
    """Receivers without a command protocol: whatever the host writes is ignored."""

    passive = True
    _encoder: ClassVar[type[DongleEncoder]]

    def feed(self, data: bytes) -> list[bytes]:
        if data:
            self.log.append(f"ignored {len(data)} host bytes (no command protocol)")
        return []

    def encoder(self) -> DongleEncoder:
        return self._encoder()


class RtlWmbusDongle(PassiveDongle):
    name = "rtl_wmbus"
    _encoder = RtlWmbus


class HexLinesDongle(PassiveDongle):
    name = "hex"
    _encoder = HexLines

