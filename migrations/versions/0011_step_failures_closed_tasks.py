"""Refused steps become incidents, not events of the legal trail; finished tasks leave a tombstone.

``step_failures``: a step or letter the engine refused (a script failed, a budget ran out), for the
admins to see (``GET /api/incidents``); the case's audit trail records only what happened to it.
``closed_tasks``: the id of every task that stopped waiting (done, cancelled by a withdrawal…), so a
late request for it is answered 409 on every database, never 404.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('step_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=True),
    sa.Column('bpmn_id', sa.String(length=100), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id']),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_step_failures_at', 'step_failures', ['at'])
    op.create_index('ix_step_failures_instance_id', 'step_failures', ['instance_id'])
    op.create_table('closed_tasks',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('bpmn_id', sa.String(length=100), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id']),
    sa.PrimaryKeyConstraint('id'),
    )
    # tombstones for the tasks an existing database already finished (their ids are in the trail)
    op.execute("""INSERT INTO closed_tasks (id, instance_id, bpmn_id, closed_at)
                  SELECT task_id, min(instance_id), coalesce(max(bpmn_id), ''), max(at) FROM audit_events
                  WHERE task_id IS NOT NULL AND task_id NOT IN (SELECT id FROM tasks) GROUP BY task_id""")


def downgrade() -> None:
    op.drop_table('closed_tasks')
    op.drop_index('ix_step_failures_instance_id', table_name='step_failures')
    op.drop_index('ix_step_failures_at', table_name='step_failures')
    op.drop_table('step_failures')
