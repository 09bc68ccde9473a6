"""The MQTT side of ingest: subscribe, store each batch in one transaction, receipt after commit, then ack.

Exactly once end to end rests on three things:

* the broker session is persistent (fixed client id, clean session off) and messages are acknowledged
  by hand (``PUBACK``) only after the batch is committed and its receipt published, so a worker killed
  at any instant leaves its unacknowledged batch with the broker, which delivers it again;
* a batch delivered again is recognised by ``(van_id, batch_seq)`` and only receipted again;
* readings are unique on meter + telegram content, whichever batch or van carried the telegram.

Several workers share the load through ``$share/ingest/amr/v1/vans/+/batches``.  An unreachable
broker or database is reported in one line on stderr and retried with back-off; it never exits.
Payload forms accepted: see ``ingest.consumer.payload`` (plain JSON, 0x01 zlib, 0x02 zstd, 0x03 gzip
or a JSON envelope ``{"encoding", "data"}``).  Keys are never logged: log lines carry counts only.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

BATCH_TOPIC = "amr/v1/vans/+/batches"
RECEIPT_TOPIC = "amr/v1/vans/{van_id}/receipts"
KEY_RELOAD_S = 30.0


def shared_topic(group: str) -> str:
    """The shared subscription workers split the load on; an empty group subscribes plainly (one worker,
    or a broker without shared subscriptions such as the demo's embedded amqtt)."""
    return f"$share/{group}/{BATCH_TOPIC}" if group else BATCH_TOPIC


def van_of(topic: str) -> str | None:
    parts = topic.split("/")
    return parts[3] if len(parts) == 5 and parts[:3] == ["amr", "v1", "vans"] and parts[4] == "batches" else None


@dataclass(slots=True)
class BrokerAddress:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False


def parse_broker(url: str) -> BrokerAddress:
    """``mqtt://[user[:password]@]host[:port]`` or ``mqtts://…`` (TLS, default port 8883); bare host[:port] too."""
    if "://" not in url:
        url = "mqtt://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl") or not parts.hostname:
        raise ValueError(f"--broker {url!r}: expected mqtt://host[:port] or mqtts://host[:port]")
    tls = parts.scheme in ("mqtts", "ssl")
    try:
        port = parts.port or (8883 if tls else 1883)
    except ValueError:
        raise ValueError(f"--broker {url!r}: the port is not a number") from None
    return BrokerAddress(parts.hostname, port, parts.username, parts.password, tls)


class SchemaMissing(RuntimeError):
    """The database answers but has no tables: retrying would not help, so the command stops."""


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class BatchHandler:
    """Turns one MQTT message into stored rows and a receipt body (blocking; run in a worker thread)."""

    def __init__(self, db_url: str, log: Callable[[str], None] = _say) -> None:
        from sqlalchemy.orm import sessionmaker

        from ingest.models.base import make_engine

        self.db_url = db_url
        self.engine = make_engine(db_url, pool_pre_ping=True)
        self.sessions = sessionmaker(self.engine)
        self.log = log
        self.dec: Any = None
        self.loaded_at = 0.0

    def ready(self) -> None:
        """Connect and load keys; raises ``OperationalError`` while the database is unreachable."""
        from ingest.decode_store import KeyedDecoder

        with self.sessions() as s:
            self.dec = KeyedDecoder(s)
        self.loaded_at = time.monotonic()

    def reload(self) -> None:
        """Pick up keys and meters imported since the last load; on a database hiccup keep the old ones."""
        from sqlalchemy.exc import DBAPIError

        try:
            self.ready()
        except DBAPIError as exc:
            if self.dec is None:
                raise
            self.loaded_at = time.monotonic()
            self.log(f"error: could not reload keys ({_first_line(exc)}); decoding with the keys loaded before")

    def prepare(self, topic: str, payload: bytes) -> Prepared:
        """Parse and decode (CPU only, no database): runs while the previous batch is being committed."""
        from ingest.consumer.payload import PayloadError, parse_batch
        from ingest.decode_store import decode_batch

        if self.dec is None or time.monotonic() - self.loaded_at > KEY_RELOAD_S:
            self.reload()
        t0 = time.perf_counter()
        try:
            batch = parse_batch(payload, van_of(topic))
        except PayloadError as exc:
            return Prepared(topic, payload, None, None, exc, t0)
        return Prepared(topic, payload, batch, decode_batch(batch, self.dec), None, t0)

    def store(self, p: Prepared) -> tuple[str, dict[str, int]] | None:
        """Store in one transaction and return (van_id, receipt body); None when no van can be told."""
        from ingest.decode_store import store_malformed, store_with_retry

        if p.batch is None:
            van = (p.error.van_id if p.error else None) or van_of(p.topic)
            with self.sessions() as s:
                receipt = store_malformed(s, p.payload, str(p.error), van, p.error.batch_seq if p.error else None)
                s.commit()
            self.log(f"quarantined a malformed payload on {p.topic} ({len(p.payload)} bytes): {p.error}")
            return (receipt.van_id, receipt.body()) if receipt is not None else None
        batch = p.batch
        receipt = store_with_retry(self.sessions, batch, self.dec, decoded=p.decoded)
        what = "redelivered, receipted again" if receipt.redelivered else "stored"
        self.log(f"batch {batch.van_id}/{batch.batch_seq} {what}: {len(batch.records)} records, "
                 f"{receipt.stored} new readings, {receipt.duplicates} duplicates, {receipt.quarantined} quarantined "
                 f"({time.perf_counter() - p.t0:.3f} s)")
        return batch.van_id, receipt.body()

    def handle(self, topic: str, payload: bytes) -> tuple[str, dict[str, int]] | None:
        """Prepare and store one message (the non-pipelined path, used by tools and tests)."""
        return self.store(self.prepare(topic, payload))


@dataclass(slots=True)
class Prepared:
    topic: str
    payload: bytes
    batch: Any  # payload.Batch, or None when the payload is malformed
    decoded: Any
    error: Any  # payload.PayloadError
    t0: float


async def serve(broker_url: str, db_url: str, client_id: str, group: str = "ingest",
                log: Callable[[str], None] = _say, retry_s: float = 2.0, max_inflight: int = 20) -> None:
    """Run forever: (re)connect the database and the broker, consume, receipt, acknowledge."""
    import aiomqtt
    from sqlalchemy.exc import DBAPIError, OperationalError

    address = parse_broker(broker_url)
    handler = BatchHandler(db_url, log)
    delay = retry_s
    while True:
        try:
            await asyncio.to_thread(handler.ready)
            break
        except (OperationalError, DBAPIError) as exc:
            text = _first_line(exc)
            if "no such table" in text or ("relation" in text and "does not exist" in text):
                raise SchemaMissing(f"database {_safe_url(db_url)} has no ingest schema ({text}); "
                                    "run `amr db upgrade --db URL` first") from None
            log(f"error: database {_safe_url(db_url)} unreachable ({_first_line(exc)}); retrying in {delay:.0f} s")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
    log(f"database {_safe_url(db_url)} ready: {len(handler.dec.meters)} meters known")
    delay = retry_s
    while True:
        client = aiomqtt.Client(address.host, address.port, identifier=client_id, clean_session=False,
                                username=address.username, password=address.password,
                                tls_params=aiomqtt.TLSParameters() if address.tls else None,
                                max_inflight_messages=max_inflight, keepalive=30)
        # PUBACK only after commit + receipt: set before connecting, because a persistent session's
        # queued messages arrive as soon as the connection is up.
        client._client.manual_ack_set(True)
        try:
            async with client:
                # Consume while subscribing: a persistent session's queued batches arrive at once, and with
                # them unacknowledged the broker may hold the SUBACK back; waiting for it first could stall.
                consumer = asyncio.create_task(_consume(client, handler, log))
                try:
                    await client.subscribe(shared_topic(group), qos=1, timeout=60)
                    log(f"subscribed to {shared_topic(group)} on {address.host}:{address.port} as {client_id}")
                    delay = retry_s
                    await consumer
                finally:
                    if not consumer.done():
                        consumer.cancel()
        except aiomqtt.MqttError as exc:
            log(f"error: broker {address.host}:{address.port} unreachable or lost ({exc}); retrying in {delay:.0f} s")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)


async def _consume(client: Any, handler: BatchHandler, log: Callable[[str], None]) -> None:
    """Two-stage pipeline: decode message N+1 while message N is committed, receipted and acknowledged.

    Commits, receipts and PUBACKs stay in arrival order (MQTT requires PUBACKs in order).
    """
    pending: asyncio.Task[None] | None = None
    try:
        async for message in client.messages:
            payload = message.payload if isinstance(message.payload, bytes) else bytes(message.payload)
            prepared = await asyncio.to_thread(handler.prepare, str(message.topic), payload)
            if pending is not None:
                await pending
            pending = asyncio.create_task(_finish(client, handler, message, prepared, log))
    finally:
        if pending is not None and not pending.done():
            pending.cancel()


async def _finish(client: Any, handler: BatchHandler, message: Any, prepared: Prepared,
                  log: Callable[[str], None]) -> None:
    """Commit, then receipt, then PUBACK: a crash between any two steps only causes a redelivery."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    delay = 1.0
    while True:
        try:
            out = await asyncio.to_thread(handler.store, prepared)
            break
        except OperationalError as exc:
            # Not acknowledged yet: the batch stays ours; retry until the database is back.
            log(f"error: database failed while storing a batch ({_first_line(exc)}); retrying in {delay:.0f} s")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
        except DBAPIError as exc:
            # The database refuses this batch's data itself (not a connection problem): keep the payload in
            # quarantine with the reason and move on, instead of blocking every later batch.
            from ingest.consumer.payload import PayloadError

            prepared = Prepared(prepared.topic, prepared.payload, None, None,
                                PayloadError(f"database refused the batch: {_first_line(exc)}",
                                             getattr(prepared.batch, "van_id", None),
                                             getattr(prepared.batch, "batch_seq", None)), prepared.t0)
    if out is not None:
        van_id, body = out
        await client.publish(RECEIPT_TOPIC.format(van_id=van_id), json.dumps(body), qos=1)
    if message.qos > 0:
        client._client.ack(message.mid, message.qos)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _safe_url(url: str) -> str:
    """The database URL without its password, for log lines."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url
