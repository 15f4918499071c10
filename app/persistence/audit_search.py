"""The auditor's queries over the whole record: every case's events and the account log, in one paged list.

Both logs are searched by one ``UNION ALL`` ordered by time, so a page is a single indexed query
(``audit_events(at)``, ``(actor, at)``, ``account_events(at)``: migration 0017) and the case
columns a row shows (number, process, organisation) come with it, never one query per row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Integer, String, and_, cast, false, func, literal, null, or_, select
from sqlalchemy.orm import Session

from app.persistence.models import AccountEvent, AuditEvent, Deployment, Instance, TaskRow
from app.persistence.queries import Page, Scope

CASE, ACCOUNT = "case", "account"


@dataclass(frozen=True)
class CaseMatch:
    """Events of one kind of act: an action, on one of some steps, whose JSON holds a fragment."""

    action: str
    steps: tuple[str, ...] | None = None
    data_contains: str | None = None


@dataclass(frozen=True)
class EventFilter:
    actor: str | None = None
    case_matches: tuple[CaseMatch, ...] | None = None  # None: every case event; (): none
    account_actions: frozenset[str] | None = None  # None: every account event; empty: none
    accounts: bool = True  # whether the account log is searched at all
    process_id: str | None = None
    instance_id: int | None = None
    case_number: str | None = None
    organisation: str | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive


@dataclass(frozen=True)
class EventRow:
    source: str  # CASE | ACCOUNT
    id: int
    at: datetime
    actor: str
    action: str
    instance_id: int | None
    seq: int | None
    bpmn_id: str | None
    username: str | None  # the account concerned
    data: str
    case_number: str | None
    process_id: str | None
    deployment_id: int | None
    organisation: str | None


def _needs_case(scope: Scope, f: EventFilter) -> bool:
    return not (scope.process_ids is None and scope.organisation is None and f.process_id is None
                and f.case_number is None and f.organisation is None)


def _case_count(session: Session, scope: Scope, f: EventFilter) -> int:
    """How many case events match: joined to their case only when a filter is about the case."""
    stmt = select(func.count()).select_from(AuditEvent)
    if _needs_case(scope, f):
        stmt = stmt.join(Instance, Instance.id == AuditEvent.instance_id)
        stmt = scope.apply(stmt)
    stmt = _case_filters(stmt, f, joined=_needs_case(scope, f))
    return session.scalar(stmt) or 0


def _case_filters(stmt: Any, f: EventFilter, *, joined: bool = True) -> Any:
    if f.case_matches is not None:
        stmt = stmt.where(or_(false(), *(_match(m) for m in f.case_matches)))
    if f.instance_id is not None:
        stmt = stmt.where(AuditEvent.instance_id == f.instance_id)
    if joined:
        if f.process_id is not None:
            stmt = stmt.where(Instance.process_id == f.process_id)
        if f.case_number is not None:
            stmt = stmt.where(Instance.case_number == f.case_number)
        if f.organisation is not None:
            stmt = stmt.where(Instance.organisation == f.organisation)
    return _common(stmt, AuditEvent, f)


def _case_select(scope: Scope, f: EventFilter) -> Any:
    stmt = select(
        literal(CASE).label("source"), AuditEvent.id, AuditEvent.at, AuditEvent.actor, AuditEvent.action,
        AuditEvent.instance_id, AuditEvent.seq, AuditEvent.bpmn_id, cast(null(), String(64)).label("username"),
        AuditEvent.data, Instance.case_number, Instance.process_id, Instance.deployment_id, Instance.organisation,
    ).join(Instance, Instance.id == AuditEvent.instance_id)
    return _case_filters(scope.apply(stmt), f)


def _match(m: CaseMatch) -> Any:
    parts = [AuditEvent.action == m.action]
    if m.steps is not None:
        parts.append(AuditEvent.bpmn_id.in_(m.steps))
    if m.data_contains is not None:
        parts.append(AuditEvent.data.contains(m.data_contains, autoescape=True))
    return and_(*parts)


def _account_select(f: EventFilter) -> Any:
    stmt = select(
        literal(ACCOUNT).label("source"), AccountEvent.id, AccountEvent.at, AccountEvent.actor, AccountEvent.action,
        cast(null(), Integer).label("instance_id"), cast(null(), Integer).label("seq"),
        cast(null(), String(100)).label("bpmn_id"), AccountEvent.username, AccountEvent.data,
        cast(null(), String(40)).label("case_number"), cast(null(), String(100)).label("process_id"),
        cast(null(), Integer).label("deployment_id"), cast(null(), String(100)).label("organisation"),
    )
    if f.account_actions is not None:
        stmt = stmt.where(AccountEvent.action.in_(sorted(f.account_actions)) if f.account_actions else false())
    return _common(stmt, AccountEvent, f)


def _common(stmt: Any, table: Any, f: EventFilter) -> Any:
    if f.actor is not None:
        stmt = stmt.where(table.actor == f.actor)
    if f.since is not None:
        stmt = stmt.where(table.at >= f.since)
    if f.until is not None:
        stmt = stmt.where(table.at < f.until)
    return stmt


def event_page(session: Session, scope: Scope, f: EventFilter, page: int, per_page: int) -> Page:
    """One page of matching events of both logs, newest first (ties: the later-written first).

    Each log is read newest first down its time index and cut at the page's end before the two are
    merged, so a page costs the rows up to it, not a sort of the whole record.
    """
    parts: list[tuple[Any, Any]] = [(_case_select(scope, f), AuditEvent)]
    if f.accounts:
        parts.append((_account_select(f), AccountEvent))
    total = _case_count(session, scope, f)
    if f.accounts:
        total += session.scalar(select(func.count()).select_from(parts[1][0].subquery())) or 0
    end = page * per_page
    cut = [select(part.order_by(table.at.desc(), table.id.desc()).limit(end).subquery()) for part, table in parts]
    union = cut[0].union_all(*cut[1:]).subquery() if len(cut) > 1 else cut[0].subquery()
    stmt = select(union).order_by(union.c.at.desc(), union.c.source.desc(), union.c.id.desc())
    rows = session.execute(stmt.limit(per_page).offset(end - per_page)).all()
    return Page([EventRow(**row._asdict()) for row in rows], total, page, per_page)


def deployments_by_id(session: Session, ids: Sequence[int]) -> dict[int, Deployment]:
    if not ids:
        return {}
    return {d.id: d for d in session.scalars(select(Deployment).where(Deployment.id.in_(sorted(set(ids)))))}


def case_organisations(session: Session) -> list[str]:
    """The organisations cases belong to (the organisation filter's choices)."""
    return sorted(session.scalars(select(Instance.organisation).where(Instance.organisation.is_not(None)).distinct()))


# -- deadlines ----------------------------------------------------------------------------------

def steps_done_with_deadlines(session: Session, scope: Scope, *, since: datetime | None, until: datetime | None,
                              markers: Sequence[str]) -> Iterator[Any]:
    """The events a late-acts report reads, case by case in order: steps completed and every event that may set a
    deadline (its JSON holds one of ``markers``), of the cases with a step completed in the period."""
    done = scope.apply(select(AuditEvent.instance_id).join(Instance).where(AuditEvent.action == "task_completed"))
    if since is not None:
        done = done.where(AuditEvent.at >= since)
    if until is not None:
        done = done.where(AuditEvent.at < until)
    stmt = (
        select(AuditEvent.instance_id, AuditEvent.seq, AuditEvent.at, AuditEvent.actor, AuditEvent.action,
               AuditEvent.bpmn_id, AuditEvent.data, Instance.case_number, Instance.process_id,
               Instance.deployment_id, Instance.organisation)
        .join(Instance, Instance.id == AuditEvent.instance_id)
        .where(AuditEvent.instance_id.in_(done.distinct().scalar_subquery()))
        .where(or_(AuditEvent.action == "task_completed",
                   *(AuditEvent.data.contains(marker, autoescape=True) for marker in markers)))
        .order_by(AuditEvent.instance_id, AuditEvent.seq)
    )
    yield from session.execute(stmt.execution_options(yield_per=2000))


def tasks_past_due(session: Session, scope: Scope, today: date) -> Sequence[Any]:
    """The waiting steps whose stored deadline (``tasks.due_on``) has passed, with their case."""
    stmt = (
        select(TaskRow.instance_id, TaskRow.bpmn_id, TaskRow.name, TaskRow.role, TaskRow.assignee,
               TaskRow.organisation.label("task_organisation"), TaskRow.due_on, Instance.case_number,
               Instance.process_id, Instance.organisation)
        .join(Instance, Instance.id == TaskRow.instance_id)
        .where(TaskRow.due_on.is_not(None), TaskRow.due_on < today)
        .order_by(TaskRow.due_on, TaskRow.instance_id)
    )
    return session.execute(scope.apply(stmt)).all()
