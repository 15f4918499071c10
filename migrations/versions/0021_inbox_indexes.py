"""Indexes for the inbox at 100,000 cases.

The inbox's count of a role's ready tasks and the step filter's distinct steps read every task row
of the role (7,500 at 100,000 cases / 20,000 open tasks); these two covering indexes let SQLite and
PostgreSQL answer both from the index alone (bench/inbox.py: GET /api/tasks p50 28 → 16 ms).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 15:05:00
"""

from __future__ import annotations

from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_tasks_role_org_instance', 'tasks', ['role', 'organisation', 'instance_id'])
    op.create_index('ix_tasks_role_step', 'tasks', ['role', 'bpmn_id', 'name'])


def downgrade() -> None:
    op.drop_index('ix_tasks_role_step', table_name='tasks')
    op.drop_index('ix_tasks_role_org_instance', table_name='tasks')
