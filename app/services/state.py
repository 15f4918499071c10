"""Load an instance into the engine and save it back: state, task rows and audit together.

Every service that changes an instance goes through ``save_run`` so the three can never
disagree; the caller's transaction commits them at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.engine import SERIALIZER_VERSION, CompiledProcess, WorkflowRun
from app.errors import EngineError, NotFound
from app.persistence import audit, queries
from app.persistence.models import Instance, TaskRow
from app.services.runtime import Runtime


@dataclass(frozen=True)
class CaseChange:
    """What a change leaves behind: the instance and the tasks now waiting on it."""

    instance: Instance
    tasks: list[TaskRow]


def lock_instance(session: Session, instance_id: int) -> Instance:
    instance = queries.instance(session, instance_id, for_update=True)
    if instance is None:
        raise NotFound("Không tìm thấy hồ sơ.")
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
    if run.completed and instance.completed_at is None:
        instance.completed_at = now
    session.flush()  # assigns the id of a new instance
    tasks = queries.replace_tasks(session, instance.id, _task_rows(run, instance, now))
    payload = {"changes": data_changes(before, data), "steps": run.steps, **(extra or {})}
    audit.append_event(session, instance_id=instance.id, at=now, actor=actor, action=action,
                       task_id=task_id, bpmn_id=bpmn_id, data=payload)
    if run.completed:
        audit.append_event(session, instance_id=instance.id, at=now, actor="system", action="instance_completed",
                           data={"outcome": instance.outcome})
    for task in tasks:
        task.instance = instance
    return tasks


def _task_rows(run: WorkflowRun, instance: Instance, now: Any) -> list[TaskRow]:
    organisation = run.data.get("handling_organisation")  # decided by the diagram (the DMN route)
    return [
        TaskRow(
            id=ready.id, instance_id=instance.id, bpmn_id=ready.info.bpmn_id, name=ready.info.name,
            role=ready.info.role, organisation=organisation if isinstance(organisation, str) and organisation else None,
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
                   task_id: str | None = None) -> None:
    """Keep a line in the audit trail when a step was refused by the engine (state unchanged)."""
    with rt.db.writing() as session:
        lock_instance(session, instance_id)
        audit.append_event(session, instance_id=instance_id, at=rt.now(), actor=actor, action=action,
                           task_id=task_id, data={"error": error.message, **error.details})
