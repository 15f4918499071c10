"""Indexes for the auditor's search across the record: events by time, by officer, by kind of act (action, step).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 13:15:00
"""

from __future__ import annotations

from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_audit_events_at", "audit_events", ["at"]),
    ("ix_audit_events_actor_at", "audit_events", ["actor", "at"]),
    ("ix_audit_events_action_step_at", "audit_events", ["action", "bpmn_id", "at"]),  # a kind of act is an action on steps
    ("ix_account_events_at", "account_events", ["at"]),
    ("ix_account_events_actor_at", "account_events", ["actor", "at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
