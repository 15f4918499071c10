"""The account log: every change to a user (created, roles, organisation, locked, password reset),
hash-chained for auditors.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('account_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('seq'),
    )
    op.create_index('ix_account_events_username', 'account_events', ['username'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_account_events_username', table_name='account_events')
    op.drop_table('account_events')
