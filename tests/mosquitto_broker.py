"""A real Mosquitto for tests: its own config, data folder and free port; stoppable and restartable.

Integration tests talk to the real broker, never to a mock, so QoS 1 redelivery, persistence across a
restart and shared subscriptions behave as in production.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulators.demo.broker import LocalBroker, free_port

__all__ = ["MOSQUITTO", "Broker", "free_port", "mosquitto"]

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


class Broker(LocalBroker):
    """The demo's local broker, always Mosquitto here, with persistence so queued QoS 1 messages survive
    ``restart()``."""

    def __init__(self, folder: Path, port: int | None = None, extra_conf: str = "") -> None:
        super().__init__(folder, port or free_port(), extra_conf=extra_conf)

    def start(self, prefer: str = "mosquitto") -> Broker:
        super().start(prefer)
        return self


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[Broker]:
    """A fresh broker per test (skipped, with the reason, only when mosquitto is not installed)."""
    if not Path(MOSQUITTO).exists():
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    broker = Broker(tmp_path / "mosquitto").start()
    try:
        yield broker
    finally:
        broker.stop()
