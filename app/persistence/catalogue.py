"""Queries on the organisation catalogue: its entries, their names, and what still refers to one.

Kept beside ``queries`` (which holds the cases' and tasks' queries) because the catalogue is asked
from every page that names an organisation and from the admin's pages alone otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.persistence.models import Instance, Organisation, TaskRow, User


@dataclass(frozen=True)
class Usage:
    """What refers to an organisation: a reason to keep it (never deleted) or to refuse ending it."""

    users: int
    active_users: int
    cases: int
    running_cases: int
    tasks: int
    children: int

    @property
    def anything(self) -> bool:
        return any((self.users, self.cases, self.tasks, self.children))


def organisations(session: Session) -> Sequence[Organisation]:
    return session.scalars(select(Organisation).order_by(Organisation.name, Organisation.code)).all()


def organisation(session: Session, organisation_id: int) -> Organisation | None:
    return session.get(Organisation, organisation_id)


def by_code(session: Session, code: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.code == code))


def names(session: Session) -> dict[str, str]:
    """Code -> Vietnamese name of every entry (ended ones too: old cases still name them)."""
    return {code: name for code, name in session.execute(select(Organisation.code, Organisation.name))}


def usage(session: Session, entry: Organisation) -> Usage:
    def count(stmt: object) -> int:
        return int(session.scalar(stmt) or 0)  # type: ignore[call-overload]

    code = entry.code
    return Usage(
        users=count(select(func.count()).select_from(User).where(User.organisation == code)),
        active_users=count(select(func.count()).select_from(User).where(User.organisation == code,
                                                                        User.is_active.is_(True))),
        cases=count(select(func.count()).select_from(Instance).where(Instance.organisation == code)),
        running_cases=count(select(func.count()).select_from(Instance).where(Instance.organisation == code,
                                                                             Instance.status == "running")),
        tasks=count(select(func.count()).select_from(TaskRow).where(TaskRow.organisation == code)),
        children=count(select(func.count()).select_from(Organisation).where(Organisation.parent_id == entry.id)),
    )


def used_codes(session: Session) -> set[str]:
    """Every organisation code users, cases and waiting tasks hold (the catalogue should know each)."""
    found: set[str] = set()
    for column in (User.organisation, Instance.organisation, TaskRow.organisation):
        found |= set(session.scalars(select(column).where(column.is_not(None)).distinct()))
    return found
