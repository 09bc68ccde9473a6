"""Shared fixtures: the public vectors and small helpers to build frames by hand."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def load_vectors() -> list[dict]:
    return [json.loads(line) for line in (FIXTURES / "wmbus-water.jsonl").read_text().splitlines() if line.strip()]


def vector_keys():  # type: ignore[no-untyped-def]
    """A KeyStore with every public vector's AES-128 key, under the vector's meter id."""
    from decoders import KeyStore

    keys = KeyStore()
    for v in load_vectors():
        if v["key"] and len(v["key"]) == 32 and len(v["id"]) == 8:
            keys.add(v["id"].lower(), bytes.fromhex(v["key"]))
    return keys


def mutated_payloads(warm, rounds: int, changes: int, rng) -> Iterator[bytes]:  # type: ignore[no-untyped-def]
    """The plain (unencrypted) wM-Bus vectors, each ``rounds`` times with ``changes`` random bytes of its
    application payload replaced: the same layouts with other values. ``warm`` first decodes each
    vector once, so it has learned their layouts, then finds where each payload starts (frames it
    cannot decode, or without a payload, are passed over)."""
    from decoders import parse_hex

    frames = [parse_hex(v["telegram_hex"]) for v in load_vectors() if not v["key"] and v["frame"] == "wmbus"]
    for f in frames:
        warm.decode_safe(f)
    for f in frames * rounds:
        t0 = warm.decode_safe(f)
        if t0.error or not t0.payload:
            continue
        start = len(f) - len(t0.payload)
        g = bytearray(f)
        for _ in range(changes):
            g[rng.randrange(start, len(g))] = rng.randrange(256)
        yield bytes(g)


@pytest.fixture(scope="session")
def vectors() -> list[dict]:
    return load_vectors()


def _worker_database(url: str, worker: str) -> str:
    """A database of its own for one xdist worker, next to the one ``AMR_TEST_PG_URL`` names.

    Tests empty their PostgreSQL database (``DROP SCHEMA public``) before they start; two workers on
    one database would empty it under each other, so each worker gets ``<name>_<worker>``, fresh.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def pytest_configure(config: pytest.Config) -> None:
    worker, url = os.environ.get("PYTEST_XDIST_WORKER"), os.environ.get("AMR_TEST_PG_URL")
    if worker and url:
        # Subprocesses (amr commands, servers) inherit the worker's database through the environment.
        os.environ["AMR_TEST_PG_URL"] = _worker_database(url, worker)
