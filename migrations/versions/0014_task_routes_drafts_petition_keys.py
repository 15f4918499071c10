"""Work to a named officer, drafts of task forms, and the keys that spot a petition registered twice.

``task_routes``: the officer a case's next tasks of a role (for one organisation, '' = province-level)
go to when they become ready. ``task_drafts``: a form saved without completing it, per task and officer
(not part of the legal trail; deleted when the task stops waiting). ``petition_keys``: SHA-256 digests
of the complainant's ID number, or name and address, each with the first decision's number; existing
cases get theirs on the next ``flask setup`` (``app.services.upkeep``), which reads each case's data.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('task_routes',
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('organisation', sa.String(length=100), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('set_by', sa.String(length=64), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id']),
    sa.PrimaryKeyConstraint('instance_id', 'role', 'organisation'),
    )
    op.create_table('task_drafts',
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id']),
    sa.PrimaryKeyConstraint('task_id', 'username'),
    )
    op.create_index('ix_task_drafts_instance_id', 'task_drafts', ['instance_id'])
    op.create_table('petition_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id']),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_petition_keys_key', 'petition_keys', ['key'])
    op.create_index('ix_petition_keys_instance_id', 'petition_keys', ['instance_id'])


def downgrade() -> None:
    op.drop_index('ix_petition_keys_instance_id', table_name='petition_keys')
    op.drop_index('ix_petition_keys_key', table_name='petition_keys')
    op.drop_table('petition_keys')
    op.drop_index('ix_task_drafts_instance_id', table_name='task_drafts')
    op.drop_table('task_drafts')
    op.drop_table('task_routes')
