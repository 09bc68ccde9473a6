"""Shared fixtures: the public vectors and small helpers to build frames by hand."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def load_vectors() -> list[dict]:
    return [json.loads(line) for line in (FIXTURES / "wmbus-water.jsonl").read_text().splitlines() if line.strip()]


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
