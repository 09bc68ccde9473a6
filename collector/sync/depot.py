"""Sync an outbox to its end, then stop: ``amr collector sync``, for the depot or after ``run --no-sync``.

Why a command of its own: ``collector run`` syncs while it collects, so it needs the dongle. A van back
at the depot with frames still in its outbox (the network was down on the road, or the crew ran with
``--no-sync``) must be able to hand them over without the stick plugged in.  The same sync loop runs,
with batches cut at once instead of after ``batch_max_age_s``; it stops when ingest has receipted every
record, or when the time allowed is up (what is left stays in the outbox for the next try).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from collector.outbox import Outbox

PROGRESS_S = 2.0


@dataclass(frozen=True)
class DepotSync:
    records: int  # unsynced when the sync began
    left: int  # still unsynced when it ended
    seconds: float


async def sync_until_empty(outbox_path: str | Path, broker_url: str, van_id: str, timeout_s: float,
                           say: Callable[[str], None], poll_s: float = 0.2) -> DepotSync:
    """Run the sync until every record is receipted or ``timeout_s`` has passed; ``say`` gets progress lines.

    Raises ``collector.sync.SyncBusy`` when another process (a ``collector run``) is syncing the outbox.
    """
    from collector.sync import run_sync

    watch = Outbox(outbox_path)
    try:
        start, records = time.monotonic(), watch.depth()
        stop = asyncio.Event()
        task = asyncio.create_task(run_sync(outbox_path, broker_url, van_id, stop=stop, batch_max_age_s=0.0,
                                            poll_s=poll_s, on_event=lambda m: say(f"sync: {m}"),
                                            wait_for_lock=False))
        left, shown, next_line = records, records, start + PROGRESS_S
        while left and not task.done() and time.monotonic() - start < timeout_s:
            await asyncio.sleep(poll_s)
            left = await asyncio.to_thread(watch.depth)
            if left != shown and time.monotonic() >= next_line:
                say(f"{records - left} of {records} records receipted by ingest")
                shown, next_line = left, time.monotonic() + PROGRESS_S
        stop.set()
        await task
        left = watch.depth()
        return DepotSync(records, left, time.monotonic() - start)
    finally:
        watch.close()
