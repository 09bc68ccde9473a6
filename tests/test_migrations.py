"""``amr db upgrade``: the Alembic head on an empty database is exactly ``Base.metadata`` (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from db_urls import db_url  # noqa: F401  (fixture)
from ingest_data import amr
from sqlalchemy import inspect


def _diff(url: str) -> list[object]:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from ingest.migrations import target_metadata
    from ingest.models.base import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(ctx, target_metadata()))
    finally:
        engine.dispose()


def test_upgrade_head_equals_the_models(db_url: str) -> None:  # noqa: F811
    result = amr("db", "upgrade", "--db", db_url)
    assert result.exit_code == 0, result.stderr
    assert "is at revision head" in result.stdout
    assert _diff(db_url) == []
    from ingest.migrations import target_metadata
    from ingest.models.base import make_engine

    engine = make_engine(db_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert set(target_metadata().tables) <= tables
    again = amr("db", "upgrade", "--db", db_url)  # a second upgrade is a no-op
    assert again.exit_code == 0 and _diff(db_url) == []


def test_downgrade_to_base_removes_every_table(db_url: str) -> None:  # noqa: F811
    from alembic import command

    from ingest.migrations import alembic_config
    from ingest.models.base import make_engine

    assert amr("db", "upgrade", "--db", db_url).exit_code == 0
    command.downgrade(alembic_config(db_url), "base")
    engine = make_engine(db_url)
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    engine.dispose()


def test_bad_url_is_one_clear_line(tmp_path: Path) -> None:
    result = amr("db", "upgrade", "--db", "nosuchdialect://x")
    assert result.exit_code == 2 and result.stderr.startswith("error: --db ") and "not a usable database URL" \
        in result.stderr
    (tmp_path / "empty.db").touch()
    empty = amr("invoices", "list", "--db", f"sqlite:///{tmp_path / 'empty.db'}")
    assert empty.exit_code == 2 and "has no ingest schema" in empty.stderr and "amr db upgrade" in empty.stderr
    missing = amr("invoices", "list", "--db", str(tmp_path / "typo.db"))
    assert missing.exit_code == 2 and f"database file {tmp_path / 'typo.db'} does not exist" in missing.stderr
    assert not (tmp_path / "typo.db").exists(), "a read command must not leave an empty database file behind"
