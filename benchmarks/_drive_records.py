"""Realistic outbox records for the outbox and sync benchmarks, from a simulated drive.

Why not random bytes: how well a batch compresses depends on real wM-Bus headers (manufacturer,
version, device type, CI) and on the spread of times and RSSI. The drive gives those. To reach a
million distinct records, the drive is repeated with fresh random bytes after the clear-text header
(encrypted payloads look random) and a new access number, so no two records are identical.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from collector.outbox import HeardFrame

HEADER = 15  # L C M M A×6 CI ACC ST CW CW: the clear-text part kept from the drive


def drive_templates(meters: int = 800, seed: int = 11) -> list[tuple[bytes, float, float, str]]:
    """(frame, seconds since drive start, rssi_dbm, link_mode) of one simulated drive, in time order."""
    from simulators.drive import DriveSpec, simulate_drive
    from simulators.town.consumption import simulate
    from simulators.town.population import build_town

    town = build_town(meters, seed, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    drive = simulate_drive(town, simulate(town, seed), DriveSpec(day=dt.date(2026, 10, 30), seed=5))
    t0 = drive.started_utc
    out = []
    for frame, rec in drive.receptions():
        at = rec.at if isinstance(rec.at, datetime) else None
        secs = (at.replace(tzinfo=at.tzinfo or UTC) - t0).total_seconds() if at else float(rec.at)
        out.append((frame, secs, rec.rssi_dbm, rec.link_mode))
    return out


def heard_frames(n: int, seed: int = 1, templates: list | None = None) -> Iterator[HeardFrame]:
    """``n`` distinct HeardFrames cycling through the drive, a day later on each pass."""
    tpl = templates or drive_templates()
    rng = random.Random(seed)
    start = datetime(2026, 10, 30, 6, 0, tzinfo=UTC)
    for i in range(n):
        frame, secs, rssi, mode = tpl[i % len(tpl)]
        day = i // len(tpl)
        head = bytearray(frame[:HEADER])
        if len(head) > 11:
            head[11] = (head[11] + day) & 0xFF  # access number
        body = rng.randbytes(max(0, len(frame) - HEADER))
        yield HeardFrame(bytes(head) + body, start + timedelta(days=day, seconds=secs), rssi, mode, "im871a")
