"""Runs of the audit check, kept so the auditor's integrity page shows the last one and the ones queued.

``integrity_runs``: one row per run of ``audit verify`` — of every chain (from the CLI, or queued from
the page and run by the worker) or of one case (run at once from the page or the API) — with its
status, counts and the first problems found.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 13:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('integrity_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('label', sa.String(length=60), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('worker', sa.String(length=100), nullable=True),
    sa.Column('ok', sa.Boolean(), nullable=True),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.Column('account_events', sa.Integer(), nullable=False),
    sa.Column('checkpoints', sa.Integer(), nullable=False),
    sa.Column('problem_count', sa.Integer(), nullable=False),
    sa.Column('problems', sa.Text(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_integrity_runs_status', 'integrity_runs', ['status', 'requested_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_integrity_runs_status', table_name='integrity_runs')
    op.drop_table('integrity_runs')
