"""The organisation a case belongs to, on the instance row, so every list is scoped in its query.

Existing cases get it from their state on the next ``flask setup`` (``app.services.upkeep``), which
reads each case's data through the engine; a migration cannot.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('instances', sa.Column('organisation', sa.String(length=100), nullable=True))
    op.create_index('ix_instances_organisation', 'instances', ['organisation'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_instances_organisation', table_name='instances')
    with op.batch_alter_table('instances') as batch_op:
        batch_op.drop_column('organisation')
