"""Initial schema: master data, keys, radio archive, readings, quarantine, billing results, portal.

Generated with Alembic autogenerate from ``ingest.models`` (and ``ingest.ebok.models``) and read
through; ``tests/test_migrations.py`` checks that upgrading an empty SQLite or PostgreSQL database to
this revision gives exactly the models.  Later schema changes get their own revisions.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('abonaments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tariff_group', sa.String(length=64), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('basis', sa.String(length=16), nullable=False),
    sa.Column('settlement', sa.String(length=16), nullable=False),
    sa.Column('abonament_month_net', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_abonaments')),
    sa.UniqueConstraint('tariff_group', 'basis', 'settlement', 'valid_from', name=op.f('uq_abonaments_tariff_group_basis_settlement_valid_from'))
    )
    with op.batch_alter_table('abonaments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_abonaments_tariff_group'), ['tariff_group'], unique=False)

    op.create_table('billing_runs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('origin', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_runs')),
    sa.UniqueConstraint('period', name=op.f('uq_billing_runs_period'))
    )
    op.create_table('customers',
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_customers'))
    )
    op.create_table('master_changes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('table_name', sa.String(length=40), nullable=False),
    sa.Column('row_key', sa.String(length=200), nullable=False),
    sa.Column('column_name', sa.String(length=40), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=300), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_master_changes'))
    )
    with op.batch_alter_table('master_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_master_changes_row_key'), ['row_key'], unique=False)

    op.create_table('norms',
    sa.Column('norm_category', sa.String(length=64), nullable=False),
    sa.Column('sewered', sa.Boolean(), nullable=False),
    sa.Column('m3_per_person_month', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('norm_category', 'sewered', name=op.f('pk_norms'))
    )
    op.create_table('portal_audit',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.String(length=500), nullable=True),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_audit'))
    )
    with op.batch_alter_table('portal_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_audit_at'), ['at'], unique=False)

    op.create_table('portal_managers',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('company', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_managers'))
    )
    op.create_table('premises',
    sa.Column('premises_id', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('persons', sa.Integer(), nullable=True),
    sa.Column('norm_category', sa.String(length=64), nullable=True),
    sa.Column('sewered', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('premises_id', name=op.f('pk_premises'))
    )
    op.create_table('raw_frames',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('van_id', sa.String(length=64), nullable=False),
    sa.Column('batch_seq', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('frame', sa.LargeBinary(), nullable=False),
    sa.Column('frame_hash', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rssi_dbm', sa.Float(), nullable=True),
    sa.Column('link_mode', sa.String(length=8), nullable=True),
    sa.Column('dongle', sa.String(length=64), nullable=True),
    sa.Column('heard_count', sa.Integer(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('meter_id', sa.String(length=8), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_raw_frames')),
    sa.UniqueConstraint('van_id', 'batch_seq', 'seq', name=op.f('uq_raw_frames_van_id_batch_seq_seq'))
    )
    with op.batch_alter_table('raw_frames', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_raw_frames_frame_hash'), ['frame_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_raw_frames_meter_id'), ['meter_id'], unique=False)

    op.create_table('received_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('van_id', sa.String(length=64), nullable=False),
    sa.Column('batch_seq', sa.Integer(), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('stored', sa.Integer(), nullable=False),
    sa.Column('duplicates', sa.Integer(), nullable=False),
    sa.Column('quarantined', sa.Integer(), nullable=False),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_received_batches')),
    sa.UniqueConstraint('van_id', 'batch_seq', name=op.f('uq_received_batches_van_id_batch_seq'))
    )
    op.create_table('tariffs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tariff_group', sa.String(length=64), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('water_m3_net', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.Column('sewage_m3_net', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tariffs')),
    sa.UniqueConstraint('tariff_group', 'valid_from', name=op.f('uq_tariffs_tariff_group_valid_from'))
    )
    with op.batch_alter_table('tariffs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tariffs_tariff_group'), ['tariff_group'], unique=False)

    op.create_table('billed_registers',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('meter_id', sa.String(length=8), nullable=False),
    sa.Column('boundary_date', sa.Date(), nullable=False),
    sa.Column('register_m3', sa.Float(), nullable=False),
    sa.Column('basis', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['billing_runs.id'], name=op.f('fk_billed_registers_run_id_billing_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billed_registers')),
    sa.UniqueConstraint('run_id', 'meter_id', 'boundary_date', name=op.f('uq_billed_registers_run_id_meter_id_boundary_date'))
    )
    with op.batch_alter_table('billed_registers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billed_registers_meter_id'), ['meter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billed_registers_run_id'), ['run_id'], unique=False)

    op.create_table('billing_exceptions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.String(length=64), nullable=True),
    sa.Column('period', sa.String(length=7), nullable=True),
    sa.Column('meter_id', sa.String(length=8), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('date', sa.String(length=10), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['billing_runs.id'], name=op.f('fk_billing_exceptions_run_id_billing_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_exceptions'))
    )
    with op.batch_alter_table('billing_exceptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_exceptions_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_exceptions_run_id'), ['run_id'], unique=False)

    op.create_table('contracts',
    sa.Column('contract_id', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('premises_id', sa.String(length=64), nullable=False),
    sa.Column('tariff_group', sa.String(length=64), nullable=False),
    sa.Column('cycle_months', sa.Integer(), nullable=False),
    sa.Column('cycle_anchor_month', sa.Integer(), nullable=True),
    sa.Column('settlement', sa.String(length=16), nullable=False),
    sa.Column('water_service', sa.Boolean(), nullable=True),
    sa.Column('sewage_service', sa.Boolean(), nullable=True),
    sa.Column('sewage_fixed_m3', sa.Float(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.customer_id'], name=op.f('fk_contracts_customer_id_customers')),
    sa.ForeignKeyConstraint(['premises_id'], ['premises.premises_id'], name=op.f('fk_contracts_premises_id_premises')),
    sa.PrimaryKeyConstraint('contract_id', name=op.f('pk_contracts'))
    )
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contracts_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_premises_id'), ['premises_id'], unique=False)

    op.create_table('meters',
    sa.Column('meter_id', sa.String(length=8), nullable=False),
    sa.Column('premises_id', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('manufacturer', sa.String(length=3), nullable=True),
    sa.Column('install_date', sa.Date(), nullable=False),
    sa.Column('removal_date', sa.Date(), nullable=True),
    sa.Column('initial_m3', sa.Float(), nullable=True),
    sa.Column('final_m3', sa.Float(), nullable=True),
    sa.Column('register_digits', sa.Integer(), nullable=True),
    sa.Column('rollover_m3', sa.Float(), nullable=True),
    sa.Column('legalised_until', sa.Date(), nullable=True),
    sa.Column('sealed', sa.Boolean(), nullable=False),
    sa.Column('registered', sa.Boolean(), nullable=False),
    sa.Column('faulty_from', sa.Date(), nullable=True),
    sa.Column('faulty_to', sa.Date(), nullable=True),
    sa.Column('replaces_meter_id', sa.String(length=8), nullable=True),
    sa.ForeignKeyConstraint(['premises_id'], ['premises.premises_id'], name=op.f('fk_meters_premises_id_premises')),
    sa.PrimaryKeyConstraint('meter_id', name=op.f('pk_meters'))
    )
    with op.batch_alter_table('meters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meters_premises_id'), ['premises_id'], unique=False)

    op.create_table('portal_accounts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=True),
    sa.Column('manager_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('token_kind', sa.String(length=10), nullable=True),
    sa.Column('token_expires', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lang', sa.String(length=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.customer_id'], name=op.f('fk_portal_accounts_customer_id_customers')),
    sa.ForeignKeyConstraint(['manager_id'], ['portal_managers.id'], name=op.f('fk_portal_accounts_manager_id_portal_managers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_accounts')),
    sa.UniqueConstraint('customer_id', name=op.f('uq_portal_accounts_customer_id')),
    sa.UniqueConstraint('email', name=op.f('uq_portal_accounts_email')),
    sa.UniqueConstraint('manager_id', name=op.f('uq_portal_accounts_manager_id'))
    )
    with op.batch_alter_table('portal_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_accounts_token_hash'), ['token_hash'], unique=False)

    op.create_table('portal_manager_premises',
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('premises_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['manager_id'], ['portal_managers.id'], name=op.f('fk_portal_manager_premises_manager_id_portal_managers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['premises_id'], ['premises.premises_id'], name=op.f('fk_portal_manager_premises_premises_id_premises')),
    sa.PrimaryKeyConstraint('manager_id', 'premises_id', name=op.f('pk_portal_manager_premises'))
    )
    op.create_table('portal_notes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('issue_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.customer_id'], name=op.f('fk_portal_notes_customer_id_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_notes')),
    sa.UniqueConstraint('number', name=op.f('uq_portal_notes_number'))
    )
    with op.batch_alter_table('portal_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_notes_customer_id'), ['customer_id'], unique=False)

    op.create_table('portal_payments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('booked_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('account_nrb', sa.String(length=26), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=True),
    sa.Column('bank_ref', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.customer_id'], name=op.f('fk_portal_payments_customer_id_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_payments')),
    sa.UniqueConstraint('bank_ref', name=op.f('uq_portal_payments_bank_ref'))
    )
    with op.batch_alter_table('portal_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_payments_customer_id'), ['customer_id'], unique=False)

    op.create_table('portal_virtual_accounts',
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('nrb', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.customer_id'], name=op.f('fk_portal_virtual_accounts_customer_id_customers')),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_portal_virtual_accounts')),
    sa.UniqueConstraint('nrb', name=op.f('uq_portal_virtual_accounts_nrb'))
    )
    op.create_table('quarantine',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('raw_frame_id', sa.Integer(), nullable=True),
    sa.Column('van_id', sa.String(length=64), nullable=True),
    sa.Column('payload', sa.LargeBinary(), nullable=True),
    sa.Column('payload_hash', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_try', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['raw_frame_id'], ['raw_frames.id'], name=op.f('fk_quarantine_raw_frame_id_raw_frames')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarantine')),
    sa.UniqueConstraint('payload_hash', name=op.f('uq_quarantine_payload_hash')),
    sa.UniqueConstraint('raw_frame_id', name=op.f('uq_quarantine_raw_frame_id'))
    )
    with op.batch_alter_table('quarantine', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quarantine_reason'), ['reason'], unique=False)

    op.create_table('billing_periods',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('contract_id', sa.String(length=64), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.contract_id'], name=op.f('fk_billing_periods_contract_id_contracts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_periods')),
    sa.UniqueConstraint('contract_id', 'period_start', name=op.f('uq_billing_periods_contract_id_period_start'))
    )
    with op.batch_alter_table('billing_periods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_periods_contract_id'), ['contract_id'], unique=False)

    op.create_table('invoices',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('contract_id', sa.String(length=64), nullable=False),
    sa.Column('premises_id', sa.String(length=64), nullable=True),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('issue_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('net', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('vat', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('gross', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('settlement', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.contract_id'], name=op.f('fk_invoices_contract_id_contracts')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.customer_id'], name=op.f('fk_invoices_customer_id_customers')),
    sa.ForeignKeyConstraint(['run_id'], ['billing_runs.id'], name=op.f('fk_invoices_run_id_billing_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('contract_id', 'period_start', 'period_end', name=op.f('uq_invoices_contract_id_period_start_period_end')),
    sa.UniqueConstraint('number', name=op.f('uq_invoices_number'))
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoices_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoices_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoices_run_id'), ['run_id'], unique=False)

    op.create_table('meter_keys',
    sa.Column('meter_id', sa.String(length=8), nullable=False),
    sa.Column('key_hex', sa.String(length=32), nullable=False),
    sa.Column('manufacturer', sa.String(length=3), nullable=True),
    sa.ForeignKeyConstraint(['meter_id'], ['meters.meter_id'], name=op.f('fk_meter_keys_meter_id_meters')),
    sa.PrimaryKeyConstraint('meter_id', name=op.f('pk_meter_keys'))
    )
    op.create_table('portal_einvoice',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('contract_id', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['portal_accounts.id'], name=op.f('fk_portal_einvoice_account_id_portal_accounts')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.contract_id'], name=op.f('fk_portal_einvoice_contract_id_contracts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_einvoice')),
    sa.UniqueConstraint('contract_id', name=op.f('uq_portal_einvoice_contract_id'))
    )
    op.create_table('portal_sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('csrf', sa.String(length=64), nullable=False),
    sa.Column('captcha', sa.String(length=12), nullable=True),
    sa.Column('lang', sa.String(length=2), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['portal_accounts.id'], name=op.f('fk_portal_sessions_account_id_portal_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_portal_sessions'))
    )
    with op.batch_alter_table('portal_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_sessions_account_id'), ['account_id'], unique=False)

    op.create_table('portal_tickets',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('premises_id', sa.String(length=64), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['portal_accounts.id'], name=op.f('fk_portal_tickets_account_id_portal_accounts')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.customer_id'], name=op.f('fk_portal_tickets_customer_id_customers')),
    sa.ForeignKeyConstraint(['premises_id'], ['premises.premises_id'], name=op.f('fk_portal_tickets_premises_id_premises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_tickets')),
    sa.UniqueConstraint('number', name=op.f('uq_portal_tickets_number'))
    )
    with op.batch_alter_table('portal_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_tickets_customer_id'), ['customer_id'], unique=False)

    op.create_table('readings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meter_id', sa.String(length=8), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('total_m3', sa.Float(), nullable=True),
    sa.Column('target_m3', sa.Float(), nullable=True),
    sa.Column('target_date', sa.Date(), nullable=True),
    sa.Column('flow_m3h', sa.Float(), nullable=True),
    sa.Column('alarms', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('raw_frame_id', sa.Integer(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=80), nullable=True),
    sa.Column('submitted_by', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['meter_id'], ['meters.meter_id'], name=op.f('fk_readings_meter_id_meters')),
    sa.ForeignKeyConstraint(['raw_frame_id'], ['raw_frames.id'], name=op.f('fk_readings_raw_frame_id_raw_frames')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_readings')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_readings_dedupe_key'))
    )
    with op.batch_alter_table('readings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_readings_meter_id'), ['meter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_readings_raw_frame_id'), ['raw_frame_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_readings_read_at'), ['read_at'], unique=False)

    op.create_table('invoice_lines',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=16), nullable=False),
    sa.Column('basis', sa.String(length=40), nullable=True),
    sa.Column('tariff_group', sa.String(length=64), nullable=True),
    sa.Column('price_from', sa.Date(), nullable=True),
    sa.Column('price_to', sa.Date(), nullable=True),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('unit_price_net', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.Column('net', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('vat_rate_pct', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('vat', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('gross', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_lines_invoice_id_invoices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_lines')),
    sa.UniqueConstraint('invoice_id', 'line_no', name=op.f('uq_invoice_lines_invoice_id_line_no'))
    )
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_lines_invoice_id'), ['invoice_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_lines_invoice_id'))

    op.drop_table('invoice_lines')
    with op.batch_alter_table('readings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_readings_read_at'))
        batch_op.drop_index(batch_op.f('ix_readings_raw_frame_id'))
        batch_op.drop_index(batch_op.f('ix_readings_meter_id'))

    op.drop_table('readings')
    with op.batch_alter_table('portal_tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_tickets_customer_id'))

    op.drop_table('portal_tickets')
    with op.batch_alter_table('portal_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_sessions_account_id'))

    op.drop_table('portal_sessions')
    op.drop_table('portal_einvoice')
    op.drop_table('meter_keys')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoices_run_id'))
        batch_op.drop_index(batch_op.f('ix_invoices_customer_id'))
        batch_op.drop_index(batch_op.f('ix_invoices_contract_id'))

    op.drop_table('invoices')
    with op.batch_alter_table('billing_periods', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_periods_contract_id'))

    op.drop_table('billing_periods')
    with op.batch_alter_table('quarantine', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quarantine_reason'))

    op.drop_table('quarantine')
    op.drop_table('portal_virtual_accounts')
    with op.batch_alter_table('portal_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_payments_customer_id'))

    op.drop_table('portal_payments')
    with op.batch_alter_table('portal_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_notes_customer_id'))

    op.drop_table('portal_notes')
    op.drop_table('portal_manager_premises')
    with op.batch_alter_table('portal_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_accounts_token_hash'))

    op.drop_table('portal_accounts')
    with op.batch_alter_table('meters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meters_premises_id'))

    op.drop_table('meters')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contracts_premises_id'))
        batch_op.drop_index(batch_op.f('ix_contracts_customer_id'))

    op.drop_table('contracts')
    with op.batch_alter_table('billing_exceptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_exceptions_run_id'))
        batch_op.drop_index(batch_op.f('ix_billing_exceptions_contract_id'))

    op.drop_table('billing_exceptions')
    with op.batch_alter_table('billed_registers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billed_registers_run_id'))
        batch_op.drop_index(batch_op.f('ix_billed_registers_meter_id'))

    op.drop_table('billed_registers')
    with op.batch_alter_table('tariffs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tariffs_tariff_group'))

    op.drop_table('tariffs')
    op.drop_table('received_batches')
    with op.batch_alter_table('raw_frames', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_raw_frames_meter_id'))
        batch_op.drop_index(batch_op.f('ix_raw_frames_frame_hash'))

    op.drop_table('raw_frames')
    op.drop_table('premises')
    op.drop_table('portal_managers')
    with op.batch_alter_table('portal_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_audit_at'))

    op.drop_table('portal_audit')
    op.drop_table('norms')
    with op.batch_alter_table('master_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_master_changes_row_key'))

    op.drop_table('master_changes')
    op.drop_table('customers')
    op.drop_table('billing_runs')
    with op.batch_alter_table('abonaments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_abonaments_tariff_group'))

    op.drop_table('abonaments')
