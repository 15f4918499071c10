"""Keyed audit chains: the key id of every MAC, the anchors, signed checkpoints, append-only guards everywhere.

Existing events keep their plain SHA-256 (``key_id`` = ''); the first ``flask setup`` afterwards
appends one ``audit_rekeyed`` event to every existing chain, keyed, sealing what was there, and
then never again (see ``app.persistence.audit``). The anchor also seals a digest of the case's
state and summary; an attachment points at the keyed event that recorded its SHA-256. The account log and the checkpoint tables become append-only like the
case trail; on PostgreSQL TRUNCATE is refused too.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

GUARDED = ("account_events", "audit_checkpoints", "audit_checkpoint_entries")


def upgrade() -> None:
    op.add_column('audit_events', sa.Column('key_id', sa.String(length=16), nullable=False, server_default=''))
    op.add_column('account_events', sa.Column('key_id', sa.String(length=16), nullable=False, server_default=''))
    for name, kind in (('audit_seq', sa.Integer()), ('audit_head', sa.String(length=64)),
                       ('audit_anchor', sa.String(length=100)), ('audit_state', sa.String(length=64)),
                       ('audit_checkpointed', sa.Integer())):
        op.add_column('instances', sa.Column(name, kind, nullable=True))
    op.add_column('attachments', sa.Column('audit_seq', sa.Integer(), nullable=True))
    op.create_table('log_anchors',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('head', sa.String(length=100), nullable=False),
    sa.Column('anchor', sa.String(length=100), nullable=False),
    sa.Column('checkpointed', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('name'),
    )
    op.create_table('audit_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('prev_mac', sa.String(length=100), nullable=False),
    sa.Column('mac', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('seq'),
    )
    op.create_table('audit_checkpoint_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checkpoint', sa.Integer(), nullable=False),
    sa.Column('chain', sa.String(length=40), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('head', sa.String(length=64), nullable=False),
    sa.Column('sealed', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_audit_checkpoint_entries_checkpoint', 'audit_checkpoint_entries', ['checkpoint'])
    op.create_index('ix_checkpoint_entries_chain', 'audit_checkpoint_entries', ['chain', 'checkpoint'])
    if op.get_bind().dialect.name == "postgresql":
        _guard_postgres()
    else:
        _guard_sqlite()


def _guard_postgres() -> None:
    op.execute("""CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                  BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$""")
    for table in GUARDED:
        op.execute(f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION append_only()")
    for table in ("audit_events", *GUARDED):
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION append_only()")


def _guard_sqlite() -> None:
    for table in GUARDED:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in GUARDED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
        for table in ("audit_events", *GUARDED):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS append_only()")
    else:
        for table in GUARDED:
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
    op.drop_table('audit_checkpoint_entries')
    op.drop_table('audit_checkpoints')
    op.drop_table('log_anchors')
    for name in ('audit_checkpointed', 'audit_state', 'audit_anchor', 'audit_head', 'audit_seq'):
        op.drop_column('instances', name)
    op.drop_column('attachments', 'audit_seq')
    op.drop_column('account_events', 'key_id')
    op.drop_column('audit_events', 'key_id')
