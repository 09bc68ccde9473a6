"""Outbox → ingest over MQTT (contract 2), with end-to-end receipts.

Why receipts and not just QoS 1: a PUBACK only says the broker has the batch. A record counts as
synced only when ingest says it stored the batch (``amr/v1/vans/{van_id}/receipts``), so a broker or
ingest crash at any instant costs a resend, never a record. Batches keep their ``batch_seq`` forever
(see ``collector.outbox``), and ingest stores each (van_id, batch_seq) once, so resends are harmless.

The loop: connect (persistent session, so receipts published while the van was away are delivered),
resend every batch still without a receipt, then keep up to ``max_in_flight`` batches unreceipted on
the wire, cutting a new batch when ``batch_max_records`` records wait or the oldest has waited
``batch_max_age_s``. A batch without a receipt after ``resend_after_s`` is sent again. A lost
connection is retried with exponential backoff (``backoff_min_s`` … ``backoff_max_s``, with jitter)
for as long as it takes: the outbox keeps everything, so the van works offline for days.

The retained status topic says ``online`` with the outbox depth (and coverage, when the service
stored it); the broker's last will replaces it with ``offline`` if the van drops off.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import socket
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING

from collector.outbox import Outbox, us_to_iso
from collector.sync.broker_url import BrokerUrl, BrokerUrlError, parse_broker_url
from collector.sync.codec import decode_batch, encode_batch

if TYPE_CHECKING:
    import aiomqtt

log = logging.getLogger("amr.collector.sync")

PRUNE_INTERVAL_S = 3600.0
# paho's own socket messages would add a second, noisier line per failure; ours says it once, clearly.
_mqtt_log = logging.getLogger("amr.collector.sync.mqtt")
_mqtt_log.setLevel(logging.CRITICAL)


def aiomqtt_error(msg: str) -> Exception:
    import aiomqtt

    return aiomqtt.MqttError(msg)


def topics(van_id: str) -> dict[str, str]:
    base = f"amr/v1/vans/{van_id}"
    return {"batches": f"{base}/batches", "receipts": f"{base}/receipts", "status": f"{base}/status"}


def offline_status(van_id: str) -> bytes:
    return json.dumps({"van_id": van_id, "state": "offline"}, separators=(",", ":")).encode()


class _Sync:
    """One sync task's state: its own outbox connection, used from one worker thread at a time."""

    def __init__(self, outbox_path: str | Path, url: BrokerUrl, van_id: str, stop: asyncio.Event,
                 opts: dict, on_event: Callable[[str], None] | None) -> None:
        self.ob = Outbox(outbox_path)
        self.url = url
        self.van_id = van_id
        self.stop = stop
        self.o = opts
        self.topics = topics(van_id)
        self.on_event = on_event
        self.lock = asyncio.Lock()
        self.wake = asyncio.Event()
        self.in_flight: dict[int, float] = {}
        self.next_prune = 0.0
        self.next_status = 0.0
        self.sent_bytes = 0
        self.sent_batches = 0
        self.drain_deadline: float | None = None

    def drain_over(self) -> bool:
        """Stop was asked and the drain time (if any) is used up."""
        if not self.stop.is_set():
            return False
        if self.drain_deadline is None:
            self.drain_deadline = time.monotonic() + self.o["drain_s"]
        return time.monotonic() >= self.drain_deadline

    def event(self, msg: str, level: int = logging.INFO) -> None:
        """One line for the crew (``on_event``, which adds its own "sync:" prefix) and the log."""
        log.log(level, "sync: %s", msg)
        if self.on_event is not None:
            self.on_event(msg)

    async def db(self, fn: Callable, *args: object) -> object:
        """Run an outbox call in a worker thread, so a busy writer never blocks the event loop."""
        async with self.lock:
            return await asyncio.to_thread(fn, *args)

    # ------------------------------------------------------------------------------------------------
    async def run(self) -> None:
        import aiomqtt

        backoff, failures = self.o["backoff_min_s"], 0
        while not self.drain_over():
            will = aiomqtt.Will(self.topics["status"], offline_status(self.van_id), qos=1, retain=True)
            client = aiomqtt.Client(
                self.url.host, self.url.port, username=self.url.username, password=self.url.password,
                identifier=f"amr-van-{self.van_id}", clean_session=False, will=will,
                tls_context=self.url.tls_context(), keepalive=self.o["keepalive_s"], timeout=10.0,
                logger=_mqtt_log,
                # Nagle's algorithm holds the last segment of a batch until the broker's delayed ACK
                # (~40 ms): one stall per batch. Batches are written whole, so send at once.
                socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
            try:
                async with client:
                    again = f" (after {failures} failed attempts)" if failures else ""
                    self.event(f"connected to {self.url.redacted()}{again}")
                    backoff, failures = self.o["backoff_min_s"], 0
                    await self.session(client)
                    return
            except aiomqtt.MqttError as exc:
                if self.drain_over():
                    return
                delay = backoff * (0.5 + random.random() / 2)
                failures += 1
                if failures == 1:  # one clear line per outage, not one per retry
                    self.event(f"broker {self.url.redacted()} unreachable or disconnected ({exc}); "
                               f"retrying with backoff up to {self.o['backoff_max_s']:.0f} s, frames stay in the "
                               "outbox", logging.WARNING)
                else:
                    log.debug("sync: attempt %d failed (%s); next in %.1f s", failures, exc, delay)
                backoff = min(backoff * 2, self.o["backoff_max_s"])
                if self.stop.is_set():
                    await asyncio.sleep(min(delay, max(0.0, self.drain_deadline - time.monotonic())))
                else:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.stop.wait(), delay)
            except sqlite3.OperationalError as exc:  # the writer held the outbox past busy_timeout
                self.event(f"outbox busy ({exc}); retrying in {backoff:.1f} s", logging.WARNING)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop.wait(), backoff)
            finally:
                self.in_flight.clear()

    async def session(self, client: aiomqtt.Client) -> None:
        await client.subscribe(self.topics["receipts"], qos=1)
        await self.publish_status(client)
        receiver = asyncio.create_task(self.receive(client))
        try:
            for batch_seq in await self.db(self.ob.open_batches):
                await self.send(client, batch_seq)
            while True:
                self.wake.clear()  # before looking: a receipt from now on wakes the wait below at once
                if receiver.done():
                    receiver.result()  # re-raises the connection error
                    raise aiomqtt_error("receipt subscription ended")
                if self.stop.is_set() and (self.drain_over() or (not self.in_flight and await self.db(self._idle))):
                    break
                draining = self.stop.is_set()
                while len(self.in_flight) < self.o["max_in_flight"] and await self.db(
                        self.ob.unbatched_ready, self.o["batch_max_records"],
                        0.0 if draining else self.o["batch_max_age_s"]):
                    batch_seq = await self.db(self.ob.assign_batch, self.o["batch_max_records"])
                    if batch_seq is None:
                        break
                    await self.send(client, batch_seq)
                mono = time.monotonic()
                for batch_seq, sent in list(self.in_flight.items()):
                    if mono - sent > self.o["resend_after_s"]:
                        self.event(f"no receipt for batch {batch_seq} after {self.o['resend_after_s']:.0f} s;"
                                   " sending it again with the same batch_seq", logging.WARNING)
                        await self.send(client, batch_seq)
                if mono >= self.next_status:
                    await self.publish_status(client)
                if mono >= self.next_prune:
                    self.next_prune = mono + PRUNE_INTERVAL_S
                    await self.db(self.ob.prune)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), self.o["poll_s"])
            # clean stop: say so on the retained status topic (the will covers the unclean case)
            await client.publish(self.topics["status"], offline_status(self.van_id), qos=1, retain=True,
                                 timeout=self.o["publish_timeout_s"])
        finally:
            receiver.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await receiver

    def _idle(self) -> bool:
        return not self.ob.open_batches() and not self.ob.unbatched_ready(1, 0.0)

    async def send(self, client: aiomqtt.Client, batch_seq: int) -> None:
        records = await self.db(self.ob.batch_records, batch_seq)
        payload = await asyncio.to_thread(encode_batch, self.van_id, batch_seq, records, self.o["compression"])
        self.in_flight[batch_seq] = time.monotonic()
        log.debug("send batch_seq=%d records=%d bytes=%d", batch_seq, len(records), len(payload))
        await client.publish(self.topics["batches"], payload, qos=1, timeout=self.o["publish_timeout_s"])
        self.sent_bytes += len(payload)
        self.sent_batches += 1

    async def receive(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            try:
                r = json.loads(message.payload)
                batch_seq = int(r["batch_seq"])
                counts = (int(r.get("stored", 0)), int(r.get("duplicates", 0)), int(r.get("quarantined", 0)))
            except (ValueError, TypeError, KeyError) as exc:
                self.event(f"ignoring a malformed receipt on {message.topic} ({exc})", logging.WARNING)
                continue
            fresh = await self.db(self.ob.mark_receipted, batch_seq, *counts)
            self.in_flight.pop(batch_seq, None)
            if fresh:
                log.debug("receipt batch_seq=%d stored=%d duplicates=%d quarantined=%d", batch_seq, *counts)
            self.wake.set()

    async def publish_status(self, client: aiomqtt.Client) -> None:
        self.next_status = time.monotonic() + self.o["status_interval_s"]
        st = await self.db(self.ob.stats)
        coverage = await self.db(self.ob.get_status, "coverage")
        dongle = await self.db(self.ob.get_status, "dongle")
        if coverage is None and dongle is not None:  # the van service keeps coverage inside its dongle status
            coverage = dongle.get("coverage")
        obj = {"van_id": self.van_id, "state": "online", "outbox_depth": st.depth, "open_batches": st.open_batches,
               "last_receipt_at": None if st.last_receipt_at is None else st.last_receipt_at.isoformat(),
               "disk_warning": st.disk_warning, "coverage": coverage, "dongle": dongle,
               "at": us_to_iso(time.time_ns() // 1000)}
        await client.publish(self.topics["status"], json.dumps(obj, separators=(",", ":")).encode(), qos=1,
                             retain=True, timeout=self.o["publish_timeout_s"])


async def run_sync(outbox_path: str | Path, broker_url: str, van_id: str, *, stop: asyncio.Event,
                   batch_max_records: int = 500, batch_max_age_s: float = 5.0, max_in_flight: int = 8,
                   compression: str = "zlib", resend_after_s: float = 60.0, status_interval_s: float = 30.0,
                   backoff_min_s: float = 0.5, backoff_max_s: float = 60.0, keepalive_s: int = 30,
                   poll_s: float = 0.2, drain_s: float = 0.0, publish_timeout_s: float = 30.0,
                   on_event: Callable[[str], None] | None = None, wait_for_lock: bool = True) -> None:
    """Sync the outbox to the broker until ``stop`` is set (then drain for up to ``drain_s`` seconds).

    Never raises for network trouble: an unreachable or restarting broker is logged (one line per
    outage, also passed to ``on_event``; each retry only at debug level) and retried with backoff.
    Raises ``BrokerUrlError`` at once for a malformed URL, and ``ValueError`` for an unknown
    ``compression`` (``zlib`` or ``none``).

    ``on_event`` receives one-line, human-readable messages (connected, broker lost, resends); the
    service shows or logs them. Keyword options (all with defaults): ``max_in_flight`` batches
    awaiting a receipt, ``resend_after_s``, ``status_interval_s``, ``backoff_min_s``/``backoff_max_s``,
    ``keepalive_s``, ``poll_s`` (how often the outbox is looked at), ``compression``,
    ``publish_timeout_s`` (no PUBACK by then: the link is presumed dead and is rebuilt).
    One process syncs an outbox at a time (see ``_take_sync_lock``): another waits, or with
    ``wait_for_lock=False`` gets ``SyncBusy`` at once.
    """
    url = parse_broker_url(broker_url)
    if compression not in ("zlib", "none"):
        raise ValueError(f"unknown compression {compression!r} (use zlib or none)")
    opts = {"batch_max_records": batch_max_records, "batch_max_age_s": batch_max_age_s,
            "max_in_flight": max_in_flight, "compression": compression, "resend_after_s": resend_after_s,
            "status_interval_s": status_interval_s, "backoff_min_s": backoff_min_s, "backoff_max_s": backoff_max_s,
            "keepalive_s": keepalive_s, "poll_s": poll_s, "drain_s": drain_s,
            "publish_timeout_s": publish_timeout_s}
    lock = await _take_sync_lock(outbox_path, stop, wait_for_lock, on_event)
    if lock is None:
        return
    try:
        sync = _Sync(outbox_path, url, van_id, stop, opts, on_event)
        try:
            await sync.run()
        finally:
            sync.ob.close()
    finally:
        lock.close()  # closing the file releases the lock; so does the process's death, however it dies


class SyncBusy(RuntimeError):
    """Another process is syncing this outbox (``run_sync(wait_for_lock=False)``)."""


def sync_lock_path(outbox_path: str | Path) -> Path:
    return Path(f"{outbox_path}.sync-lock")


async def _take_sync_lock(outbox_path: str | Path, stop: asyncio.Event, wait: bool,
                          on_event: Callable[[str], None] | None) -> IO[str] | None:
    """The outbox's sync lock: one syncing process per outbox, since all would share the van's one MQTT
    session (the broker drops the older connection of a client id, so two would knock each other off).

    ``flock`` rather than a pid file: the kernel releases it when the holder dies, even by SIGKILL, so a
    crashed collector never leaves the outbox locked.  Waits (saying so once) until the other process is
    done, or raises ``SyncBusy`` when ``wait`` is false; None when ``stop`` is set while waiting.
    """
    import fcntl

    fh = sync_lock_path(outbox_path).open("a+")
    said = False
    while True:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fh
        except BlockingIOError:
            if not wait:
                fh.close()
                raise SyncBusy(f"another process is syncing {outbox_path} right now") from None
        if not said:
            said = True
            msg = "another process is syncing this outbox; waiting for it to finish, frames stay in the outbox"
            log.warning("sync: %s", msg)
            if on_event is not None:
                on_event(msg)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 2.0)
        if stop.is_set():
            fh.close()
            return None


__all__ = ["BrokerUrlError", "SyncBusy", "decode_batch", "encode_batch", "parse_broker_url", "run_sync", "topics"]
