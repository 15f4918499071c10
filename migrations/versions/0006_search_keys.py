"""Folded search keys (lower case, no diacritics) on cases and register records, so a search for
"tran thi" finds "Trần Thị" on SQLite and PostgreSQL alike.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.persistence import search

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_key', sa.String(length=400), nullable=False, server_default=''))
    with op.batch_alter_table('reception_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_key', sa.Text(), nullable=False, server_default=''))
    _backfill()


def _backfill() -> None:
    """Existing rows get the key their model would compute now (same function, same result)."""
    bind = op.get_bind()
    instances = sa.table('instances', sa.column('id', sa.Integer), sa.column('case_number', sa.String),
                         sa.column('title', sa.String), sa.column('search_key', sa.String))
    for row in bind.execute(sa.select(instances.c.id, instances.c.case_number, instances.c.title)).all():
        bind.execute(instances.update().where(instances.c.id == row.id)
                     .values(search_key=search.case_key(row.case_number, row.title)))
    records = sa.table('reception_records', sa.column('id', sa.Integer), sa.column('details', sa.JSON),
                       sa.column('address', sa.String), sa.column('content', sa.Text),
                       sa.column('search_key', sa.Text))
    for row in bind.execute(sa.select(records.c.id, records.c.details, records.c.address, records.c.content)).all():
        bind.execute(records.update().where(records.c.id == row.id)
                     .values(search_key=search.record_key(row.details, row.address, row.content)))


def downgrade() -> None:
    with op.batch_alter_table('reception_records', schema=None) as batch_op:
        batch_op.drop_column('search_key')
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.drop_column('search_key')
