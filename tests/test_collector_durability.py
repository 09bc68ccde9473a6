"""Durability: SIGKILL the collector at random instants during reception and sync (real Mosquitto).

Every frame the collector logged as accepted must then be in the outbox or receipted, every record
must reach the store exactly once, and every batch must be stored once whatever the resends.
"""

from __future__ import annotations

import os
from pathlib import Path

from kill_cycles import run_kill_cycles
from mosquitto_broker import Broker, mosquitto  # noqa: F401


def test_sigkill_twenty_times_loses_and_duplicates_nothing(mosquitto: Broker, tmp_path: Path) -> None:  # noqa: F811
    seed = int(os.environ.get("AMR_KILL_SEED", "14"))
    result = run_kill_cycles(tmp_path / "kill", mosquitto.url, kills=20, seed=seed)
    print(result)
    assert result["kills"] == 20
    assert result["accepted_lines"] > 100  # the kills did land during reception
    assert result["batches"] > 5  # … and during sync
    assert result["folded_receptions"] > 0
