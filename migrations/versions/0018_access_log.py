"""Who read what: the access log, one keyed chain per case, anchored in ``access_anchors``.

``access_events`` is append-only like the audit trail, with one exception that retention needs:
a DELETE passes only for events at or below the prune mark (``base_seq``) their case's anchor
already records, so the only rows that can go are those a sealed anchor says were pruned. UPDATE
is always refused, TRUNCATE too on PostgreSQL; an anchor row is never deleted.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

PRUNED = ("(SELECT base_seq FROM access_anchors WHERE instance_id = OLD.instance_id)")


def upgrade() -> None:
    op.create_table('access_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('target', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('instance_id', 'seq'),
    )
    op.create_index('ix_access_events_user_at', 'access_events', ['username', 'at'])
    op.create_table('access_anchors',
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('head', sa.String(length=64), nullable=False),
    sa.Column('base_seq', sa.Integer(), nullable=False),
    sa.Column('base_head', sa.String(length=64), nullable=False),
    sa.Column('anchor', sa.String(length=100), nullable=False),
    sa.Column('checkpointed', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('instance_id'),
    )
    if op.get_bind().dialect.name == "postgresql":
        _guard_postgres()
    else:
        _guard_sqlite()


def _guard_postgres() -> None:
    op.execute(f"""CREATE FUNCTION access_events_prune_only() RETURNS trigger LANGUAGE plpgsql AS $$
                  BEGIN
                    IF TG_OP = 'DELETE' AND OLD.seq <= COALESCE({PRUNED}, 0) THEN RETURN OLD; END IF;
                    RAISE EXCEPTION 'access_events is append-only (only pruned events may be deleted)';
                  END $$""")
    op.execute("CREATE TRIGGER access_events_no_change BEFORE UPDATE OR DELETE ON access_events "
               "FOR EACH ROW EXECUTE FUNCTION access_events_prune_only()")
    op.execute("CREATE TRIGGER access_anchors_no_delete BEFORE DELETE ON access_anchors "
               "FOR EACH ROW EXECUTE FUNCTION append_only()")
    for table in ("access_events", "access_anchors"):
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION append_only()")


def _guard_sqlite() -> None:
    op.execute("CREATE TRIGGER access_events_no_update BEFORE UPDATE ON access_events "
               "BEGIN SELECT RAISE(ABORT, 'access_events is append-only'); END")
    op.execute(f"CREATE TRIGGER access_events_no_delete BEFORE DELETE ON access_events "
               f"WHEN OLD.seq > COALESCE({PRUNED}, 0) "
               "BEGIN SELECT RAISE(ABORT, 'access_events is append-only (only pruned events may be deleted)'); END")
    op.execute("CREATE TRIGGER access_anchors_no_delete BEFORE DELETE ON access_anchors "
               "BEGIN SELECT RAISE(ABORT, 'access_anchors rows are never deleted'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("access_events", "access_anchors"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP TRIGGER IF EXISTS access_anchors_no_delete ON access_anchors")
        op.execute("DROP TRIGGER IF EXISTS access_events_no_change ON access_events")
        op.execute("DROP FUNCTION IF EXISTS access_events_prune_only()")
    else:
        for name in ("access_events_no_update", "access_events_no_delete", "access_anchors_no_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table('access_anchors')
    op.drop_index('ix_access_events_user_at', table_name='access_events')
    op.drop_table('access_events')
