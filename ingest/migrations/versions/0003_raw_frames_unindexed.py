"""The radio archive loses its two lookup indexes (``raw_frames.frame_hash`` and ``raw_frames.meter_id``).

Why: each was one random B-tree insert per archived frame (a SHA-256 spreads evenly; a meter's entries
sit wherever that meter sorts), so on SQLite every frame wrote about one more 4 KB page per index,
through the WAL and again at the checkpoint, once the archive outgrew the page cache.  Measured on
100,000 frames into SQLite (the consumer's store step alone), the pair cost about a quarter of its CPU
time and a third of its wall time, and the share grows with the archive.  Nothing in ingest, billing or the portal looks frames up by hash or by meter:
the quarantine list reaches its frames by primary key, a meter's history goes through
``readings.meter_id`` → ``raw_frame_id``, and a one-off diagnostic query can scan or build its own
index.  The columns stay (``frame_hash`` still tells two archived copies of one frame apart).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('raw_frames', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_raw_frames_meter_id'))
        batch_op.drop_index(batch_op.f('ix_raw_frames_frame_hash'))


def downgrade() -> None:
    with op.batch_alter_table('raw_frames', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_raw_frames_frame_hash'), ['frame_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_raw_frames_meter_id'), ['meter_id'], unique=False)
