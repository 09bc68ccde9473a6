"""The van's durable outbox: every heard frame is committed here before it is shown or sent.

Why a local SQLite file: the van is offline for hours or days and its power can be cut at any
instant. The outbox is the van's source of truth until ingest's receipt says a batch is stored, so
it must survive a SIGKILL or a power cut without losing or duplicating a frame.

Durability choices (the "why" the issue asks for):

* ``journal_mode=WAL``: readers (the sync task, ``amr collector status``) never block the writer
  (the serial reader), and a crash leaves the database consistent.
* ``synchronous=FULL``: in WAL mode NORMAL is safe against a process crash but may roll back the
  last commits after a power cut, because the WAL is not fsynced at commit. A van loses power often
  (ignition off), and "committed before shown or sent" must mean "on the disk", so we pay one fsync
  per commit. Group commit makes that affordable: the service calls ``commit()`` once per serial
  read chunk, and at most every ~100 ms while frames keep arriving (the ``COMMIT_INTERVAL_S`` hint).
  At 100 frames/s from a stick that is ~10 fsyncs/s; a burst of thousands of frames/s still costs a
  bounded number of fsyncs because each commit carries the whole chunk.
* Folding: an identical frame heard again within ``fold_window_s`` of the record's first reception
  is folded into that record (count, best RSSI, first and last time) instead of adding a row. A
  record already assigned to a batch is never changed (a resent batch must be byte-identical), so a
  repeat after that starts a new record. Distinct frames are always distinct records.
* Nothing unsynced is ever deleted. Only records that ingest receipted longer than ``retention_s``
  ago are pruned. A disk-usage limit only logs a loud warning.

Batches: the sync task assigns a contiguous run of unbatched records to the next ``batch_seq``
(monotonic per van, never reused, kept across restarts) in one transaction. The assignment is
permanent, so after a crash the same batch is resent with the same ``batch_seq`` and the same
records, and ingest's idempotent storage turns the resend into a duplicate, not a second copy.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import sqlite3
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

log = logging.getLogger("amr.collector.outbox")

COMMIT_INTERVAL_S = 0.1  # the service's upper bound between commits while frames keep arriving
DISK_CHECK_INTERVAL_S = 10.0
LOW_FREE_BYTES = 100_000_000  # below this much free disk space, warn even without a limit
SCHEMA_VERSION = 2  # 2: index of unsynced records (cheap depth)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    frame       BLOB    NOT NULL,
    first_us    INTEGER NOT NULL,   -- first reception, µs since the Unix epoch (UTC, host clock)
    last_us     INTEGER NOT NULL,   -- last reception folded into this record
    rssi_dbm    REAL,               -- best RSSI heard
    link_mode   TEXT,
    dongle      TEXT    NOT NULL,
    heard_count INTEGER NOT NULL DEFAULT 1,
    lat         REAL,
    lon         REAL,
    batch_seq   INTEGER,            -- NULL until the sync task puts the record in a batch
    synced_us   INTEGER             -- set when ingest's receipt for the batch arrived
);
CREATE INDEX IF NOT EXISTS records_unbatched ON records(seq) WHERE batch_seq IS NULL;
CREATE INDEX IF NOT EXISTS records_batch ON records(batch_seq) WHERE batch_seq IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_synced ON records(synced_us) WHERE synced_us IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_unsynced ON records(seq) WHERE synced_us IS NULL;
CREATE TABLE IF NOT EXISTS batches (
    batch_seq   INTEGER PRIMARY KEY AUTOINCREMENT,
    created_us  INTEGER NOT NULL,
    n_records   INTEGER NOT NULL,
    receipt_us  INTEGER,
    stored      INTEGER,
    duplicates  INTEGER,
    quarantined INTEGER
);
CREATE INDEX IF NOT EXISTS batches_open ON batches(batch_seq) WHERE receipt_us IS NULL;
CREATE TABLE IF NOT EXISTS status (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_us INTEGER NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class HeardFrame:
    """One frame as the van heard it: the link-layer frame (CRCs removed) and where/when/how well."""

    frame: bytes
    received_at: datetime  # timezone-aware UTC, host clock
    rssi_dbm: float | None
    link_mode: str | None
    dongle: str
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True, slots=True)
class AddResult:
    """``seq`` of the record holding the frame; ``folded`` when it joined an earlier identical frame."""

    seq: int
    folded: bool


@dataclass(frozen=True, slots=True)
class OutboxStats:
    """What ``amr collector status`` and the status topic show."""

    depth: int  # records not yet receipted by ingest (batched or not)
    unbatched: int  # of those, not yet in a batch
    total: int  # records in the file (synced ones are kept until the retention time)
    heard: int  # receptions, counting folded repeats
    open_batches: int  # batches sent (or to send) without a receipt
    last_batch_seq: int | None
    last_receipt_at: datetime | None
    disk_bytes: int
    disk_warning: bool


@dataclass(frozen=True, slots=True)
class BatchRecord:
    """A record as it leaves the van (contract 2 record object, before JSON)."""

    seq: int
    frame: bytes
    received_at_us: int
    rssi_dbm: float | None
    link_mode: str | None
    dongle: str
    heard_count: int
    lat: float | None
    lon: float | None

    def to_json_obj(self) -> dict:
        """The contract-2 record object: ``lat``/``lon`` only when known."""
        obj: dict = {
            "seq": self.seq,
            "frame": self.frame.hex(),
            "received_at": us_to_iso(self.received_at_us),
            "rssi_dbm": self.rssi_dbm,
            "link_mode": self.link_mode,
            "dongle": self.dongle,
            "heard_count": self.heard_count,
        }
        if self.lat is not None and self.lon is not None:
            obj["lat"] = self.lat
            obj["lon"] = self.lon
        return obj


def dt_to_us(dt: datetime) -> int:
    """Aware datetime → µs since the epoch, exactly (no float rounding)."""
    if dt.tzinfo is None:
        raise ValueError("received_at must be timezone-aware (UTC)")
    delta = dt - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def us_to_iso(us: int) -> str:
    """µs since the epoch → ``2026-05-04T07:12:03.123456Z`` (UTC, microseconds always present)."""
    secs, frac = divmod(us, 1_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + f".{frac:06d}Z"


def us_to_dt(us: int) -> datetime:
    secs, frac = divmod(us, 1_000_000)
    return datetime.fromtimestamp(secs, UTC).replace(microsecond=frac)


def now_us() -> int:
    return time.time_ns() // 1000


class OutboxError(Exception):
    """The outbox file cannot be opened or written (message names the file)."""


class Outbox:
    """The durable outbox. One instance per connection; the service and the sync task each open one.

    Writes are grouped: ``add()`` joins the open transaction, ``commit()`` makes everything added so
    far durable. Nothing added is visible to the sync task (or safe from a crash) before ``commit()``.
    """

    def __init__(self, path: str | Path, *, fold_window_s: float = 60.0, disk_warn_bytes: int | None = None,
                 retention_s: float = 7 * 86400) -> None:
        self.path = Path(path)
        self.fold_window_us = int(fold_window_s * 1_000_000)
        self.disk_warn_bytes = disk_warn_bytes
        self.retention_us = int(retention_s * 1_000_000)
        self._disk_warning = False
        self._next_disk_check = 0.0
        self._in_tx = False
        # frame -> (seq, first_us) of unbatched records young enough to fold into; plus their order,
        # so entries older than the window leave the index (memory stays bounded by the window).
        self._recent: dict[bytes, tuple[int, int]] = {}
        self._recent_order: deque[tuple[int, bytes]] = deque()
        try:
            if self.path.parent and not self.path.parent.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30.0)
            self._db.execute("PRAGMA busy_timeout=30000")
            self._db.execute("PRAGMA synchronous=FULL")
            # A second connection (sync, status) must open without the write lock the service may hold.
            if self._db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.executescript(_SCHEMA)
                self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except (sqlite3.Error, OSError) as exc:
            raise OutboxError(f"cannot open outbox {self.path}: {exc}") from exc
        self._load_recent()

    # ----------------------------------------------------------------------------------- writing
    def _load_recent(self) -> None:
        """Rebuild the fold index after a restart from unbatched records of the last window."""
        row = self._db.execute("SELECT max(first_us) FROM records").fetchone()
        if row[0] is None:
            return
        since = row[0] - self.fold_window_us
        for seq, frame, first_us in self._db.execute(
                "SELECT seq, frame, first_us FROM records WHERE batch_seq IS NULL AND first_us >= ? ORDER BY first_us",
                (since,)):
            self._remember(bytes(frame), seq, first_us)

    def _remember(self, frame: bytes, seq: int, first_us: int) -> None:
        self._recent[frame] = (seq, first_us)
        self._recent_order.append((first_us, frame))

    def _forget_older_than(self, limit_us: int) -> None:
        order = self._recent_order
        while order and order[0][0] < limit_us:
            first_us, frame = order.popleft()
            entry = self._recent.get(frame)
            if entry is not None and entry[1] == first_us:
                del self._recent[frame]

    def add(self, heard: HeardFrame) -> AddResult:
        """Add one heard frame (folded into an identical recent one when possible); durable after commit()."""
        # Millisecond resolution: the host clock says nothing finer about a frame that crossed a USB
        # serial link, and whole milliseconds compress far better on the wire (see collector.sync.codec).
        at_us = dt_to_us(heard.received_at) // 1000 * 1000
        frame = bytes(heard.frame)
        if not self._in_tx:
            self._db.execute("BEGIN IMMEDIATE")
            self._in_tx = True
        self._forget_older_than(at_us - self.fold_window_us)
        entry = self._recent.get(frame)
        if entry is not None and 0 <= at_us - entry[1] <= self.fold_window_us:
            cur = self._db.execute(
                "UPDATE records SET heard_count = heard_count + 1, last_us = max(last_us, ?1),"
                " rssi_dbm = CASE WHEN rssi_dbm IS NULL THEN ?2 WHEN ?2 IS NULL THEN rssi_dbm"
                " ELSE max(rssi_dbm, ?2) END WHERE seq = ?3 AND batch_seq IS NULL",
                (at_us, heard.rssi_dbm, entry[0]))
            if cur.rowcount == 1:
                return AddResult(entry[0], True)
        cur = self._db.execute(
            "INSERT INTO records (frame, first_us, last_us, rssi_dbm, link_mode, dongle, lat, lon)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (frame, at_us, at_us, heard.rssi_dbm, heard.link_mode, heard.dongle, heard.lat, heard.lon))
        seq = int(cur.lastrowid)
        self._remember(frame, seq, at_us)
        return AddResult(seq, False)

    def commit(self) -> None:
        """Group commit: everything added so far is on the disk when this returns."""
        if self._in_tx:
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:  # e.g. disk full: nothing since the last commit is durable
                self._in_tx = self._db.in_transaction
                raise OutboxError(f"outbox {self.path}: commit failed ({exc}); frames since the last commit "
                                  "are not saved") from exc
            self._in_tx = False
        self._check_disk()

    def _check_disk(self) -> None:
        """Warn loudly (every ``DISK_CHECK_INTERVAL_S`` while it lasts) when the outbox outgrows its limit
        or the disk runs low. Never delete: an unsynced record is the only copy of a reading."""
        mono = time.monotonic()
        if mono < self._next_disk_check:
            return
        self._next_disk_check = mono + DISK_CHECK_INTERVAL_S
        used = self.disk_bytes()
        try:
            free = shutil.disk_usage(self.path.parent).free
        except OSError:
            free = None
        over = self.disk_warn_bytes is not None and used > self.disk_warn_bytes
        low = free is not None and free < LOW_FREE_BYTES
        self._disk_warning = over or low
        if over:
            log.warning("OUTBOX DISK LIMIT EXCEEDED: %s uses %.1f MB, limit %.1f MB; nothing is deleted, "
                        "sync or export the outbox (amr collector export) and free space",
                        self.path, used / 1e6, self.disk_warn_bytes / 1e6)
        if low:
            log.warning("DISK ALMOST FULL: %.1f MB free where the outbox %s lives; nothing is deleted, "
                        "sync or export the outbox and free space", free / 1e6, self.path)

    def disk_bytes(self) -> int:
        total = 0
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                total += os.path.getsize(f"{self.path}{suffix}")
        return total

    # ----------------------------------------------------------------------------------- status
    def put_status(self, key: str, value: dict) -> None:
        """Store a small status object (dongle state, framer counters, coverage) for ``status``."""
        self._db.execute("INSERT INTO status (key, value, updated_us) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE"
                         " SET value = excluded.value, updated_us = excluded.updated_us",
                         (key, json.dumps(value, separators=(",", ":")), now_us()))

    def get_status(self, key: str) -> dict | None:
        row = self._db.execute("SELECT value FROM status WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def all_status(self) -> dict[str, dict]:
        """Every stored status object by key (dongle state, framer counters, coverage, last receipt)."""
        return {k: json.loads(v) for k, v in self._db.execute("SELECT key, value FROM status ORDER BY key")}

    def depth(self) -> int:
        """Records not yet receipted: cheap (an index of the unsynced only), fit for a live view."""
        return self._db.execute("SELECT count(*) FROM records WHERE synced_us IS NULL").fetchone()[0]

    def stats(self) -> OutboxStats:
        """The full picture; counts every record, so call it every few seconds, not per frame."""
        db = self._db
        depth = db.execute("SELECT count(*) FROM records WHERE synced_us IS NULL").fetchone()[0]
        unbatched = db.execute("SELECT count(*) FROM records WHERE batch_seq IS NULL").fetchone()[0]
        total, heard = db.execute("SELECT count(*), coalesce(sum(heard_count), 0) FROM records").fetchone()
        open_batches = db.execute("SELECT count(*) FROM batches WHERE receipt_us IS NULL").fetchone()[0]
        last_batch = db.execute("SELECT max(batch_seq) FROM batches").fetchone()[0]
        if last_batch is None:  # batches may all be pruned; AUTOINCREMENT still remembers the last one
            row = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'batches'").fetchone()
            last_batch = row[0] if row else None
        last_receipt = db.execute("SELECT max(receipt_us) FROM batches").fetchone()[0]
        if last_receipt is None:
            st = self.get_status("last_receipt")
            last_receipt = st["at_us"] if st else None
        used = self.disk_bytes()
        warn = self._disk_warning or (self.disk_warn_bytes is not None and used > self.disk_warn_bytes)
        return OutboxStats(depth=depth, unbatched=unbatched, total=total, heard=heard, open_batches=open_batches,
                           last_batch_seq=last_batch,
                           last_receipt_at=None if last_receipt is None else us_to_dt(last_receipt),
                           disk_bytes=used, disk_warning=warn)

    # ----------------------------------------------------------------------------------- export
    def iter_unsynced(self) -> Iterator[BatchRecord]:
        """Every record without a receipt, batched or not, in ``seq`` order."""
        cur = self._db.execute(
            "SELECT seq, frame, first_us, rssi_dbm, link_mode, dongle, heard_count, lat, lon FROM records"
            " WHERE synced_us IS NULL ORDER BY seq")
        for row in cur:
            yield BatchRecord(row[0], bytes(row[1]), *row[2:])

    def export_unsynced(self, out: TextIO) -> int:
        """Write the unsynced records as contract-2 record objects, one JSON object per line.

        For a depot without a mobile network: ingest imports the file. The records stay unsynced here
        (a later MQTT sync resends them; ingest stores each (van, seq) once), because a file on a USB
        stick is not a receipt.
        """
        n = 0
        for rec in self.iter_unsynced():
            out.write(json.dumps(rec.to_json_obj(), separators=(",", ":")))
            out.write("\n")
            n += 1
        out.flush()
        return n

    # ----------------------------------------------------------------------------------- batches (sync side)
    def open_batches(self) -> list[int]:
        """Batches assigned earlier but not receipted: resent first, with the same ``batch_seq``."""
        return [r[0] for r in self._db.execute("SELECT batch_seq FROM batches WHERE receipt_us IS NULL"
                                               " ORDER BY batch_seq")]

    def unbatched_ready(self, max_records: int, max_age_s: float, now: int | None = None) -> bool:
        """Is there a full batch, or an unbatched record older than ``max_age_s``?"""
        db = self._db
        first = db.execute("SELECT seq FROM records WHERE batch_seq IS NULL ORDER BY seq LIMIT 1").fetchone()
        if first is None:
            return False
        row = db.execute("SELECT seq FROM records WHERE batch_seq IS NULL ORDER BY seq LIMIT 1 OFFSET ?",
                         (max_records - 1,)).fetchone()
        if row is not None:
            return True
        oldest = db.execute("SELECT first_us FROM records WHERE seq = ?", (first[0],)).fetchone()[0]
        return (now if now is not None else now_us()) - oldest >= max_age_s * 1_000_000

    def assign_batch(self, max_records: int) -> int | None:
        """Put the oldest ≤ ``max_records`` unbatched records into a new batch; return its ``batch_seq``."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            rows = db.execute("SELECT seq FROM records WHERE batch_seq IS NULL ORDER BY seq LIMIT ?",
                              (max_records,)).fetchall()
            if not rows:
                db.execute("ROLLBACK")
                return None
            last = rows[-1][0]
            cur = db.execute("INSERT INTO batches (created_us, n_records) VALUES (?, ?)", (now_us(), len(rows)))
            batch_seq = int(cur.lastrowid)
            db.execute("UPDATE records SET batch_seq = ? WHERE batch_seq IS NULL AND seq <= ?", (batch_seq, last))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return batch_seq

    def batch_records(self, batch_seq: int) -> list[BatchRecord]:
        rows = self._db.execute(
            "SELECT seq, frame, first_us, rssi_dbm, link_mode, dongle, heard_count, lat, lon FROM records"
            " WHERE batch_seq = ? ORDER BY seq", (batch_seq,)).fetchall()
        return [BatchRecord(r[0], bytes(r[1]), *r[2:]) for r in rows]

    def mark_receipted(self, batch_seq: int, stored: int, duplicates: int, quarantined: int) -> bool:
        """Ingest stored the batch: its records count as synced. False when it was already receipted."""
        db = self._db
        at = now_us()
        # No fsync for a receipt: if a power cut loses this mark, the batch is resent with the same
        # batch_seq and ingest answers "duplicates"; nothing is lost, so the fsync would buy nothing.
        # (Assigning a batch keeps FULL: a lost assignment could reuse a batch_seq ingest already has.)
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("BEGIN IMMEDIATE")
        try:
            cur = db.execute("UPDATE batches SET receipt_us = ?, stored = ?, duplicates = ?, quarantined = ?"
                             " WHERE batch_seq = ? AND receipt_us IS NULL",
                             (at, stored, duplicates, quarantined, batch_seq))
            fresh = cur.rowcount == 1
            if fresh:
                db.execute("UPDATE records SET synced_us = ? WHERE batch_seq = ?", (at, batch_seq))
                db.execute("INSERT INTO status (key, value, updated_us) VALUES ('last_receipt', ?, ?)"
                           " ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_us = excluded.updated_us",
                           (json.dumps({"at_us": at, "batch_seq": batch_seq}), at))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        finally:
            db.execute("PRAGMA synchronous=FULL")
        return fresh

    def prune(self, now: int | None = None) -> int:
        """Delete records receipted more than ``retention_s`` ago (never an unsynced one)."""
        limit = (now if now is not None else now_us()) - self.retention_us
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            n = db.execute("DELETE FROM records WHERE synced_us IS NOT NULL AND synced_us < ?", (limit,)).rowcount
            db.execute("DELETE FROM batches WHERE receipt_us IS NOT NULL AND receipt_us < ?", (limit,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return n

    def close(self) -> None:
        """Commit what was added (a clean stop loses nothing) and close the file."""
        try:
            if self._in_tx:
                self.commit()
        finally:
            self._db.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["AddResult", "BatchRecord", "HeardFrame", "Outbox", "OutboxError", "OutboxStats", "dt_to_us",
           "export_unsynced_file", "status_summary",
           "us_to_iso"]


def export_unsynced_file(outbox_path: str | Path, out_path: str | Path) -> int:
    """``amr collector export``: write the unsynced records of ``outbox_path`` to ``out_path`` (JSON Lines).

    The file is written next to its final name and renamed at the end, so a half-written export (a
    pulled USB stick, a full disk) never looks complete. Returns the number of records written.
    """
    if not Path(outbox_path).exists():
        raise OutboxError(f"no outbox at {outbox_path}")
    out_path = Path(out_path)
    tmp = out_path.with_name(out_path.name + ".part")
    try:
        with Outbox(outbox_path) as ob, open(tmp, "w", encoding="utf-8") as out:
            n = ob.export_unsynced(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, out_path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise OutboxError(f"cannot write {out_path}: {exc.strerror or exc}") from exc
    return n


def status_summary(outbox_path: str | Path) -> dict:
    """What ``amr collector status`` prints: the outbox figures plus every stored status object.

    Opens the file read-mostly (no write lock needed), so it works while the van service runs.
    """
    if not Path(outbox_path).exists():
        raise OutboxError(f"no outbox at {outbox_path}")
    with Outbox(outbox_path) as ob:
        st = ob.stats()
        extra = ob.all_status()
    return {"outbox": str(outbox_path), "depth": st.depth, "unbatched": st.unbatched, "open_batches": st.open_batches,
            "records": st.total, "heard": st.heard, "last_batch_seq": st.last_batch_seq,
            "last_receipt_at": None if st.last_receipt_at is None else st.last_receipt_at.isoformat(),
            "disk_bytes": st.disk_bytes, "disk_warning": st.disk_warning, "status": extra}
