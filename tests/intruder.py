"""Someone with the database owner's rights but without the audit key: switches the guards off and edits rows.

This is the attacker the keyed chains, anchors and checkpoints are built against; tests use it to
tamper and then check that ``audit verify``, the history API and the pages all notice.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, text

GUARDED = ("audit_events", "account_events", "audit_checkpoints", "audit_checkpoint_entries", "case_notes",
           "access_events", "access_anchors")


def intrude(owner_url: str, *statements: str | tuple[str, dict[str, Any]]) -> None:
    engine = create_engine(owner_url)
    try:
        with engine.begin() as connection:
            postgres = connection.dialect.name == "postgresql"
            for table in GUARDED:
                if postgres:
                    connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
                else:
                    for verb in ("update", "delete"):
                        connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{verb}"))
            for statement in statements:
                sql, params = statement if isinstance(statement, tuple) else (statement, {})
                connection.execute(text(sql), params)
            if postgres:
                for table in GUARDED:
                    connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
    finally:
        engine.dispose()
