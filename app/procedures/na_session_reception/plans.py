"""What the reception plan's pages show: the list of plans, one plan at a glance, its register.

Read models for the web surface, built from the plan's run (its data and what each waiting task
sees), its task rows, its register and its escalations. Writes stay where they are: records in
``register.add_record``, the central office's call in ``cases.deliver_message``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app.errors import Forbidden
from app.persistence import queries
from app.persistence.models import Instance, ReceptionRecord, TaskRow
from app.procedures.na_session_reception import (
    CENTRAL_MESSAGE,
    CENTRAL_OUTCOME,
    CENTRAL_STEPS,
    DAILY_FORM,
    UNIT_LATE,
    UNIT_STEP,
    register,
    register_columns,
)
from app.services import access, documents
from app.services.access import Right
from app.services.documents import DocumentInfo
from app.services.principal import Principal
from app.services.runtime import Runtime
from app.services.state import load_run


@dataclass(frozen=True)
class PlanSummary:
    instance: Instance
    session_name: str
    window_start: date | None  # the session's opening and closing days
    window_end: date | None
    reception_start: date | None  # the plan's own reception window (before and during the session)
    reception_end: date | None
    reception_days: list[date]
    reception_office: str
    data: dict[str, Any]


@dataclass(frozen=True)
class UnitStatus:
    code: str
    name: str
    organisation: str
    reported: bool
    late: bool  # escalated as late, or still not reported after its due date
    task: TaskRow | None  # the unit's waiting report, if any


@dataclass(frozen=True)
class CentralEvent:
    task: TaskRow  # the step the event waits at: naming the unit, or bringing the citizens back
    notice: dict[str, Any]  # the central office's notice as recorded
    unit: dict[str, Any] | None  # the competent unit, once the inspectorate named it


@dataclass(frozen=True)
class PlanDashboard:
    plan: PlanSummary
    today: date
    units: list[UnitStatus]
    today_records: list[register_columns.RegisterLine]
    central_events: list[CentralEvent]
    tasks: list[TaskRow]  # the plan's waiting steps other than the units' reports
    may_record: bool  # may add to the register
    may_call: bool  # may record a central office's call now
    may_report: bool
    openable: frozenset[str]  # ids of the waiting tasks the caller may open (to do, or to read)
    workable: frozenset[str] = frozenset()  # ids of the waiting tasks the caller may do (not only read)
    documents: list[DocumentInfo] = field(default_factory=list)  # the plan's papers: plan, register extract, report
    people: dict[str, str] = field(default_factory=dict)  # who issued them -> full name
    may_remake: bool = False  # may make a paper again or add its signed scan


@dataclass(frozen=True)
class RegisterView:
    plan: PlanSummary
    records: list[ReceptionRecord]
    lines: list[register_columns.RegisterLine]  # the same records, as Mẫu 03/TCD's columns
    may_record: bool


@dataclass(frozen=True)
class EntryForm:
    """The register's entry form: the daily entry's record schema and UI schema, and the days it may take."""

    plan: PlanSummary
    record_schema: dict[str, Any]
    ui_schema: dict[str, Any]
    default_day: date | None


def list_plans(rt: Runtime, principal: Principal, *, page: int, per_page: int) -> queries.Page:
    """The plans the caller may read (none of another organisation's), newest first."""
    with rt.db.reading() as session:
        scope = access.case_scope(rt, session, principal)
        if scope.process_ids is not None and register.PLAN_PROCESS not in scope.process_ids:
            raise Forbidden("Bạn không có quyền xem kế hoạch tiếp công dân.")
        return queries.instances(session, scope, process_id=register.PLAN_PROCESS, status=None, q=None,
                                 page=max(page, 1), per_page=per_page)


def may_read_plans(rt: Runtime, principal: Principal) -> bool:
    """Whether the navigation offers the plans at all."""
    with rt.db.reading() as session:
        return register.PLAN_PROCESS in access.readable_processes(rt, session, principal)


def _summary(plan: Instance, data: dict[str, Any]) -> PlanSummary:
    start, end = register.reception_window(data)
    return PlanSummary(
        instance=plan, session_name=str(data.get("session_name") or plan.title or ""),
        window_start=_date(data.get("window_start")), window_end=_date(data.get("window_end")),
        reception_start=_date(start), reception_end=_date(end),
        reception_days=[d for d in (_date(v) for v in data.get("reception_days") or []) if d is not None],
        reception_office=str(data.get("reception_office") or ""), data=data,
    )


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def dashboard(rt: Runtime, principal: Principal, plan_id: int) -> PlanDashboard:
    """The plan at a glance: units reported or late, today's receptions, open central events, waiting steps."""
    today = rt.today()
    with rt.db.reading() as session:
        plan = register.readable_plan(rt, session, principal, plan_id)
        process, run = load_run(rt, session, plan)
        data = run.data
        rows = list(queries.instance_tasks(session, plan.id))
        seen = {row.id: run.task_data(row.id) for row in rows if row.bpmn_id in {UNIT_STEP, *CENTRAL_STEPS}}
        escalated = {e.subject for e in queries.escalations_of(session, plan.id, UNIT_LATE) if e.subject}
        today_records = _lines(rt, session, plan,
                               list(queries.reception_records(session, plan.id, day=today, q=None, kind=None)))
        waiting = run.waiting_messages()
        papers = documents.list_documents(session, plan.id)
        people = queries.user_names(session, {p.document.issued_by for p in papers})
        may_remake = access.works_on(principal, process)  # a signed scan often comes after the plan ends
    waiting_units = {str((seen[r.id].get("unit") or {}).get("code")): r for r in rows if r.bpmn_id == UNIT_STEP}
    units = []
    for unit in data.get("units") or []:
        task = waiting_units.get(str(unit.get("code")))
        overdue = task is not None and task.due_on is not None and task.due_on < today
        units.append(UnitStatus(str(unit.get("code", "")), str(unit.get("name", "")), str(unit.get("organisation", "")),
                                reported=task is None,
                                late=unit.get("name") in escalated or overdue, task=task))
    events = [CentralEvent(r, dict(seen[r.id].get("central_event") or {}),
                           seen[r.id].get("competent_unit") if r.bpmn_id == CENTRAL_OUTCOME else None)
              for r in rows if r.bpmn_id in CENTRAL_STEPS]
    events.sort(key=lambda e: str(e.notice.get("reported_at", "")))
    return PlanDashboard(
        plan=_summary(plan, data), today=today, units=units, today_records=today_records,
        central_events=events,
        tasks=[r for r in rows if r.bpmn_id != UNIT_STEP], documents=papers, people=people, may_remake=may_remake,
        may_record=access.can(principal, Right.WRITE_REGISTER) and plan.status == "running",
        may_call=CENTRAL_MESSAGE in waiting and access.may_record(principal, process, CENTRAL_MESSAGE),
        may_report=access.can(principal, Right.READ_REPORTS),
        openable=frozenset(r.id for r in rows if access.may_read_task(principal, process, r)),
        workable=frozenset(r.id for r in rows if access.may_do_task(principal, r)),
    )


def register_view(rt: Runtime, principal: Principal, plan_id: int, *, day: date | None, q: str | None,
                  kind: str | None) -> RegisterView:
    """The register searched by name or content, day and type, with the numbers of the cases it opened."""
    records = register.list_records(rt, principal, plan_id, day=day, q=q, kind=kind)
    with rt.db.reading() as session:
        plan = register.readable_plan(rt, session, principal, plan_id)
        _, run = load_run(rt, session, plan)
        lines = _lines(rt, session, plan, records)
    return RegisterView(_summary(plan, run.data), records, lines,
                        may_record=access.can(principal, Right.WRITE_REGISTER) and plan.status == "running")


def _lines(rt: Runtime, session: Any, plan: Instance,
           records: list[ReceptionRecord]) -> list[register_columns.RegisterLine]:
    """The records as the register prints them, with the numbers of the cases they opened."""
    numbers = queries.case_numbers(session, [r.case_instance_id for r in records if r.case_instance_id])
    grounds = register_columns.choice_titles(register.record_schema(rt, session, plan))
    return register_columns.lines(records, grounds, numbers)


def entry_form(rt: Runtime, principal: Principal, plan_id: int) -> EntryForm:
    """The form of one register record, the same schema the day's entry uses (so the two cannot drift)."""
    access.require(principal, Right.WRITE_REGISTER)
    with rt.db.reading() as session:
        plan = register.readable_plan(rt, session, principal, plan_id)
        process, run = load_run(rt, session, plan)
        schema = register.record_schema(rt, session, plan)
        ui = process.forms.get(DAILY_FORM.replace(".schema.json", ".uischema.json")) or {}
    summary = _summary(plan, run.data)
    items_ui = ((ui.get("reception_day") or {}).get("records") or {}).get("items") or {}
    today = rt.today()
    days = summary.reception_days
    past = [d for d in days if d <= today]
    default = today if today in days else past[-1] if past else days[0] if days else None
    return EntryForm(summary, schema, dict(items_ui), default)



def case_number(rt: Runtime, instance_id: int) -> str:
    """The number of a case the register just opened, for the officer's confirmation."""
    with rt.db.reading() as session:
        return queries.case_numbers(session, [instance_id]).get(instance_id, "")
