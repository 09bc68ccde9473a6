"""Alembic migrations of the ingest database (``amr db upgrade``).

One revision per schema change, written by hand or generated with autogenerate and then read.  The
configuration is built in code (no alembic.ini to ship or find): ``alembic_config(url)`` points Alembic
at this folder and at the database.  ``tests/test_migrations.py`` checks that ``upgrade head`` on an
empty database gives exactly ``Base.metadata`` on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def alembic_config(url: str):  # type: ignore[no-untyped-def]
    """An Alembic Config for ``url`` with this package as the script location."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def target_metadata():  # type: ignore[no-untyped-def]
    """Every table of the ingest store: the models package plus the portal's models when present."""
    import importlib

    import ingest.models  # noqa: F401
    from ingest.models.base import Base

    try:
        importlib.import_module("ingest.ebok.models")
    except ModuleNotFoundError as exc:
        if exc.name not in ("ingest.ebok", "ingest.ebok.models"):
            raise
    return Base.metadata
