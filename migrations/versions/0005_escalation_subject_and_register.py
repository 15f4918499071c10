"""Escalations name their subject (e.g. the unit of a reception plan that is late), and the
citizen-reception register of the National Assembly session plan.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject', sa.String(length=200), nullable=True))
        batch_op.drop_constraint('uq_escalations_instance_code_deadline', type_='unique')
        batch_op.create_unique_constraint('uq_escalations_once', ['instance_id', 'code', 'deadline', 'subject'])
    op.create_table('reception_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_instance_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('people_count', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('group_case', sa.Boolean(), nullable=False),
    sa.Column('bypassing', sa.Boolean(), nullable=False),
    sa.Column('protracted', sa.Boolean(), nullable=False),
    sa.Column('within_competence', sa.Boolean(), nullable=False),
    sa.Column('handling', sa.String(length=20), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('case_instance_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_instance_id'], ['instances.id'], ),
    sa.ForeignKeyConstraint(['plan_instance_id'], ['instances.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_instance_id', 'sequence')
    )
    with op.batch_alter_table('reception_records', schema=None) as batch_op:
        batch_op.create_index('ix_reception_records_plan_day', ['plan_instance_id', 'received_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_reception_records_case_instance_id'), ['case_instance_id'], unique=False)


def downgrade() -> None:
    op.drop_table('reception_records')
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_constraint('uq_escalations_once', type_='unique')
        batch_op.create_unique_constraint('uq_escalations_instance_code_deadline', ['instance_id', 'code', 'deadline'])
        batch_op.drop_column('subject')
