"""The consumer's CPU stage: payload bytes in, decoded rows (or the reason there are none) out.

Why apart from storing: it needs only the keys, not the write connection, so it can run in a decode
process of its own (``ingest.consumer.decode_process``) and leave the serving process's interpreter
to the database writes.  The keys are loaded from the database by whoever prepares, and reloaded
every ``KEY_RELOAD_S``, so keys and meters imported while ingest runs are picked up without a restart.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ingest.batch_rows import ReadyBatch

KEY_RELOAD_S = 30.0

Outcome = tuple[ReadyBatch | None, Any]  # (rows, None) or (None, payload.PayloadError)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def topic_van(topic: str) -> str | None:
    """The van id a batch topic names (``amr/v1/vans/{van_id}/batches``), or None."""
    parts = topic.split("/")
    return parts[3] if len(parts) == 5 and parts[:3] == ["amr", "v1", "vans"] and parts[4] == "batches" else None


@dataclass(slots=True)
class Prepared:
    topic: str
    payload: bytes
    ready: ReadyBatch | None  # None when the payload is malformed
    error: Any  # payload.PayloadError
    t0: float


def prepared(work: list[tuple[str, bytes]], outs: list[Outcome], t0: float) -> list[Prepared]:
    """Each message of ``work`` with its outcome, wherever it was decoded."""
    return [Prepared(topic, payload, ready, error, t0)
            for (topic, payload), (ready, error) in zip(work, outs, strict=True)]


class Preparer:
    """Keys, meters and the decoder, with the reload rule; blocking, for a thread or the decode process."""

    def __init__(self, db_url: str, log: Callable[[str], None] = say) -> None:
        from sqlalchemy.orm import sessionmaker

        from ingest.models.base import make_engine

        self.engine = make_engine(db_url, pool_pre_ping=True)
        self.sessions = sessionmaker(self.engine)
        self.log = log
        self.dec: Any = None
        self.loaded_at = 0.0

    def load(self) -> None:
        """Load keys and meters; raises ``DBAPIError`` while the database is unreachable."""
        from ingest.decode_store import KeyedDecoder

        with self.sessions() as s:
            self.dec = KeyedDecoder(s)
        self.loaded_at = time.monotonic()
        self.engine.dispose()  # no connection held between reloads: one fewer per worker on the server

    def reload(self) -> None:
        """Pick up keys and meters imported since the last load; on a database hiccup keep the old ones."""
        from sqlalchemy.exc import DBAPIError

        try:
            self.load()
        except DBAPIError as exc:
            if self.dec is None:
                raise
            self.loaded_at = time.monotonic()
            self.log(f"error: could not reload keys ({first_line(exc)}); decoding with the keys loaded before")

    def outcome(self, topic: str, payload: bytes) -> Outcome:
        from ingest.batch_rows import ready_batch
        from ingest.consumer.payload import PayloadError, parse_batch

        if self.dec is None or time.monotonic() - self.loaded_at > KEY_RELOAD_S:
            self.reload()
        try:
            batch = parse_batch(payload, topic_van(topic))
        except PayloadError as exc:
            return None, exc
        return ready_batch(batch, self.dec, sqlite=self.engine.dialect.name == "sqlite"), None

    def outcomes(self, work: list[tuple[str, bytes]]) -> list[Outcome]:
        return [self.outcome(topic, payload) for topic, payload in work]

    def prepare_many(self, work: list[tuple[str, bytes]]) -> list[Prepared]:
        t0 = time.perf_counter()
        return prepared(work, self.outcomes(work), t0)
