"""Watching the van while the demo drives: frames in the outbox against the drive's plan, then receipts.

The simulator knows how many distinct frames a C1+T1 receiver hears on this drive (``heard.csv``
without the radio repeats, which the outbox folds), so the demo can tell when the van has heard
everything and when ingest has receipted everything, instead of sleeping for a guessed time.
"""

from __future__ import annotations

import csv
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from simulators.demo.steps import DemoError


def expected_frames(heard_csv: Path) -> int:
    with heard_csv.open(newline="") as f:
        return len({row["frame"] for row in csv.DictReader(f)})


def outbox_counts(path: Path) -> tuple[int, int]:
    """(records, unsynced) in the van's outbox, read through the outbox's own API."""
    from collector.outbox import Outbox

    if not path.exists():
        return 0, 0
    box = Outbox(path)
    try:
        s = box.stats()
        return int(s.total), int(s.depth)
    finally:
        box.close()


def watch_collector(outbox: Path, expected: int, proc: subprocess.Popen[bytes],
                    progress: Callable[[str, float | None, float | None], None],
                    quiet_s: float = 5.0, timeout_s: float = 600.0) -> tuple[int, int]:
    """Wait until every expected frame is in the outbox and receipted (or nothing has moved for a while)."""
    deadline = time.monotonic() + timeout_s
    last, last_change = (-1, -1), time.monotonic()
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise DemoError(f"the collector exited with {proc.returncode} during the drive")
        total, depth = outbox_counts(outbox)
        progress("heard", total, expected)
        progress("receipted", total - depth, expected)
        if (total, depth) != last:
            last, last_change = (total, depth), time.monotonic()
        if total >= expected and depth == 0:
            return total, depth
        if total and time.monotonic() - last_change > quiet_s * (6 if depth else 1):
            return total, depth
        time.sleep(0.25)
    raise DemoError(f"the drive did not finish within {timeout_s:.0f} s ({last[0]} of {expected} frames)")
