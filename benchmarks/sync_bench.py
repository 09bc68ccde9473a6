"""Sync throughput and bytes on the wire: an outbox of N records to a local Mosquitto, with receipts.

Usage: python benchmarks/sync_bench.py [--records 1000000] [--batch 500] [--in-flight 8]

Fills an outbox with distinct records from a simulated drive (not timed), starts a real Mosquitto,
the receipting test responder (it stores every record in SQLite, idempotently) and a byte-counting
TCP relay between the collector and the broker, then times ``run_sync`` from the first connect until
ingest's receipt for the last batch. Acceptance: 1,000,000 records in ≤ 30 s; bytes on the wire per
record ≤ 1.0× the raw frame bytes (CRC-free frames; frames with their format-A CRCs are ~12 % larger).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _drive_records import drive_templates, heard_frames
from mosquitto_broker import Broker, free_port

from collector.outbox import Outbox
from collector.sync import run_sync

ROOT = Path(__file__).resolve().parents[1]


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fill(path: Path, n: int) -> int:
    ob = Outbox(path)
    raw = 0
    for i, h in enumerate(heard_frames(n, templates=drive_templates())):
        ob.add(h)
        raw += len(h.frame)
        if i % 5000 == 4999:
            ob.commit()
    ob.commit()
    ob.close()
    return raw


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--records", type=int, default=1_000_000)
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--in-flight", type=int, default=8)
    p.add_argument("--compression", default="zlib", choices=["zlib", "none"])
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        t = time.perf_counter()
        raw = fill(work / "outbox.sqlite", a.records)
        print(f"sync bench: {a.records:,} records, {raw:,} raw frame bytes ({raw / a.records:.1f} per record); "
              f"outbox filled in {time.perf_counter() - t:.1f} s (not timed)")
        broker = Broker(work / "mosquitto").start()
        relay_port = free_port()
        relay = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "_tcp_counter.py"), str(relay_port),
                                  str(broker.port)], stdout=subprocess.PIPE)
        responder = subprocess.Popen([sys.executable, str(ROOT / "tests" / "receipt_responder.py"), "--broker",
                                      broker.url, "--db", str(work / "store.sqlite")], stdout=subprocess.PIPE)
        try:
            assert relay.stdout.readline().strip() == b"ready"
            assert responder.stdout.readline().strip() == b"ready"

            cpu0 = cpu_s(os.getpid())

            async def go() -> float:
                stop = asyncio.Event()
                stop.set()  # drain everything, then return
                t0 = time.perf_counter()
                await run_sync(work / "outbox.sqlite", f"mqtt://127.0.0.1:{relay_port}", "van-bench", stop=stop,
                               batch_max_records=a.batch, max_in_flight=a.in_flight, compression=a.compression,
                               drain_s=600.0, poll_s=0.05)
                return time.perf_counter() - t0

            elapsed = asyncio.run(go())
            cpu = {name: cpu_s(proc.pid) for name, proc in (("responder", responder), ("relay", relay),
                                                             ("mosquitto", broker.proc))}
        finally:
            relay.terminate()
            up, down = (int(x.split("=")[1]) for x in relay.stdout.readline().decode().split())
            relay.wait(10)
            responder.terminate()
            responder.wait(10)
            broker.stop()
        ob = Outbox(work / "outbox.sqlite")
        st = ob.stats()
        ob.close()
        store = sqlite3.connect(work / "store.sqlite")
        stored = store.execute("SELECT count(*) FROM records").fetchone()[0]
        dups = store.execute("SELECT count(*) FROM record_dups").fetchone()[0]
        print(f"  batch {a.batch}, {a.in_flight} in flight, compression {a.compression}")
        print(f"  synced {a.records:,} records in {elapsed:.1f} s = {a.records / elapsed:,.0f} records/s "
              f"(limit 30 s for 1,000,000)")
        me = cpu_s(os.getpid()) - cpu0
        print("  CPU seconds: collector sync " + f"{me:.1f}, " + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items()))
        print(f"  outbox depth after: {st.depth}; responder stored {stored:,} records, {dups} record duplicates")
        print(f"  bytes on the wire (TCP payload): van→broker {up:,} = {up / a.records:.1f} B/record = "
              f"{up / raw:.3f}× raw frame bytes; broker→van {down:,} ({down / a.records:.2f} B/record)")


if __name__ == "__main__":
    main()
