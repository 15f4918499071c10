"""Internal notes on a case; a note with an acknowledgement; the day a petition was received, for the dashboard.

``case_notes``: officers' comments on a case, never part of its data or decision; rows are never
changed or deleted (triggers, and on PostgreSQL the application role may only insert and read).
``escalations.note``: what the officer who acknowledged an escalation wrote about it.
``instances.received_on``: the case data's ``received_on`` (the day the office received the
petition), kept with every save so the dashboard counts petitions by that day, not by the day they
were typed; cases saved before this migration have none and are counted by the day they were created.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('audit_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id']),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_case_notes_instance_id', 'case_notes', ['instance_id'])
    op.add_column('escalations', sa.Column('note', sa.Text(), nullable=True))
    op.add_column('instances', sa.Column('received_on', sa.Date(), nullable=True))
    op.create_index('ix_instances_received_on', 'instances', ['received_on'])
    if op.get_bind().dialect.name == "postgresql":  # append_only() was created by 0010
        op.execute("CREATE TRIGGER case_notes_no_change BEFORE UPDATE OR DELETE ON case_notes "
                   "FOR EACH ROW EXECUTE FUNCTION append_only()")
        op.execute("CREATE TRIGGER case_notes_no_truncate BEFORE TRUNCATE ON case_notes "
                   "FOR EACH STATEMENT EXECUTE FUNCTION append_only()")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER case_notes_no_{verb.lower()} BEFORE {verb} ON case_notes "
                       "BEGIN SELECT RAISE(ABORT, 'case_notes is append-only'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_notes_no_change ON case_notes")
        op.execute("DROP TRIGGER IF EXISTS case_notes_no_truncate ON case_notes")
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS case_notes_no_{verb}")
    op.drop_index('ix_instances_received_on', table_name='instances')
    with op.batch_alter_table('instances') as batch:
        batch.drop_column('received_on')
    with op.batch_alter_table('escalations') as batch:
        batch.drop_column('note')
    op.drop_index('ix_case_notes_instance_id', table_name='case_notes')
    op.drop_table('case_notes')
