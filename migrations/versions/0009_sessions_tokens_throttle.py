"""Server-side web sessions, expiring and revocable API tokens, sign-in throttling per user name.

Existing tokens get an expiry 30 days after this migration (they had none); existing cookie
sessions are not carried over (officers sign in again).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 06:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=40), nullable=True),
    sa.Column('client_address', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_sha256'),
    )
    op.create_index('ix_user_sessions_user_id', 'user_sessions', ['user_id'], unique=False)
    op.create_table('sign_in_throttle',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('first_failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name'),
    )
    with op.batch_alter_table('api_tokens') as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('revoked_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('revoke_reason', sa.String(length=40), nullable=True))
    expiry = datetime.now(UTC) + timedelta(days=30)
    op.get_bind().execute(sa.text("UPDATE api_tokens SET expires_at = :expiry"),
                          {"expiry": expiry if op.get_bind().dialect.name != "sqlite" else expiry.replace(tzinfo=None)})
    with op.batch_alter_table('api_tokens') as batch_op:
        batch_op.alter_column('expires_at', nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('api_tokens') as batch_op:
        batch_op.drop_column('revoke_reason')
        batch_op.drop_column('revoked_by')
        batch_op.drop_column('expires_at')
    op.drop_table('sign_in_throttle')
    op.drop_index('ix_user_sessions_user_id', table_name='user_sessions')
    op.drop_table('user_sessions')
