"""System-level chaos: SIGKILL of the collector or ingest, and Mosquitto restarts, during a streaming drive."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from chaos_run import chaos

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def test_thirty_faults_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    if not Path(MOSQUITTO).exists():
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    faults = int(os.environ.get("AMR_CHAOS_FAULTS", "30"))
    tally = chaos(tmp_path, faults=faults, seed=3)
    print(tally.line())
    assert sum(tally.actions.values()) == faults
    assert tally.accepted > 100  # the drive really streamed through all that
    assert tally.lost == 0
    assert tally.duplicated == 0
    assert tally.unreceipted == 0
    assert tally.archived == tally.records
