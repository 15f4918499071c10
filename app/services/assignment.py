"""Work to a named officer: who may take a step, and the routes that hand a case's next steps to them.

A route says "this case's next tasks of this role (for this organisation) go to this officer". It is
set when an assigner hands a step to a named officer, and when a form names the officer: the
verification decision's «Người được giao» (``assign_verification``, ``verifier.officer``), whose
page offers the verifier-role officers by name and stores the chosen user name. Each task that
becomes ready is then given to the route's officer — if that officer still may work it (active,
the role, the organisation) — with an event in the case's trail. Giving a task back clears the route.

A value the form names that is no user who may take the work (a name typed through the API) routes
nothing: the steps stay with the role, as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.engine import CompiledProcess
from app.persistence import audit, queries, worklist
from app.persistence.models import Instance, TaskRow, User
from app.services import access
from app.services.sessions import principal_of


@dataclass(frozen=True)
class Officer:
    username: str
    full_name: str
    organisation: str | None


def officers(session: Session, role: str, organisation: str | None) -> list[Officer]:
    """The active users who may work tasks of ``role`` for ``organisation``, by name (the access policy decides)."""
    return [Officer(u.username, u.full_name, u.organisation) for u in worklist.role_holders(session, role)
            if access.may_take(principal_of(u), role, organisation)]


def may_take(session: Session, username: str, role: str, organisation: str | None) -> bool:
    user = queries.user_by_username(session, username)
    return user is not None and user.is_active and access.may_take(principal_of(user), role, organisation)


def names(session: Session, usernames: Iterable[str]) -> dict[str, str]:
    return queries.user_names(session, [u for u in usernames if u])


def officer_fields(process: CompiledProcess, form: str) -> dict[str, str]:
    """The fields of a step's form that name an officer (``x-assigns-role``), as dotted paths, with the role they route."""
    return process.officer_fields.get(form, {})


def officer_paths(process: CompiledProcess) -> set[str]:
    """Every form field of a process that names an officer (by user name), as dotted paths."""
    return {path for fields in process.officer_fields.values() for path in fields}


def route_from_form(session: Session, instance: Instance, process: CompiledProcess, form: str, data: dict[str, Any],
                    organisation: str | None, *, by: str, now: datetime) -> str | None:
    """Route the role a completed form names an officer for to that officer; the user name, or None."""
    for path, role in officer_fields(process, form).items():
        value: Any = data
        for key in path.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str) and may_take(session, value, role, organisation):
            worklist.set_route(session, instance.id, role, organisation, value, by=by, at=now)
            return value
    return None


def settle(session: Session, instance: Instance, fresh: Sequence[TaskRow], events: audit.Appended,
           now: datetime) -> None:
    """Before a save writes them: give each newly ready task to its case's routed officer, in the trail too.

    (Drafts of the tasks that stopped waiting go with their rows: ``ON DELETE CASCADE``.)
    """
    for row in fresh:
        found = worklist.route(session, instance.id, row.role, row.organisation)
        if found is None or row.assignee or not may_take(session, found.username, row.role, row.organisation):
            continue
        row.assignee = found.username
        events.add(at=now, actor="system", action="task_assigned", task_id=row.id, bpmn_id=row.bpmn_id,
                   data={"assignee": found.username, "step": row.name, "routed_by": found.set_by})


def user(session: Session, username: str) -> User | None:
    return queries.user_by_username(session, username)
