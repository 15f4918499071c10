"""Jobs and incidents for the worker, escalations, the calendar override table (seeded).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 08:52:28.251437
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('calendar_overrides',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('escalations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('roles', sa.String(length=200), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('instance_id', 'code')
    )
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalations_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index('ix_escalations_open', ['acknowledged_at', 'raised_at'], unique=False)

    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_by', sa.String(length=100), nullable=True),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('instance_id', 'kind')
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_due', ['status', 'due_at'], unique=False)
    _seed_calendar()


def _seed_calendar() -> None:
    """Load the national calendar decisions shipped with the code; the CLI edits them afterwards."""
    import json
    from datetime import UTC, date, datetime
    from pathlib import Path

    source = Path(__file__).resolve().parents[2] / "app" / "engine" / "calendar_overrides.json"
    table = sa.table("calendar_overrides", sa.column("day", sa.Date), sa.column("kind", sa.String),
                     sa.column("reason", sa.String), sa.column("source", sa.String),
                     sa.column("created_by", sa.String), sa.column("created_at", sa.DateTime(timezone=True)))
    now = datetime.now(UTC)
    rows = [{"day": date.fromisoformat(e["day"]), "kind": e["kind"], "reason": e["reason"], "source": e["source"],
             "created_by": "migration 0002", "created_at": now}
            for e in json.loads(source.read_text(encoding="utf-8"))]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_due')

    op.drop_table('jobs')
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_index('ix_escalations_open')
        batch_op.drop_index(batch_op.f('ix_escalations_instance_id'))

    op.drop_table('escalations')
    op.drop_table('calendar_overrides')
    op.drop_table('calendar_changes')
