"""Alembic revisions of the ingest database, one file per schema change."""
