"""A task's drafts go with its row: ``task_drafts.task_id`` references ``tasks.id`` ON DELETE CASCADE.

The save of a change deletes the rows of the tasks that stopped waiting with one statement; their
drafts no longer need a statement of their own. Drafts already orphaned (their task gone) are dropped.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 15:20:00
"""

from __future__ import annotations

from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

_FK = 'fk_task_drafts_task_id_tasks'


def upgrade() -> None:
    op.execute("DELETE FROM task_drafts WHERE task_id NOT IN (SELECT id FROM tasks)")
    with op.batch_alter_table('task_drafts', schema=None) as batch_op:
        batch_op.create_foreign_key(_FK, 'tasks', ['task_id'], ['id'], ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('task_drafts', schema=None) as batch_op:
        batch_op.drop_constraint(_FK, type_='foreignkey')
