"""The database fixture every ingest suite shares: one fresh database per test, SQLite and PostgreSQL.

Use it with ``from db_urls import db_url`` (the tests folder is on sys.path).  ``db_url`` is
parametrised: the ``sqlite`` case is a new file in the test's temporary folder; the ``postgresql`` case
is the server named by ``AMR_TEST_PG_URL`` with its ``public`` schema dropped and recreated, so every
test starts from an empty database.  Without ``AMR_TEST_PG_URL`` the PostgreSQL case is skipped with
the reason printed (``-ra``).  The schema itself is left to the test (``amr db upgrade`` or
``create_schema``), because creating it is part of what some tests check.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_ENV = "AMR_TEST_PG_URL"


def reset_postgres(url: str) -> None:
    """Drop and recreate the ``public`` schema of the database at ``url`` (tables, types, everything)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'amr.db'}"


def create_schema(url: str) -> None:
    """Create every table of ``ingest.models`` directly (for tests that do not test the migration)."""
    import ingest.models  # noqa: F401  (registers every table on Base.metadata)
    from ingest.models.base import Base, make_engine

    engine = make_engine(url)
    try:
        Base.metadata.create_all(engine)
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a fresh SQLite file, or the PostgreSQL test database emptied."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is unset: PostgreSQL case not run (set it to a postgresql+psycopg:// URL)")
    reset_postgres(url)
    yield url
