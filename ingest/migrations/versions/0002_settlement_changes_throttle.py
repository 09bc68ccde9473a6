"""Settlement changes with an effective date, and the portal's login/registration throttle in the database.

``settlement_changes``: a switch between paper and e-invoice applies from the next billing period (issue
12), so billing needs the value before the switch for earlier periods.  Switches made in the portal
before this revision (``portal_einvoice`` rows with the ``master_changes`` line the portal wrote) are
copied in, so they too apply from the effective date they were given then.

``portal_throttle``: failed logins and registration attempts, shared by every portal worker process
(the throttle was in process memory, which a second ``--workers`` process would not see).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('settlement_changes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('contract_id', sa.String(length=64), nullable=False),
    sa.Column('previous', sa.String(length=16), nullable=False),
    sa.Column('settlement', sa.String(length=16), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.contract_id'],
                            name=op.f('fk_settlement_changes_contract_id_contracts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement_changes'))
    )
    with op.batch_alter_table('settlement_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_settlement_changes_contract_id'), ['contract_id'], unique=False)

    op.create_table('portal_throttle',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_throttle'))
    )
    with op.batch_alter_table('portal_throttle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_throttle_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_throttle_key'), ['key'], unique=False)

    op.execute(
        "INSERT INTO settlement_changes (contract_id, previous, settlement, effective_from, changed_at, source) "
        "SELECT e.contract_id, m.old_value, m.new_value, e.effective_from, m.changed_at, m.source "
        "FROM portal_einvoice e JOIN master_changes m ON m.table_name = 'contracts' AND m.row_key = e.contract_id "
        "AND m.column_name = 'settlement' AND m.new_value = 'e-invoice' AND m.old_value IS NOT NULL "
        "AND m.source LIKE 'ebok account %'")


def downgrade() -> None:
    with op.batch_alter_table('portal_throttle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_throttle_key'))
        batch_op.drop_index(batch_op.f('ix_portal_throttle_at'))

    op.drop_table('portal_throttle')
    with op.batch_alter_table('settlement_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_settlement_changes_contract_id'))

    op.drop_table('settlement_changes')
