"""Load an instance into the engine and save it back: state, task rows and audit together.

Every service that changes an instance goes through ``save_run`` so the three can never
disagree; the caller's transaction commits them at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from app.engine import SERIALIZER_VERSION, CompiledProcess, WorkflowRun
from app.errors import EngineError, NotFound, StaleVersion, TrailBroken
from app.persistence import audit, queries
from app.persistence.audit import KeyRing
from app.persistence.models import Escalation, Instance, Job, StepFailure, TaskRow
from app.services import access, assignment
from app.services.runtime import Runtime


@dataclass(frozen=True)
class CaseChange:
    """What a change leaves behind: the instance and the tasks now waiting on it."""

    instance: Instance
    tasks: list[TaskRow]


def lock_instance(rt: Runtime, session: Session, instance_id: int, *, checked: bool = True) -> Instance:
    """The case's row, locked for this transaction; refused (TrailBroken) if its row is not what its anchor sealed.

    A writer never builds on a case whose state, summary or trail someone changed behind the
    application's back: the next step would otherwise seal the forgery under the key.
    """
    instance = queries.instance(session, instance_id, for_update=True)
    if instance is None:
        raise NotFound(access.CASE_NOT_FOUND)
    if checked and not audit.row_is_sealed(rt.audit_keys, instance):
        raise TrailBroken()
    return instance


def require_sealed(rt: Runtime, instance: Instance) -> None:
    """Refuse to build on a case whose row is not what its anchor sealed (see ``lock_instance``)."""
    if not audit.row_is_sealed(rt.audit_keys, instance):
        raise TrailBroken()


def relock(rt: Runtime, session: Session, instance_id: int, version: int) -> Instance:
    """The case locked for the save that ends a change run in memory: 409 if it moved since it was read."""
    instance = lock_instance(rt, session, instance_id)
    if instance.version != version:
        raise StaleVersion()
    return instance


def load_run(rt: Runtime, session: Session, instance: Instance) -> tuple[CompiledProcess, WorkflowRun]:
    process = rt.process(session, instance.deployment)
    return process, rt.engine.load(process, instance.state)


def data_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What a step changed in the case data: new or changed values, and removed keys."""
    changed = {k: v for k, v in after.items() if k not in before or before[k] != v}
    removed = sorted(k for k in before if k not in after)
    return {"set": changed, "removed": removed} if removed else {"set": changed}


def save_run(rt: Runtime, session: Session, instance: Instance, run: WorkflowRun, *, actor: str,
             action: str, before: dict[str, Any], task_id: str | None = None, bpmn_id: str | None = None,
             extra: dict[str, Any] | None = None) -> list[TaskRow]:
    """Write state, task rows and one audit event; return the instance's ready task rows."""
    now = rt.now()
    data = run.data
    instance.state = rt.engine.dump(run)
    instance.serializer_version = SERIALIZER_VERSION
    instance.updated_at = now
    instance.outcome = data.get("outcome") if isinstance(data.get("outcome"), str) else None
    instance.status = "completed" if run.completed else "running"
    instance.organisation = case_organisation(run)
    instance.received_on = received_on(data)
    if run.completed and instance.completed_at is None:
        instance.completed_at = now
    session.flush()  # assigns the id of a new instance
    tasks = queries.replace_tasks(session, instance.id, _task_rows(run, instance, now), now)
    fresh = assignment.fresh_rows(tasks)
    payload = {"changes": data_changes(before, data), "steps": run.steps, **(extra or {})}
    audit.append_event(session, rt.audit_keys, instance, at=now, actor=actor, action=action,
                       task_id=task_id, bpmn_id=bpmn_id, data=payload)
    assignment.settle(rt, session, instance, tasks, fresh, now)  # routed officers, drafts of finished tasks
    _raise_escalations(session, rt.audit_keys, instance, run, data, now)
    schedule_timer(session, instance.id, None if run.completed else run.next_timer_at(), now)
    if run.completed:
        audit.append_event(session, rt.audit_keys, instance, at=now, actor="system", action="instance_completed",
                           data={"outcome": instance.outcome})
    for task in tasks:
        task.instance = instance
    return tasks


def case_organisation(run: WorkflowRun) -> str | None:
    """The organisation the case belongs to: the variable its diagram names (``caseOrganisation``), if any."""
    variable = run.process.case_organisation
    value = run.data.get(variable) if variable else None
    return value if isinstance(value, str) and value.strip() else None


def received_on(data: dict[str, Any]) -> date | None:
    """The day the office received the petition, as the case's data says (None when it says none)."""
    value = data.get("received_on")
    try:
        return date.fromisoformat(value[:10]) if isinstance(value, str) else None
    except ValueError:
        return None


# who is told when a legal deadline passes: those the access policy lets acknowledge it
ESCALATION_ROLES = tuple(sorted(access.ROLE_RIGHTS[access.Right.ACKNOWLEDGE_ESCALATIONS], reverse=True))


def _raise_escalations(session: Session, keys: KeyRing, instance: Instance, run: WorkflowRun, data: dict[str, Any],
                       now: datetime) -> None:
    """One escalation per deadline per case (a deadline moved by a resumption is a new deadline): a row for the resolver and
    inspectorate, and an audit line."""
    if not run.escalations:
        return
    known = queries.escalation_keys(session, instance.id)
    for escalated in run.escalations:
        deadline_key = run.process.escalation_deadlines.get(escalated.code)  # declared by the diagram (deadlineVariable)
        deadline = escalated.deadline or (data.get(deadline_key) if deadline_key else None)
        deadline_day = _as_date(deadline, escalated.code) if isinstance(deadline, str) else None
        key = (escalated.code, deadline_day, escalated.subject)
        if key in known:
            continue
        known.add(key)
        session.add(Escalation(
            instance_id=instance.id, code=escalated.code, name=escalated.name, subject=escalated.subject,
            raised_at=now, deadline=deadline_day, roles=" ".join(ESCALATION_ROLES),
        ))
        audit.append_event(session, keys, instance, at=now, actor="system", action="escalation_raised",
                           data={"code": escalated.code, "name": escalated.name, "subject": escalated.subject,
                                 deadline_key or "deadline": deadline, "notified": list(ESCALATION_ROLES)})


def schedule_timer(session: Session, instance_id: int, due_at: datetime | None, now: datetime) -> None:
    """Keep one pending timer job per instance at its next fire time, or none."""
    job = queries.timer_job(session, instance_id)
    if due_at is None:
        if job is not None:
            session.delete(job)
        return
    if job is None:
        session.add(Job(instance_id=instance_id, kind="timer", status="pending", due_at=due_at, attempts=0,
                        created_at=now, updated_at=now))
        return
    job.due_at, job.status, job.attempts, job.updated_at = due_at, "pending", 0, now
    job.locked_by = job.locked_until = job.last_error = None


def _task_rows(run: WorkflowRun, instance: Instance, now: Any) -> list[TaskRow]:
    return [
        TaskRow(
            id=ready.id, instance_id=instance.id, bpmn_id=ready.info.bpmn_id, name=ready.info.name,
            role=ready.info.role, organisation=ready.organisation,
            assignee=None, form=ready.info.form, created_at=now, due_on=_as_date(ready.due_on, ready.info.bpmn_id),
        )
        for ready in run.ready_tasks()
    ]


def _as_date(value: str | None, bpmn_id: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError as exc:
        raise EngineError(f"Hạn xử lý của bước «{bpmn_id}» không phải ngày hợp lệ: {value!r}") from exc


def record_failure(rt: Runtime, instance_id: int, *, actor: str, action: str, error: EngineError,
                   task_id: str | None = None, bpmn_id: str | None = None) -> None:
    """Keep a refused step as an incident for the admins; the case (and its legal trail) is unchanged."""
    with rt.db.writing() as session:
        if queries.instance(session, instance_id) is None:
            return
        session.add(StepFailure(instance_id=instance_id, task_id=task_id, bpmn_id=bpmn_id, actor=actor, action=action,
                                at=rt.now(), message=error.message[:4000],
                                details={k: v for k, v in error.details.items() if isinstance(v, str | int | None)}))
