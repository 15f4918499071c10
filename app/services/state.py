"""Load an instance into the engine and save it back: state, task rows and audit together.

Every service that changes an instance goes through ``save_run`` so the three can never
disagree; the caller's transaction commits them at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.engine import SERIALIZER_VERSION, CompiledProcess, WorkflowRun
from app.errors import EngineError, NotFound, StaleVersion, TrailBroken
from app.persistence import audit, queries
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


def require_task_as_sealed(run: WorkflowRun, row: TaskRow) -> None:
    """Refuse (TrailBroken) a task row that says other than the sealed state about its step, lane or organisation.

    Who may work a task is the engine's answer for the ready task (the deployed diagram's lane, the
    organisation the case's data routes it to), never the working ``tasks`` row alone: anyone with the
    database's rights can edit that row, but not the state its anchor sealed. A row the engine no longer
    has as ready is left to the engine to refuse.
    """
    facts = run.step_facts(row.id)
    if facts is not None and facts != (row.bpmn_id, row.role, row.organisation, row.form):
        raise TrailBroken()


def relock(rt: Runtime, session: Session, instance_id: int, version: int) -> Instance:
    """The case locked for the save that ends a change run in memory: 409 if it moved since it was read."""
    instance = lock_instance(rt, session, instance_id)
    if instance.version != version:
        raise StaleVersion()
    return instance


def load_run(rt: Runtime, session: Session, instance: Instance,
             calendar: tuple[int, int] | None = None) -> tuple[CompiledProcess, WorkflowRun]:
    process = rt.process(session, instance.deployment, calendar)
    return process, rt.engine.load(process, instance.state)


@dataclass(frozen=True)
class Seen:
    """What the read phase saw of a case, so that its save needs not read it again.

    Valid only with a save that is conditioned on the version and trail head read with it
    (``save_run`` does so): then nothing of the case changed in between.
    """

    tasks: list[TaskRow]  # its waiting task rows
    timer_job: bool  # it had a timer job
    routed: bool  # it had routes to named officers
    created: bool = False  # inserted by this transaction: its trail starts here
    timer_settled: datetime | None = None  # its job's due time, when the job was already as a save leaves it

    @staticmethod
    def new() -> Seen:
        """A case being created: nothing waits, nothing is routed, its (empty) chain is anchored by its first save."""
        return Seen([], False, False, created=True)


def data_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What a step changed in the case data: new or changed values, and removed keys."""
    changed = {k: v for k, v in after.items() if k not in before or before[k] != v}
    removed = sorted(k for k in before if k not in after)
    return {"set": changed, "removed": removed} if removed else {"set": changed}


def save_run(rt: Runtime, session: Session, instance: Instance, run: WorkflowRun, *, actor: str,
             action: str, before: dict[str, Any], task_id: str | None = None, bpmn_id: str | None = None,
             extra: dict[str, Any] | None = None, seen: Seen | None = None) -> list[TaskRow]:
    """Write state, task rows and the change's audit events; return the instance's ready task rows.

    Everything is worked out in memory first, then written with one statement per table: the case's
    row by one UPDATE conditioned on the version and trail head it was read with (409 if either moved:
    for a caller holding the row's lock they cannot), the finished tasks deleted, their tombstones
    and the new tasks inserted, the events inserted. ``seen``: what the read phase knew of the case
    (its task rows, timer and routes); without it they are read here.
    """
    now = rt.now()
    data = run.data
    session.flush()  # a new case gets its id; the caller's own changes to the row reach it first
    version, audit_seq = instance.version, instance.audit_seq
    created = seen is not None and seen.created and audit_seq is None and instance.audit_anchor is None
    seq, head = (0, audit.GENESIS) if created else audit.sealed_head(rt.audit_keys, instance)
    events = audit.Appended(rt.audit_keys, instance.id, seq, head)
    values: dict[str, Any] = {
        "state": rt.engine.dump(run), "serializer_version": SERIALIZER_VERSION, "updated_at": now,
        "outcome": data.get("outcome") if isinstance(data.get("outcome"), str) else None,
        "status": "completed" if run.completed else "running", "organisation": case_organisation(run),
        "received_on": received_on(data)}
    if run.completed and instance.completed_at is None:
        values["completed_at"] = now
    waiting = list(seen.tasks) if seen is not None else list(queries.instance_tasks(session, instance.id))
    tasks, fresh, finished = _changed_tasks(session, waiting, _task_rows(run, instance, now))
    payload = {"changes": data_changes(before, data), "steps": run.steps, **(extra or {})}
    events.add(at=now, actor=actor, action=action, task_id=task_id, bpmn_id=bpmn_id, data=payload)
    if seen is None or seen.routed:
        assignment.settle(session, instance, fresh, events, now)  # routed officers
    _raise_escalations(session, events, instance, run, data, now)
    if run.completed:
        events.add(at=now, actor="system", action="instance_completed", data={"outcome": values["outcome"]})
    values["version"] = version + 1
    for name, value in values.items():
        set_committed_value(instance, name, value)
    values.update(audit.anchor_values(rt.audit_keys, instance, events.seq, events.head))
    if not queries.update_instance(session, instance.id, version, audit_seq, values):
        raise StaleVersion()
    for name in ("audit_seq", "audit_head", "audit_anchor", "audit_state"):
        set_committed_value(instance, name, values[name])
    queries.delete_tasks(session, [t.id for t in finished])
    queries.close_tasks(session, finished, now)
    queries.insert_tasks(session, fresh)
    audit.insert_events(session, events.rows)
    timer = None if run.completed else run.next_timer_at()
    if seen is None:
        schedule_timer(session, instance.id, timer, now)
    elif (timer is not None or seen.timer_job) and (timer is None or timer != seen.timer_settled):
        queries.set_timer(session, instance.id, timer, now)  # unless the job already waits for that moment
    for task in tasks:
        task.instance = instance
    return tasks


_STEP_FACTS = ("bpmn_id", "name", "role", "organisation", "form")


def _changed_tasks(session: Session, waiting: list[TaskRow],
                   ready: list[TaskRow]) -> tuple[list[TaskRow], list[TaskRow], list[TaskRow]]:
    """The rows now waiting (kept ones keep their holder), the fresh ones, and the ones that stopped waiting."""
    existing = {t.id: t for t in waiting}
    wanted = {r.id for r in ready}
    current, fresh = [], []
    for row in ready:
        kept = existing.get(row.id)
        if kept is None:
            fresh.append(row)
            current.append(row)
            continue
        if kept.due_on != row.due_on:  # a resumed case's deadlines moved
            queries.set_task_due(session, kept.id, row.due_on)
            set_committed_value(kept, "due_on", row.due_on)
        step = {name: getattr(row, name) for name in _STEP_FACTS if getattr(kept, name) != getattr(row, name)}
        if step:  # moved to another version whose step differs: the row follows the engine, never the reverse
            queries.set_task_step(session, kept.id, step)
            for name, value in step.items():
                set_committed_value(kept, name, value)
        current.append(kept)
    return current, fresh, [t for t in waiting if t.id not in wanted]


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


def _raise_escalations(session: Session, events: audit.Appended, instance: Instance, run: WorkflowRun,
                       data: dict[str, Any], now: datetime) -> None:
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
        events.add(at=now, actor="system", action="escalation_raised",
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
