"""Run the Alembic migrations in ``migrations/`` against a database URL, and give the application its rights.

On PostgreSQL the schema belongs to an owner role that runs the migrations; the application
connects as another role that may read and change the working tables but only read and insert
into the append-only logs (no UPDATE, DELETE or TRUNCATE), so neither a bug nor a stolen
application password can rewrite the audit trail through the application's connection.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, make_url, text

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
APPEND_ONLY = ("audit_events", "account_events", "audit_checkpoints", "audit_checkpoint_entries", "case_notes")
# the access log: pruned events may be deleted (a trigger lets only those through), nothing else changes
PRUNABLE = ("access_events",)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


def app_role(owner_url: str, app_url: str) -> str | None:
    """The application's own PostgreSQL role, when it is not the owner's (None: nothing to grant)."""
    owner, app = make_url(owner_url), make_url(app_url)
    if not owner.drivername.startswith("postgresql") or not app.username or app.username == owner.username:
        return None
    return app.username


def grant_app_role(owner_url: str, role: str) -> None:
    """Give ``role`` exactly the rights the application needs, as the owner; safe to run after every migration."""
    engine = create_engine(owner_url)
    try:
        with engine.begin() as connection:
            quoted = connection.dialect.identifier_preparer.quote(role)
            logs = ", ".join(APPEND_ONLY)
            for statement in (
                f"GRANT USAGE ON SCHEMA public TO {quoted}",
                f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quoted}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
                f"REVOKE UPDATE, DELETE, TRUNCATE ON {logs} FROM {quoted}",
                f"REVOKE UPDATE, TRUNCATE ON {', '.join(PRUNABLE)} FROM {quoted}",
                f"REVOKE DELETE, TRUNCATE ON access_anchors FROM {quoted}",
                f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {quoted}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
            ):
                connection.execute(text(statement))
    finally:
        engine.dispose()


def upgrade_and_grant(owner_url: str, app_url: str) -> None:
    upgrade(owner_url)
    role = app_role(owner_url, app_url)
    if role is not None:
        grant_app_role(owner_url, role)
