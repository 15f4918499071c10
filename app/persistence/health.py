"""The few small queries an operator's probe and a metrics scrape make: cheap enough to poll every few seconds."""

from __future__ import annotations

from functools import cache

from alembic.script import ScriptDirectory
from sqlalchemy import exc, func, select, text
from sqlalchemy.orm import Session

from app.persistence.migrate import alembic_config
from app.persistence.models import Deployment, Escalation, Job


@cache
def head_revision() -> str | None:
    """The newest migration in migrations/ (read once per process: the code does not change under it)."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def ping(session: Session) -> None:
    """Raises when the database does not answer (a missing table must not be mistaken for that)."""
    session.execute(text("SELECT 1"))


def database_revision(session: Session) -> str | None:
    """The revision the database is at; None when it was never migrated (no alembic_version table or row)."""
    try:
        with session.begin_nested():  # a missing table must not spoil the caller's transaction (PostgreSQL)
            return session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (exc.OperationalError, exc.ProgrammingError):  # a database made without migrations has no such table
        return None


def deployed_process_ids(session: Session) -> set[str]:
    return set(session.scalars(select(Deployment.process_id).distinct()))


def job_counts(session: Session) -> dict[str, int]:
    """Timer jobs waiting (``pending``), retrying after a failure (``failing``) and given up on (``incident``)."""
    failing = Job.last_error.is_not(None) & (Job.status == "pending")
    rows = session.execute(select(Job.status, failing, func.count()).group_by(Job.status, failing)).all()
    counts = {"pending": 0, "failing": 0, "incident": 0}
    for status, is_failing, count in rows:
        if status in counts:
            counts[status] += count
        if is_failing:
            counts["failing"] += count
    return counts


def open_escalations(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Escalation).where(Escalation.acknowledged_at.is_(None)))
               or 0)
