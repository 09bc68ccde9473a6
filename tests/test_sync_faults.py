"""Sync against a real Mosquitto and the test responder: restarts, an outage, an unreachable broker,
and the retained status topic with its last will."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import aiomqtt
import pytest
from kill_cycles import ROOT, harness_cmd, make_frame, verify
from mosquitto_broker import Broker, free_port, mosquitto  # noqa: F401

from collector.outbox import HeardFrame, Outbox
from collector.sync import run_sync


def start_responder(broker: Broker, store: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "receipt_responder.py"), "--broker", broker.url,
                             "--db", str(store)], stdout=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout.readline().strip() == b"ready"
    return proc


def stop_proc(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(10)


def feed(outbox: Path, seconds: float, accepted: list, rate_per_tick: int = 40) -> None:
    """Keep adding distinct frames (and committing) for ``seconds``, as the van service would."""
    import random

    rng = random.Random(7)
    ob = Outbox(outbox)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for _ in range(rate_per_tick):
            f = make_frame(rng)
            accepted.append((ob.add(HeardFrame(f, datetime.now(UTC), -80.0, "T1", "hex")).seq, f.hex()))
        ob.commit()
        time.sleep(0.05)
    ob.close()


async def sync_until(outbox: Path, url: str, van_id: str, stop: asyncio.Event, events: list[str]) -> None:
    await run_sync(outbox, url, van_id, stop=stop, batch_max_records=100, batch_max_age_s=0.2, max_in_flight=4,
                   poll_s=0.05, resend_after_s=5.0, backoff_min_s=0.2, backoff_max_s=1.0, drain_s=60.0,
                   on_event=events.append)


def run_with_faults(tmp_path: Path, broker: Broker, faults: list[tuple[float, float]], feed_s: float) -> dict:
    """Feed and sync for ``feed_s`` seconds while the broker goes down at (at_s, down_s) instants."""
    outbox, store, van = tmp_path / "outbox.sqlite", tmp_path / "store.sqlite", "van-faults"
    Outbox(outbox).close()
    responder = start_responder(broker, store)
    accepted: list = []
    events: list[str] = []
    stop = asyncio.Event()
    feeder = threading.Thread(target=feed, args=(outbox, feed_s, accepted))

    async def main() -> None:
        task = asyncio.create_task(sync_until(outbox, broker.url, van, stop, events))
        feeder.start()
        t0 = time.monotonic()
        for at_s, down_s in faults:
            await asyncio.sleep(max(0.0, at_s - (time.monotonic() - t0)))
            await asyncio.to_thread(broker.restart, down_s)
        await asyncio.to_thread(feeder.join)
        stop.set()  # drain: run_sync returns once every record has its receipt
        await task

    try:
        asyncio.run(main())
        time.sleep(0.3)
    finally:
        stop_proc(responder)
    result = verify(outbox, store, accepted, van)
    result["unreachable_lines"] = sum("unreachable" in e for e in events)
    return result


def test_broker_restarts_during_sync_lose_and_duplicate_nothing(mosquitto: Broker, tmp_path: Path) -> None:  # noqa: F811
    result = run_with_faults(tmp_path, mosquitto, [(1.0, 0.0), (2.0, 0.3), (3.0, 0.0), (4.0, 0.5)], feed_s=5.0)
    print(result)
    assert result["records"] > 2000 and result["batches"] > 20


def test_outage_in_the_middle_of_a_sync(mosquitto: Broker, tmp_path: Path) -> None:  # noqa: F811
    """A 5 s outage here (the 30 s one is benchmarks/sync_chaos.py): nothing unsent, nothing stored twice."""
    result = run_with_faults(tmp_path, mosquitto, [(1.5, 5.0)], feed_s=4.0)
    print(result)
    assert result["unreachable_lines"] >= 1


def test_unreachable_broker_is_one_line_and_collecting_continues(tmp_path: Path) -> None:
    outbox = tmp_path / "o.sqlite"
    ob = Outbox(outbox)
    events: list[str] = []

    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(run_sync(outbox, f"mqtt://van:secret@127.0.0.1:{free_port()}", "v", stop=stop,
                                            backoff_min_s=0.1, backoff_max_s=0.2, on_event=events.append))
        for i in range(20):  # the service keeps committing while sync cannot connect
            ob.add(HeardFrame(bytes([10, i]) + bytes(9), datetime.now(UTC), None, None, "hex"))
            ob.commit()
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, 5)

    asyncio.run(main())
    assert ob.stats().depth == 20
    ob.close()
    assert len(events) == 1 and "\n" not in events[0]  # ~10 attempts, one line
    assert "unreachable" in events[0] and "127.0.0.1" in events[0] and "secret" not in events[0]


async def retained_status(url: str, van: str) -> dict:
    host, port = url.removeprefix("mqtt://").split(":")
    async with aiomqtt.Client(host, int(port)) as client:
        await client.subscribe(f"amr/v1/vans/{van}/status", qos=1)
        async with asyncio.timeout(5):
            async for message in client.messages:
                return json.loads(message.payload)
    raise AssertionError("no retained status")


def test_status_is_retained_online_then_last_will_offline(mosquitto: Broker, tmp_path: Path) -> None:  # noqa: F811
    outbox, van = tmp_path / "o.sqlite", "van-status"
    ob = Outbox(outbox)
    ob.add(HeardFrame(bytes([10, 1]) + bytes(9), datetime.now(UTC), None, None, "hex"))
    ob.put_status("coverage", {"read": 1, "total": 3})
    ob.close()
    proc = subprocess.Popen([*harness_cmd(outbox, mosquitto.url, van), "--max-age", "3600"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, cwd=ROOT)
    try:
        deadline = time.monotonic() + 10
        status: dict = {}
        while time.monotonic() < deadline:
            status = asyncio.run(retained_status(mosquitto.url, van))
            if status.get("state") == "online":
                break
            time.sleep(0.1)
        assert status["state"] == "online" and status["outbox_depth"] == 1
        assert status["coverage"] == {"read": 1, "total": 3}
    finally:
        proc.send_signal(signal.SIGKILL)  # no clean disconnect: the broker publishes the will
        proc.wait()
    time.sleep(0.3)
    assert asyncio.run(retained_status(mosquitto.url, van)) == {"van_id": van, "state": "offline"}


@pytest.mark.parametrize("bad", ["http://x", "mqtt://"])
def test_bad_broker_url_fails_at_once(bad: str, tmp_path: Path) -> None:
    from collector.sync import BrokerUrlError

    with pytest.raises(BrokerUrlError):
        asyncio.run(run_sync(tmp_path / "o.sqlite", bad, "v", stop=asyncio.Event()))


def test_restart_resends_unreceipted_batch_with_the_same_batch_seq(mosquitto: Broker, tmp_path: Path) -> None:  # noqa: F811
    """A previous life assigned and sent batch 1 and died before the receipt: it goes again, unchanged."""
    from receipt_responder import open_store, store_batch

    from collector.sync.codec import decode_batch, encode_batch

    outbox, store, van = tmp_path / "o.sqlite", tmp_path / "store.sqlite", "van-resend"
    ob = Outbox(outbox)
    for i in range(30):
        ob.add(HeardFrame(bytes([10, i]) + bytes(9), datetime.now(UTC), -70.0, "C1", "hex"))
    ob.commit()
    assert ob.assign_batch(20) == 1
    first_life = encode_batch(van, 1, ob.batch_records(1))
    st = open_store(store)
    assert store_batch(st, decode_batch(first_life))["stored"] == 20  # ingest stored it; the receipt was lost
    st.close()
    ob.close()
    responder = start_responder(mosquitto, store)
    try:
        async def main() -> None:
            stop = asyncio.Event()
            stop.set()
            await run_sync(outbox, mosquitto.url, van, stop=stop, drain_s=20, poll_s=0.05)

        asyncio.run(main())
        time.sleep(0.2)
    finally:
        stop_proc(responder)
    db = sqlite3.connect(store)
    assert db.execute("SELECT batch_seq, n, deliveries FROM batches ORDER BY batch_seq").fetchall() == [
        (1, 20, 2), (2, 10, 1)]
    assert db.execute("SELECT count(*) FROM record_dups").fetchone()[0] == 0
    ob = Outbox(outbox)
    assert ob.stats().depth == 0
    assert ob._db.execute("SELECT stored, duplicates FROM batches WHERE batch_seq = 1").fetchone() == (0, 20)
    ob.close()


def test_one_process_syncs_an_outbox_at_a_time(mosquitto: Broker, tmp_path: Path) -> None:  # noqa: F811
    """While another process holds the outbox's sync lock, a sync waits (saying so once) or, asked not to
    wait, refuses; once the holder is gone, the waiting sync hands everything over."""
    import fcntl

    from collector.sync import SyncBusy, sync_lock_path

    outbox, store, van = tmp_path / "o.sqlite", tmp_path / "store.sqlite", "van-lock"
    ob = Outbox(outbox)
    for i in range(25):
        ob.add(HeardFrame(bytes([11, i]) + bytes(9), datetime.now(UTC), -70.0, "C1", "hex"))
    ob.commit()
    ob.close()
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, sys, time\n"
                               f"f = open({str(sync_lock_path(outbox))!r}, 'a+')\n"
                               "fcntl.flock(f, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(60)"],
                              stdout=subprocess.PIPE)
    assert holder.stdout is not None and holder.stdout.readline().strip() == b"locked"
    responder = start_responder(mosquitto, store)
    events: list[str] = []
    try:
        async def refused() -> None:
            await run_sync(outbox, mosquitto.url, van, stop=asyncio.Event(), wait_for_lock=False)

        with pytest.raises(SyncBusy, match="another process is syncing"):
            asyncio.run(refused())

        async def waits() -> None:
            stop = asyncio.Event()
            task = asyncio.create_task(run_sync(outbox, mosquitto.url, van, stop=stop, batch_max_age_s=0.0,
                                                poll_s=0.05, on_event=events.append))
            await asyncio.sleep(1.5)
            assert not task.done() and _depth(outbox) == 25  # nothing sent while the other holds it
            holder.kill()  # the kernel releases a dead holder's lock
            for _ in range(200):
                if _depth(outbox) == 0:
                    break
                await asyncio.sleep(0.05)
            stop.set()
            await task

        asyncio.run(waits())
    finally:
        holder.kill()
        holder.wait()
        stop_proc(responder)
    assert _depth(outbox) == 0
    assert sum("another process is syncing this outbox" in e for e in events) == 1, events
    with sync_lock_path(outbox).open("a+") as fh:  # released by the sync that finished
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _depth(outbox: Path) -> int:
    ob = Outbox(outbox)
    try:
        return ob.depth()
    finally:
        ob.close()
