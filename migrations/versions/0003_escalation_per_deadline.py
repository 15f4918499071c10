"""One escalation per deadline, not per kind: a suspended case whose clock restarts can miss again.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 10:05:00
"""

from __future__ import annotations

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# 0002 left the (instance_id, code) constraint unnamed; this names it the way each backend did.
_OLD_UNIQUE = {"postgresql": "escalations_instance_id_code_key", "sqlite": "uq_escalations_instance_id"}
_NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade() -> None:
    old = _OLD_UNIQUE[op.get_bind().dialect.name]
    with op.batch_alter_table('escalations', schema=None, naming_convention=_NAMING) as batch_op:
        batch_op.drop_constraint(old, type_='unique')
        batch_op.create_unique_constraint('uq_escalations_instance_code_deadline', ['instance_id', 'code', 'deadline'])


def downgrade() -> None:
    with op.batch_alter_table('escalations', schema=None, naming_convention=_NAMING) as batch_op:
        batch_op.drop_constraint('uq_escalations_instance_code_deadline', type_='unique')
        batch_op.create_unique_constraint(_OLD_UNIQUE[op.get_bind().dialect.name], ['instance_id', 'code'])
