"""Readings lose their two foreign keys (``meter_id`` → ``meters``, ``raw_frame_id`` → ``raw_frames``).

Why: on PostgreSQL a foreign key is checked row by row by a trigger that looks the parent row up and
locks it (``FOR KEY SHARE``), and that lock is a write to the parent's page.  Measured on the local
server, 300,000 reading rows in one statement with this table's indexes: 5.8 s with both keys, 5.0 s
and 5.2 s with either one, 3.1 s with none.  That is about 9 µs of server CPU per radio reading,
a third of what PostgreSQL spent per frame in ``benchmarks/ingest_bench.py``, on the machine the
ingest worker shares with it.

The references still hold, by the writers: a van reading is stored only for a meter in ``meters``
(``KeyedDecoder`` quarantines any other as ``unknown_meter``), in the same transaction as the archived
frame it points at; the readings importer and the portal refuse an unknown meter before writing; and
nothing deletes meters or archived frames.  The indexes on both columns stay, for the lookups.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('readings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_readings_meter_id_meters'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_readings_raw_frame_id_raw_frames'), type_='foreignkey')


def downgrade() -> None:
    with op.batch_alter_table('readings', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_readings_raw_frame_id_raw_frames'), 'raw_frames',
                                    ['raw_frame_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_readings_meter_id_meters'), 'meters', ['meter_id'], ['meter_id'])
