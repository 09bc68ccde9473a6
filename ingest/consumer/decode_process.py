"""Decode processes: the consumer's CPU stage in processes of their own, so decoding and writing run in parallel.

Why processes and not threads: decoding is pure Python and holds the GIL.  With the decoder in a
thread, the writer thread waited for the interpreter at every database round trip (up to a switch
interval each time), and one worker stored well below the rate its parts allow.  A decode process
takes (topic, payload) lists and sends back ``ReadyBatch`` rows; the serving process only writes.

Nothing here changes exactly-once: the serving process still commits, then receipts, then acknowledges,
and a decode process holds nothing that is not still with the broker.  A decode process that dies is
started again and given the same work; if it dies twice on the same work, that work is prepared in the
serving process instead.  When the serving process dies, its decode processes see their pipe close and exit.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import pickle
import signal
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from ingest.consumer.prepare import Outcome, Prepared, Preparer, first_line, prepared, say

RETRY_S = 2.0


class DatabaseUnavailable(RuntimeError):
    """The decode process could not load keys: retried by the caller, like a failed commit."""


def _child(conn: Any, db_url: str) -> None:
    """The decode process's loop: work in, outcomes out, until the serving process goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the serving process stops us
    from sqlalchemy.exc import DBAPIError

    prep = Preparer(db_url)
    while True:
        try:
            work = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return  # the serving process is gone (or stopped us): nothing here is unacknowledged work
        try:
            reply: tuple[str, Any] = ("ok", prep.outcomes(work))
        except DBAPIError as exc:
            reply = ("db", first_line(exc))
        except Exception as exc:  # a bug: reported to the serving process, which stops with it
            reply = ("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        try:
            conn.send_bytes(pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            return


class DecodeProcess:
    """One decode process and its pipe; ``call`` is blocking (run it in a thread).

    The pipe is guarded by a thread lock, not an asyncio one: a call whose caller was cancelled (the
    broker connection dropped) still runs to its end in its thread, and must keep the pipe until then.
    """

    def __init__(self, db_url: str, log: Callable[[str], None], index: int = 0) -> None:
        self.db_url = db_url
        self.log = log
        self.index = index
        self.proc: Any = None
        self.conn: Any = None
        self.mutex = threading.Lock()
        self.start()

    def start(self) -> None:
        ctx = multiprocessing.get_context("spawn")  # never fork a process that runs threads and an event loop
        here, there = ctx.Pipe()
        self.proc = ctx.Process(target=_child, args=(there, self.db_url), daemon=True,
                                name=f"amr-ingest-decode-{self.index}")
        self.proc.start()
        there.close()
        self.conn = here

    def stop(self) -> None:
        if self.conn is not None:
            self.conn.close()
        if self.proc is not None:
            self.proc.join(timeout=5)
            if self.proc.is_alive():
                self.proc.kill()
                self.proc.join(timeout=5)

    def call(self, work: list[tuple[str, bytes]]) -> list[Outcome] | None:
        """The outcomes, or None when the process died twice on this work (it has been started again)."""
        with self.mutex:
            outs = self._call(work)
            return outs if outs is not None else self._call(work)

    def _call(self, work: list[tuple[str, bytes]]) -> list[Outcome] | None:
        try:
            self.conn.send_bytes(pickle.dumps(work, protocol=pickle.HIGHEST_PROTOCOL))
            kind, value = pickle.loads(self.conn.recv_bytes())
        except (EOFError, OSError):
            self.proc.join(timeout=5)
            self.log(f"error: decode process {self.index} died (exit code {self.proc.exitcode}); starting it again")
            self.conn.close()
            self.start()
            return None
        if kind == "db":
            raise DatabaseUnavailable(value)
        if kind == "error":
            raise RuntimeError(f"decode process {self.index} failed: {value}")
        return value


class Decoders:
    """The consumer's decode stage: ``n`` decode processes used in turn, or (``n`` = 0) a thread here."""

    def __init__(self, db_url: str, n: int, log: Callable[[str], None] = say) -> None:
        self.db_url = db_url
        self.log = log
        self.procs = [DecodeProcess(db_url, log, i) for i in range(n)]
        self.local: Preparer | None = None
        self.turn = 0

    def _local(self) -> Preparer:
        if self.local is None:
            self.local = Preparer(self.db_url, self.log)
        return self.local

    async def prepare(self, work: list[tuple[str, bytes]]) -> list[Prepared]:
        """Decode ``work``; the calls made on one process finish in the order they were made."""
        t0 = time.perf_counter()
        if not self.procs:
            return await self._retrying(lambda: self._local().prepare_many(work))
        proc = self.procs[self.turn % len(self.procs)]
        self.turn += 1
        outs = await self._retrying(lambda: proc.call(work))
        if outs is None:
            self.log(f"error: decode process {proc.index} died twice on the same {len(work)} messages; "
                     "decoding them in the serving process")
            return await self._retrying(lambda: self._local().prepare_many(work))
        return prepared(work, outs, t0)

    async def _retrying(self, call: Callable[[], Any]) -> Any:
        """Run ``call`` in a thread; while the keys cannot be loaded, say so and try again with back-off."""
        from sqlalchemy.exc import DBAPIError

        delay = RETRY_S
        while True:
            try:
                return await asyncio.to_thread(call)
            except (DatabaseUnavailable, DBAPIError) as exc:
                text = str(exc) if isinstance(exc, DatabaseUnavailable) else first_line(exc)
                self.log(f"error: cannot load the keys ({text}); retrying in {delay:.0f} s")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    def close(self) -> None:
        for p in self.procs:
            p.stop()
