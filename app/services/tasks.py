"""The inbox, one task with its form, completing a task, and who works on it (claim, assign, release)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from app import metrics
from app.engine import CompiledProcess, WorkflowRun, validate_form
from app.engine.instructions import render_instructions
from app.engine.labels import shown_values
from app.errors import EngineError, FormValidationError, InvalidInput, NotFound, StaleVersion, TaskNotReady
from app.persistence import audit, queries, worklist
from app.persistence.models import TaskRow
from app.services import access, assignment, documents, uploads
from app.services.assignment import Officer
from app.services.principal import Principal
from app.services.runtime import Runtime
from app.services.state import (
    CaseChange,
    Seen,
    case_organisation,
    load_run,
    lock_instance,
    record_failure,
    require_sealed,
    require_task_as_sealed,
    save_run,
)
from app.services.uploads import Upload


@dataclass(frozen=True)
class TaskView:
    task: TaskRow
    schema: dict[str, Any]
    ui_schema: dict[str, Any] | None
    data: dict[str, Any]
    instructions: str | None
    instructions_html: Markup  # the instructions filled from what the step sees, as officers read them
    may_complete: bool = False  # the caller's role, in scope, and not held by someone else
    may_assign: bool = False  # the caller may hand it to a named officer, or take it back
    holder_name: str | None = None  # the full name of the officer who holds it
    officer_choices: dict[str, list[Officer]] | None = None  # form fields that name an officer -> who may be named
    assignable: list[Officer] | None = None  # who the caller may hand the step to (when it may assign it)
    documents: dict[str, str] | None = None  # kind -> title of the papers completing the step may issue


def get_task(rt: Runtime, principal: Principal, task_id: str) -> TaskView:
    with rt.db.reading() as session:
        row = task_or_error(session, task_id, principal)
        process = rt.process(session, row.instance.deployment)
        access.require_task_read(principal, process, row)
        process, run = load_run(rt, session, row.instance)
        require_task_as_sealed(run, row)
        info = process.user_tasks[row.bpmn_id]
        holder = assignment.names(session, [row.assignee]).get(row.assignee or "") if row.assignee else None
        may_complete, may_assign = access.may_do_task(principal, row), access.may_assign(principal, process, row)
        choices = {path: assignment.officers(session, role, case_organisation(run))
                   for path, role in assignment.officer_fields(process, info.form).items()
                   if may_complete}
        seen = _seen_by(run, row.id)
        return TaskView(
            task=row, schema=process.form_schema(info.form),
            ui_schema=process.form_schema(info.ui_form) if info.ui_form else None,
            data=seen, instructions=info.instructions, instructions_html=render_instructions(
                info.instructions, shown_values(seen, process.labels.choices)),
            may_complete=may_complete, may_assign=may_assign,
            holder_name=holder, officer_choices=choices,
            assignable=assignment.officers(session, row.role, row.organisation) if may_assign else None,
            documents={kind.name: kind.title for kind in process.documents_of(row.bpmn_id)},
        )


def preview_document(rt: Runtime, principal: Principal, task_id: str, data: Any, kind: str) -> documents.DocumentFile:
    """The paper the step would issue from what the officer typed so far: unnumbered, kept nowhere, as PDF if it can."""
    if not isinstance(data, dict):
        raise InvalidInput("Dữ liệu biểu mẫu phải là một đối tượng JSON.")
    with rt.db.reading() as session:
        row = task_or_error(session, task_id, principal)
        access.require_task_work(principal, row)
        process, run = load_run(rt, session, row.instance)
        require_task_as_sealed(run, row)
        typed = documents.without_assigned(process, row.bpmn_id, data)
        filename, content = documents.preview(rt, session, row.instance, process, run.task_data(task_id), row.bpmn_id,
                                              typed, kind, principal.username)
    return documents.readable(filename, content)


def _seen_by(run: WorkflowRun, task_id: str) -> dict[str, Any]:
    """What the step itself sees (in a multi-instance activity, its own day or unit), else the case's data."""
    try:
        return run.task_data(task_id)
    except (TaskNotReady, NotFound):  # the row outlived the task by a moment: the case as it stands
        return run.data


def complete_task(rt: Runtime, principal: Principal, task_id: str, data: Any,
                  expected_version: int | None = None, files: list[Upload] | None = None) -> CaseChange:
    """Validate and run the engine to the next wait state in memory, then save it all (with the step's files).

    No write lock is held while the diagram's code runs: the case is read, the step run, and only
    then is the short write transaction opened, which saves under the version read (409 if someone
    changed the case meanwhile).
    """
    if not isinstance(data, dict):
        raise InvalidInput("Dữ liệu biểu mẫu phải là một đối tượng JSON.")
    with rt.db.reading() as session:
        row, facts = _task_for_change(session, task_id, principal)
        instance = row.instance
        access.require_task_work(principal, row)
        if expected_version is not None and expected_version != instance.version:
            raise StaleVersion()
        require_sealed(rt, instance)
        process, run = load_run(rt, session, instance, facts.calendar)
        require_task_as_sealed(run, row)  # the row's role was checked above; the engine's must be the same
        data = documents.without_assigned(process, row.bpmn_id, data)
        errors = validate_form(process.validator(row.form), data)
        if errors:
            raise FormValidationError(fields=errors)
        waiting = [row] if facts.waiting == 1 else list(queries.instance_tasks(session, instance.id))
        before, seen, bpmn_id = run.data, run.task_data(task_id), row.bpmn_id
        branch = run.branch_of(task_id)  # the event (e.g. a central office's notice) this step answers
        try:
            run.complete(task_id, data)
        except EngineError as error:
            record_failure(rt, instance.id, actor=principal.username, action="task_failed", error=error,
                           task_id=task_id, bpmn_id=bpmn_id)
            raise
        hook = rt.procedures.task_hook(instance.process_id, bpmn_id)  # e.g. a reception day's register records
        prepared = hook.prepare(rt, session, principal, seen, data) if hook else None
    checked = uploads.check_all(files or [])
    with rt.db.writing() as session:
        # the row as read: the save below is conditioned on its version and trail head, so nobody claimed,
        # assigned or changed the case in between (else 409), and the access checked above still holds;
        # the read session is closed, so the object itself joins this one (no copy, as ``merge`` would make)
        session.add(instance)
        routed = assignment.route_from_form(session, instance, process, row.form, data, case_organisation(run),
                                            by=principal.username, now=rt.now())
        numbered = documents.number_step(rt, session, instance, process, run, bpmn_id, data)
        tasks = save_run(rt, session, instance, run, actor=principal.username, action="task_completed",
                         before=before, task_id=task_id, bpmn_id=bpmn_id,
                         extra={"submitted": data, **({"branch": branch} if branch else {})},
                         seen=Seen(waiting, facts.timer_job, facts.routed or routed is not None,
                                   timer_settled=facts.timer_settled))
        documents.store_numbered(rt, session, principal.username, instance, process, run, numbered, step=bpmn_id,
                                 task_id=task_id)
        if hook:
            hook.store(rt, session, principal, instance, prepared)
        uploads.store(rt, session, principal.username, instance, checked, task_id=task_id, bpmn_id=bpmn_id)
        change = CaseChange(instance, access.visible_tasks(principal, process, instance, tasks))
    metrics.TASK_COMPLETIONS.labels(process_id=instance.process_id).inc()  # committed
    return change


def _task_for_change(session: Session, task_id: str, principal: Principal) -> tuple[TaskRow, queries.TaskFacts]:
    found = queries.task_for_change(session, task_id)
    if found is None:
        task_or_error(session, task_id, principal)  # 409 or 404
        raise NotFound(access.TASK_NOT_FOUND)  # it appeared in between: as if it had not yet
    return found


def require_row_sealed(rt: Runtime, session: Session, row: TaskRow) -> CompiledProcess:
    """The step's process, once its case's row is what its anchor sealed and its task row what that state says.

    For the changes that do not run the engine (claim, assign, release, drafts): the access they check
    was read from the task row, which must not be trusted alone (see ``state.require_task_as_sealed``).
    """
    require_sealed(rt, row.instance)
    process, run = load_run(rt, session, row.instance)
    require_task_as_sealed(run, row)
    return process


def task_or_error(session: Session, task_id: str, principal: Principal) -> TaskRow:
    """The waiting task; a finished one is 409 only to those who could see its case (404 to anyone else)."""
    row = queries.task_row(session, task_id)
    if row is not None:
        return row
    closed = queries.closed_task(session, task_id)
    instance = queries.instance(session, closed.instance_id) if closed is not None else None
    if instance is not None and access.in_scope(principal, instance.organisation):
        raise TaskNotReady()
    raise NotFound(access.TASK_NOT_FOUND)


# -- the officers' inbox: search, filters, claim and release ----------------------------------

INBOX_SCOPES = ("roles", "mine", "unassigned", "available")
INBOX_STATUSES = ("overdue", "due_soon", "on_time")
DUE_SOON_DAYS = 3


def inbox(rt: Runtime, principal: Principal, *, scope: str = "roles", role: str | None = None,
          instance_id: int | None = None, q: str | None = None, step: str | None = None, status: str | None = None,
          page: int = 1, per_page: int = 25) -> queries.Page:
    """Ready tasks of the caller's roles in their organisation, overdue first, filtered and paged.

    The one inbox, for the page and the API: ``scope`` says whose (``roles``: every task of the
    caller's roles; ``mine``: held by the caller; ``unassigned``; ``available``: unassigned or the
    caller's), ``role`` narrows to one of the caller's roles (another role gives an empty page, never
    someone else's work), ``instance_id`` to one case — "my task on this case" in one indexed query.
    """
    if scope not in INBOX_SCOPES or (status and status not in INBOX_STATUSES):
        raise InvalidInput("Bộ lọc danh sách việc không hợp lệ.")
    today = rt.today()
    roles = principal.roles & {role} if role else principal.roles
    f = queries.InboxFilter(roles=frozenset(roles), organisation=principal.organisation, username=principal.username,
                            scope=scope, instance_id=instance_id, q=(q or "").strip()[:100] or None, step=step or None,
                            status=status or None, today=today, soon=today + timedelta(days=DUE_SOON_DAYS))
    with rt.db.reading() as session:
        return queries.inbox(session, f, max(page, 1), min(max(per_page, 1), 200))


def inbox_steps(rt: Runtime, principal: Principal) -> list[tuple[str, str]]:
    with rt.db.reading() as session:
        return queries.task_steps(session, principal.roles, principal.organisation)


def claim_task(rt: Runtime, principal: Principal, task_id: str) -> TaskRow:
    """Take a role's task as one's own, so colleagues see who is on it (nhận việc)."""
    with rt.db.writing() as session:
        row = task_or_error(session, task_id, principal)
        instance = lock_instance(rt, session, row.instance_id)
        access.require_task_work(principal, row)
        require_row_sealed(rt, session, row)
        if row.assignee != principal.username:
            row.assignee = principal.username
            audit.append_event(session, rt.audit_keys, instance, at=rt.now(), actor=principal.username,
                               action="task_claimed", task_id=row.id, bpmn_id=row.bpmn_id, data={})
        return row


def release_task(rt: Runtime, principal: Principal, task_id: str) -> TaskRow:
    """Give a held task back to the role (trả việc): its holder, the one who assigns it, or an admin.

    The case's next tasks of that role no longer go to the officer who gave this one back.
    """
    with rt.db.writing() as session:
        row = task_or_error(session, task_id, principal)
        instance = lock_instance(rt, session, row.instance_id)
        access.require_task_release(principal, require_row_sealed(rt, session, row), row)
        if row.assignee is None:
            return row
        audit.append_event(session, rt.audit_keys, instance, at=rt.now(), actor=principal.username,
                           action="task_released", task_id=row.id, bpmn_id=row.bpmn_id,
                           data={"assignee": row.assignee})
        routed = worklist.route(session, instance.id, row.role, row.organisation)
        if routed is not None and routed.username == row.assignee:
            worklist.clear_route(session, instance.id, row.role, row.organisation)
        row.assignee = None
        return row


def assignable_officers(rt: Runtime, principal: Principal, task_id: str) -> list[Officer]:
    """The officers the caller may hand this step to: active, its role, in its organisation (or province-wide)."""
    with rt.db.reading() as session:
        row = task_or_error(session, task_id, principal)
        access.require_task_assign(principal, require_row_sealed(rt, session, row), row)
        return assignment.officers(session, row.role, row.organisation)


def assign_task(rt: Runtime, principal: Principal, task_id: str, username: str) -> TaskRow:
    """Hand a step to a named officer (giao việc), or to another one (giao lại); their next steps of the case follow."""
    with rt.db.writing() as session:
        row = task_or_error(session, task_id, principal)
        instance = lock_instance(rt, session, row.instance_id)
        access.require_task_assign(principal, require_row_sealed(rt, session, row), row)
        if not assignment.may_take(session, username, row.role, row.organisation):
            raise FormValidationError("Cán bộ được chọn không nhận được bước này.", fields={
                "assignee": "Hãy chọn một cán bộ đang hoạt động, giữ vai trò của bước này, thuộc cơ quan của hồ sơ "
                            "(hoặc toàn tỉnh)."})
        now = rt.now()
        worklist.set_route(session, instance.id, row.role, row.organisation, username, by=principal.username, at=now)
        if row.assignee == username:
            return row
        audit.append_event(session, rt.audit_keys, instance, at=now, actor=principal.username, action="task_assigned",
                           task_id=row.id, bpmn_id=row.bpmn_id,
                           data={"assignee": username, "step": row.name, "previous": row.assignee})
        row.assignee = username
        return row


def officer_names(rt: Runtime, usernames: list[str]) -> dict[str, str]:
    """Full names of officers named on a page (holders of tasks), by user name."""
    with rt.db.reading() as session:
        return assignment.names(session, usernames)
