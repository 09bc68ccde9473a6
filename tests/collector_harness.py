"""A small collector built from the real Outbox and run_sync, for the SIGKILL test.

Why: the durability test needs a process to kill that does what the van service does (commit each
read chunk, then log ``accepted seq=N``, with sync running as an asyncio task). The test uses the real
``amr collector run`` when it exists; this harness is its stand-in and the benchmark's subject.

Input: hex frames, one per line, on stdin. Output: ``accepted seq=N folded=0|1 frame=HEX`` per frame,
printed only after the commit that made it durable.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from collector.outbox import HeardFrame, Outbox
from collector.sync import run_sync


async def main_async(a: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    stop = asyncio.Event()
    sync = asyncio.create_task(run_sync(a.outbox, a.broker, a.van_id, stop=stop, batch_max_records=a.batch,
                                        batch_max_age_s=a.max_age, poll_s=0.05, drain_s=a.drain_s,
                                        resend_after_s=a.resend_after))
    ob = Outbox(a.outbox)
    out = sys.stdout
    while True:
        chunk = await reader.read(65536)
        if not chunk:
            break
        while not chunk.endswith(b"\n"):  # complete the last line of this read
            more = await reader.readline()
            if not more:
                break
            chunk += more
        now = datetime.now(UTC)
        results = []
        for line in chunk.split():
            frame = bytes.fromhex(line.decode())
            results.append((ob.add(HeardFrame(frame, now, -70.0 - (frame[-1] % 30), "T1", "hex")), frame))
        ob.commit()  # durable BEFORE anything is shown or sent
        out.write("".join(f"accepted seq={r.seq} folded={int(r.folded)} frame={f.hex()}\n" for r, f in results))
        out.flush()
    ob.close()
    stop.set()
    await sync


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--outbox", required=True)
    p.add_argument("--broker", required=True)
    p.add_argument("--van-id", default="van-test")
    p.add_argument("--batch", type=int, default=50)
    p.add_argument("--max-age", type=float, default=0.2)
    p.add_argument("--drain-s", type=float, default=0.0)
    p.add_argument("--resend-after", type=float, default=60.0)
    asyncio.run(main_async(p.parse_args()))


if __name__ == "__main__":
    main()
