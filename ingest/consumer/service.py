"""The MQTT side of ingest: subscribe, store each batch in one transaction, receipt after commit, then ack.

Exactly once end to end rests on three things:

* the broker session is persistent (fixed client id, clean session off) and messages are acknowledged
  by hand (``PUBACK``) only after the batch is committed and its receipt published, so a worker killed
  at any instant leaves its unacknowledged batch with the broker, which delivers it again;
* a batch delivered again is recognised by ``(van_id, batch_seq)`` and only receipted again;
* readings are unique on meter + telegram content, whichever batch or van carried the telegram.

Throughput comes from a two-stage pipeline (a decode process, ``decode_process``, prepares the next
messages while this process commits the previous ones) and from group commit: the batches that queued
up while a commit ran are stored together, in one transaction, then each is receipted and
acknowledged in arrival order.  Under light load a group is
one batch, so latency does not suffer; under load a commit's fixed cost is shared (``GROUP_MAX``).
On SQLite the consumer's connections use ``synchronous=FULL``: a receipt lets the van delete its
copy, so a receipted batch must survive a power cut, not only a crash of this process (see
``_sqlite_tuning``).

Several workers share the load through ``$share/ingest/amr/v1/vans/+/batches``.  An unreachable
broker or database is reported in one line on stderr and retried with back-off; it never exits.
Payload forms accepted: see ``ingest.consumer.payload`` (plain JSON, 0x01 zlib, 0x02 zstd, 0x03 gzip
or a JSON envelope ``{"encoding", "data"}``).  Keys are never logged: log lines carry counts only.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ingest.consumer.prepare import Prepared, Preparer, first_line, topic_van
from ingest.consumer.prepare import say as _say

if TYPE_CHECKING:
    from ingest.consumer.decode_process import Decoders

BATCH_TOPIC = "amr/v1/vans/+/batches"
RECEIPT_TOPIC = "amr/v1/vans/{van_id}/receipts"
DECODE_PROCESSES = 1  # decode processes per worker (0: decode in a thread of the serving process)
GROUP_MAX = 32  # batches committed in one transaction at most.  On SQLite a commit writes every index page it
# touched, and the readings' indexes take their keys all over the tree (meter ids, content hashes): at a
# million readings, groups of 32 batches of 500 cost a third less per frame than groups of 8.  The broker
# bounds it too: deploy/mosquitto/amr.conf lets 100 messages be unacknowledged (Mosquitto's default is 20).
SQLITE_CACHE_KIB = 131_072  # page cache per connection: the readings indexes' hot pages stay in memory
SQLITE_CHECKPOINT_PAGES = 10_000  # WAL pages before a checkpoint (SQLite's default of 1000 checkpoints
# after nearly every group, and each checkpoint writes and syncs the pages the random index keys touched)


def shared_topic(group: str) -> str:
    """The shared subscription workers split the load on; an empty group subscribes plainly (one worker,
    or a broker without shared subscriptions such as the demo's embedded amqtt)."""
    return f"$share/{group}/{BATCH_TOPIC}" if group else BATCH_TOPIC


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


class BatchHandler:
    """Stores prepared messages and makes their receipt bodies (blocking; run in a worker thread).

    ``prepare_many``/``handle`` decode here too, for tools and tests; the service decodes in
    ``decode_process.Decoders`` instead.
    """

    def __init__(self, db_url: str, log: Callable[[str], None] = _say) -> None:
        from sqlalchemy.orm import sessionmaker

        from ingest.models.base import make_engine

        self.db_url = db_url
        self.engine = make_engine(db_url, pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            _sqlite_tuning(self.engine)
        self.sessions = sessionmaker(self.engine)
        self.log = log
        self.preparer: Preparer | None = None

    def ready(self) -> int:
        """Connect and count the known meters; raises ``OperationalError`` while the database is unreachable."""
        from sqlalchemy import func, select

        from ingest.models.master import Meter

        with self.sessions() as s:
            return int(s.scalar(select(func.count()).select_from(Meter)) or 0)

    def prepare_many(self, work: list[tuple[str, bytes]]) -> list[Prepared]:
        if self.preparer is None:
            self.preparer = Preparer(self.db_url, self.log)
        return self.preparer.prepare_many(work)

    def store(self, p: Prepared) -> tuple[str, dict[str, int]] | None:
        """Store one message in one transaction and return (van_id, receipt body); None when no van can be told.

        A batch the database refuses (a data error, not a connection problem) is kept in quarantine with
        the reason instead, so it does not block every later batch.  ``OperationalError`` propagates: the
        batch stays unacknowledged and the caller retries it.
        """
        from sqlalchemy.exc import DBAPIError, OperationalError

        from ingest.decode_store import store_with_retry

        if p.ready is None:
            return self._quarantine(p)
        try:
            receipt = store_with_retry(self.sessions, p.ready)
        except OperationalError:
            raise
        except DBAPIError as exc:
            return self._quarantine(_refused(p, exc))
        self._log_stored(p, receipt)
        return p.ready.van_id, receipt.body()

    def store_many(self, group: list[Prepared]) -> list[tuple[str, dict[str, int]] | None]:
        """Store a group of messages: the valid batches in one transaction, the rest one by one.

        When the database refuses the group's data, each batch is stored alone, so only the batch at
        fault ends in quarantine.
        """
        from sqlalchemy.exc import DBAPIError, OperationalError

        from ingest.decode_store import store_many_with_retry

        good = [p for p in group if p.ready is not None]
        if len(good) < 2:
            return [self.store(p) for p in group]
        try:
            receipts = store_many_with_retry(self.sessions, [p.ready for p in good])
        except OperationalError:
            raise
        except DBAPIError:
            return [self.store(p) for p in group]
        done = dict(zip(map(id, good), receipts, strict=True))
        out: list[tuple[str, dict[str, int]] | None] = []
        for p in group:
            r = done.get(id(p))
            if r is None or p.ready is None:
                out.append(self._quarantine(p))
                continue
            self._log_stored(p, r)
            out.append((p.ready.van_id, r.body()))
        return out

    def _quarantine(self, p: Prepared) -> tuple[str, dict[str, int]] | None:
        from sqlalchemy.exc import DBAPIError, OperationalError

        from ingest.decode_store import store_malformed

        van = (p.error.van_id if p.error else None) or topic_van(p.topic)
        seq = p.error.batch_seq if p.error else None
        try:
            with self.sessions() as s:
                receipt = store_malformed(s, p.payload, str(p.error), van, seq)
                s.commit()
        except OperationalError:
            raise
        except DBAPIError:
            # What the database refuses is the payload's own van id (a NUL in it, say): keep the payload
            # under the topic's van, which MQTT guarantees is clean, and tell no van.
            with self.sessions() as s:
                receipt = store_malformed(s, p.payload, str(p.error), topic_van(p.topic), None)
                s.commit()
        self.log(f"quarantined a malformed payload on {p.topic} ({len(p.payload)} bytes): {p.error}")
        return (receipt.van_id, receipt.body()) if receipt is not None else None

    def _log_stored(self, p: Prepared, receipt: Any) -> None:
        assert p.ready is not None
        what = "redelivered, receipted again" if receipt.redelivered else "stored"
        self.log(f"batch {p.ready.van_id}/{p.ready.batch_seq} {what}: {p.ready.records} records, "
                 f"{receipt.stored} new readings, {receipt.duplicates} duplicates, {receipt.quarantined} quarantined "
                 f"({time.perf_counter() - p.t0:.3f} s)")

    def handle(self, topic: str, payload: bytes) -> tuple[str, dict[str, int]] | None:
        """Prepare and store one message (the non-pipelined path, used by tools and tests)."""
        return self.store(self.prepare_many([(topic, payload)])[0])


def _refused(p: Prepared, exc: BaseException) -> Prepared:
    """``p`` turned into a malformed payload whose reason is the database's refusal."""
    from ingest.consumer.payload import PayloadError

    return Prepared(p.topic, p.payload, None,
                    PayloadError(f"database refused the batch: {first_line(exc)}",
                                 getattr(p.ready, "van_id", None), getattr(p.ready, "batch_seq", None)), p.t0)


def _sqlite_tuning(engine: Any) -> None:
    """The consumer's SQLite connections: FULL sync, a large page cache, rarer checkpoints, BEGIN IMMEDIATE.

    ``synchronous=FULL`` syncs the WAL at every commit.  ``make_engine``'s NORMAL survives a crash of
    this process (the committed WAL is in the OS's cache) but can lose the last commits on a power cut,
    and those may already be receipted, i.e. deleted in the van.  With group commit FULL costs one sync
    per group.  ``BEGIN IMMEDIATE`` takes the write lock when a transaction starts: a transaction that
    reads first and writes later could not wait for another worker's commit (``SQLITE_BUSY_SNAPSHOT``)
    and would fail instead.
    """
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # pysqlite begins nothing itself; ``_begin`` does
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cur.execute(f"PRAGMA wal_autocheckpoint={SQLITE_CHECKPOINT_PAGES}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


async def serve(broker_url: str, db_url: str, client_id: str, group: str = "ingest",
                log: Callable[[str], None] = _say, retry_s: float = 2.0, max_inflight: int = 20,
                group_max: int = GROUP_MAX, decode_processes: int = DECODE_PROCESSES) -> None:
    """Run forever: (re)connect the database and the broker, consume, receipt, acknowledge."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    from ingest.consumer.decode_process import Decoders

    address = parse_broker(broker_url)
    handler = BatchHandler(db_url, log)
    delay = retry_s
    while True:
        try:
            meters = await asyncio.to_thread(handler.ready)
            break
        except (OperationalError, DBAPIError) as exc:
            text = first_line(exc)
            if "no such table" in text or ("relation" in text and "does not exist" in text):
                raise SchemaMissing(f"database {_safe_url(db_url)} has no ingest schema ({text}); "
                                    "run `amr db upgrade --db URL` first") from None
            log(f"error: database {_safe_url(db_url)} unreachable ({first_line(exc)}); retrying in {delay:.0f} s")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
    log(f"database {_safe_url(db_url)} ready: {meters} meters known")
    decoders = Decoders(db_url, decode_processes, log)
    try:
        await _serve_broker(address, handler, decoders, client_id, group, log, retry_s, max_inflight, group_max)
    finally:
        decoders.close()


async def _serve_broker(address: BrokerAddress, handler: BatchHandler, decoders: Decoders, client_id: str, group: str,
                        log: Callable[[str], None], retry_s: float, max_inflight: int, group_max: int) -> None:
    import aiomqtt

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
                consumer = asyncio.create_task(_consume(client, handler, decoders, log, group_max))
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


async def _consume(client: Any, handler: BatchHandler, decoders: Decoders, log: Callable[[str], None],
                   group_max: int = GROUP_MAX) -> None:
    """Pipeline: the decode stage prepares the next groups while this process stores the earlier ones.

    A group is the message that arrived plus whatever else is already queued (at most ``group_max``).
    Its decoding starts at once; commits, receipts and PUBACKs stay in arrival order (MQTT requires
    PUBACKs in order), one group after the other in ``_store_in_order``.
    """
    todo: asyncio.Queue[tuple[list[Any], asyncio.Future[list[Prepared]]]] = asyncio.Queue(
        maxsize=max(2, len(decoders.procs) + 1))
    storer = asyncio.create_task(_store_in_order(client, handler, todo, log))
    messages = client.messages
    try:
        async for message in messages:
            group = [message]
            while len(group) < group_max and len(messages) > 0:
                group.append(await anext(messages))
            work = [(str(m.topic), m.payload if isinstance(m.payload, bytes) else bytes(m.payload)) for m in group]
            prepared = asyncio.ensure_future(decoders.prepare(work))
            put = asyncio.ensure_future(todo.put((group, prepared)))
            await asyncio.wait({put, storer}, return_when=asyncio.FIRST_COMPLETED)
            if storer.done():  # it only ends by an error, which stops the consumer
                put.cancel()
                prepared.cancel()
                storer.result()
    finally:
        storer.cancel()
        while not todo.empty():
            todo.get_nowait()[1].cancel()


async def _store_in_order(client: Any, handler: BatchHandler,
                          todo: asyncio.Queue[tuple[list[Any], asyncio.Future[list[Prepared]]]],
                          log: Callable[[str], None]) -> None:
    while True:
        group, prepared = await todo.get()
        await _finish(client, handler, group, await prepared, log)


async def _finish(client: Any, handler: BatchHandler, group: list[Any], prepared: list[Prepared],
                  log: Callable[[str], None]) -> None:
    """Commit, then receipts, then PUBACKs: a crash between any two steps only causes a redelivery."""
    from sqlalchemy.exc import OperationalError

    delay = 1.0
    while True:
        try:
            outs = await asyncio.to_thread(handler.store_many, prepared)
            break
        except OperationalError as exc:
            # Not acknowledged yet: the batches stay ours; retry until the database is back.
            log(f"error: database failed while storing a batch ({first_line(exc)}); retrying in {delay:.0f} s")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
    receipts = []
    for out in outs:
        if out is None:
            continue
        if not _topic_level(out[0]):
            # Only a malformed payload names such a van (a batch's van must equal its topic's): no receipt.
            log(f"no receipt for batch {out[1]['batch_seq']}: van id {out[0]!r} cannot be an MQTT topic level")
            continue
        receipts.append(client.publish(RECEIPT_TOPIC.format(van_id=out[0]), json.dumps(out[1]), qos=1))
    await asyncio.gather(*receipts)
    for message in group:
        if message.qos > 0:
            client._client.ack(message.mid, message.qos)


def _topic_level(name: str) -> bool:
    """Whether ``name`` can stand as one level of a topic we publish to (MQTT 3.1.1, 4.7)."""
    return bool(name) and not any(c in name for c in "/+#\x00")


def _safe_url(url: str) -> str:
    """The database URL without its password, for log lines."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url
