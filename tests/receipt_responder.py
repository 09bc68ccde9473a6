"""A minimal stand-in for ingest: stores batches in SQLite and publishes contract-2 receipts.

Why it exists: the durability and sync-fault tests need the other end of contract 2 before ingest
is built. It does exactly what ingest promises and nothing more: store each (van_id, batch_seq) once,
in one transaction, and only then publish ``{batch_seq, stored, duplicates, quarantined}`` with QoS 1.
Every record is also kept by (van_id, seq); a record arriving in a second, different batch is logged
in ``record_dups`` so a test can prove no record was receipted twice.

Run: ``python tests/receipt_responder.py --broker mqtt://127.0.0.1:PORT --db store.sqlite``. It prints
``ready`` once subscribed and reconnects (persistent session) when the broker restarts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import socket
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import contextlib

from collector.sync.codec import PayloadError, decode_batch

logging.getLogger("amr.test.responder.mqtt").setLevel(logging.CRITICAL)

SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (van_id TEXT, batch_seq INTEGER, n INTEGER, deliveries INTEGER DEFAULT 1,
                                    PRIMARY KEY (van_id, batch_seq));
CREATE TABLE IF NOT EXISTS records (van_id TEXT, seq INTEGER, batch_seq INTEGER, frame TEXT, received_at TEXT,
                                    rssi_dbm REAL, link_mode TEXT, dongle TEXT, heard_count INTEGER,
                                    PRIMARY KEY (van_id, seq));
CREATE TABLE IF NOT EXISTS record_dups (van_id TEXT, seq INTEGER, batch_seq INTEGER);
CREATE TABLE IF NOT EXISTS bad_payloads (topic TEXT, error TEXT);
"""


def open_store(path: str | Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")  # a test store: survives a process crash, which is all we kill
    db.executescript(SCHEMA)
    return db


def store_batch(db: sqlite3.Connection, batch: dict, store_records: bool = True) -> dict:
    """Store one batch idempotently; return the receipt."""
    van_id, batch_seq, records = str(batch["van_id"]), int(batch["batch_seq"]), batch["records"]
    db.execute("BEGIN IMMEDIATE")
    try:
        cur = db.execute("UPDATE batches SET deliveries = deliveries + 1 WHERE van_id = ? AND batch_seq = ?",
                         (van_id, batch_seq))
        if cur.rowcount:
            db.execute("COMMIT")
            return {"batch_seq": batch_seq, "stored": 0, "duplicates": len(records), "quarantined": 0}
        db.execute("INSERT INTO batches (van_id, batch_seq, n) VALUES (?, ?, ?)", (van_id, batch_seq, len(records)))
        stored = len(records)
        if store_records:
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(van_id, r["seq"], batch_seq, r["frame"], r["received_at"], r["rssi_dbm"], r["link_mode"],
                  r["dongle"], r["heard_count"]) for r in records])
            stored = db.total_changes - before
            if stored != len(records):
                seen = {r[0] for r in db.execute(
                    "SELECT seq FROM records WHERE van_id = ? AND batch_seq = ?", (van_id, batch_seq))}
                db.executemany("INSERT INTO record_dups VALUES (?, ?, ?)",
                               [(van_id, r["seq"], batch_seq) for r in records if r["seq"] not in seen])
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return {"batch_seq": batch_seq, "stored": stored, "duplicates": len(records) - stored, "quarantined": 0}


async def serve(broker: str, db_path: str, store_records: bool = True, stop: asyncio.Event | None = None) -> None:
    import aiomqtt

    from collector.sync.broker_url import parse_broker_url

    url = parse_broker_url(broker)
    db = open_store(db_path)
    announced = False
    while stop is None or not stop.is_set():
        try:
            async with aiomqtt.Client(url.host, url.port, username=url.username, password=url.password,
                                      identifier="amr-test-responder", clean_session=False,
                                      tls_context=url.tls_context(), keepalive=10,
                                      logger=logging.getLogger("amr.test.responder.mqtt"),
                                      socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]) as client:
                await client.subscribe("amr/v1/vans/+/batches", qos=1)
                if not announced:
                    print("ready", flush=True)
                    announced = True
                async for message in client.messages:
                    try:
                        batch = decode_batch(bytes(message.payload))
                    except PayloadError as exc:
                        db.execute("INSERT INTO bad_payloads VALUES (?, ?)", (str(message.topic), str(exc)))
                        continue
                    receipt = store_batch(db, batch, store_records)
                    await client.publish(f"amr/v1/vans/{batch['van_id']}/receipts",
                                         json.dumps(receipt).encode(), qos=1)
        except aiomqtt.MqttError:
            await asyncio.sleep(0.3)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--broker", required=True)
    p.add_argument("--db", required=True)
    p.add_argument("--no-records", action="store_true", help="store batches only (faster)")
    a = p.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(a.broker, a.db, not a.no_records))


if __name__ == "__main__":
    main()
