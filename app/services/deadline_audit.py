"""Deadlines audited: the acts done after their legal deadline, and the deadlines still running past due.

An inspection asks *which decisions were issued late, by whom, where, by how much*. The answer is
computed from what the record itself holds, never from a re-run of the diagrams: each step's
deadline is the variable its diagram names (``dueDate``), whose value the case's events recorded
when a script computed it (``changes.set``); the step's ``task_completed`` event says when it was
done and by whom. The value in force is the one recorded before the step's own event (a step that
recomputes its deadline does not excuse itself). Steps still waiting are read from their task
rows' stored ``due_on``. Days late are calendar days (the law counts the deadline in working days;
lateness is how long the citizen waited beyond it). Every figure lists the cases behind it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from app.clock import local_date
from app.engine import CompiledProcess
from app.persistence import audit_search as store
from app.persistence import queries
from app.roles import ROLES
from app.services import access, casefile, organisations, spreadsheet
from app.services.access import Right
from app.services.audit_search import check_period, moment
from app.services.principal import Principal
from app.services.runtime import Runtime

_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
PROVINCE = "Cấp tỉnh"  # a case of no organisation


@dataclass(frozen=True)
class DeadlineQuery:
    since: date | None = None  # acts done from this day (Vietnam's calendar)
    until: date | None = None  # to this day, included
    step: str | None = None
    organisation: str | None = None
    actor: str | None = None


@dataclass(slots=True)
class LateAct:  # mutable: named in place once the report knows the people (a copy each costs at 70,000 rows)
    instance_id: int
    seq: int
    case_number: str | None
    process_name: str
    step: str
    step_name: str
    organisation: str | None
    organisation_name: str
    actor: str
    actor_name: str
    deadline_label: str
    due: date
    done_on: date
    days_late: int


@dataclass(frozen=True)
class RunningLate:
    instance_id: int
    case_number: str | None
    step: str
    step_name: str
    organisation: str | None
    organisation_name: str
    holder: str | None  # the officer holding the step, None while it waits for its role
    holder_name: str
    due: date
    days_late: int


@dataclass(frozen=True)
class Figure:
    key: str | None  # what the drill-down filters by (step id, organisation code, user name)
    label: str
    count: int
    max_days: int
    total_days: int


@dataclass(frozen=True)
class DeadlineReport:
    since: date | None
    until: date | None
    today: date
    late: list[LateAct]
    running: list[RunningLate]
    by_step: list[Figure] = field(default_factory=list)
    by_organisation: list[Figure] = field(default_factory=list)
    by_officer: list[Figure] = field(default_factory=list)
    running_by_step: list[Figure] = field(default_factory=list)


def report(rt: Runtime, principal: Principal, q: DeadlineQuery) -> DeadlineReport:
    """The late acts in the period and the deadlines past due today, of the cases the caller may audit."""
    access.require(principal, Right.READ_AUDIT_LOG)
    today = rt.today()
    check_period(q.since, q.until, today)
    with rt.db.reading() as session:
        scope = access.case_scope(rt, session, principal)
        processes = {d.id: rt.process(session, d) for d in queries.deployments(session)}
        due = {d: _due_variables(p) for d, p in processes.items()}
        markers = sorted({f'"{v}":' for steps in due.values() for v in steps.values()})
        rows = store.steps_done_with_deadlines(
            session, scope, since=moment(q.since), until=moment(q.until + timedelta(days=1)) if q.until else None,
            markers=markers)
        late = [act for act in _late_acts(rows, processes, due, markers, q)
                if _wanted(q, act.step, act.organisation, act.actor)]
        waiting = [r for r in store.tasks_past_due(session, scope, today)
                   if _wanted(q, r.bpmn_id, r.organisation, r.assignee)]
        names = queries.user_names(session, {a.actor for a in late} | {r.assignee for r in waiting if r.assignee})
    org_names = organisations.names(rt)
    deadline_labels = rt.procedures.labels("deadline_labels")
    for act in late:
        _name(act, names, org_names, deadline_labels)
    running = [_running(r, today, names, org_names) for r in waiting]
    return DeadlineReport(
        q.since, q.until, today, sorted(late, key=lambda a: (-a.days_late, a.instance_id, a.seq)), running,
        by_step=_figures(late, lambda a: (a.step, a.step_name)),
        by_organisation=_figures(late, lambda a: (a.organisation, a.organisation_name)),
        by_officer=_figures(late, lambda a: (a.actor, a.actor_name)),
        running_by_step=_figures(running, lambda r: (r.step, r.step_name)),
    )


def _due_variables(process: CompiledProcess) -> dict[str, str]:
    """Step id -> the variable holding its deadline, for the steps whose ``dueDate`` is a plain variable."""
    return {step: info.due_expression.strip() for step, info in process.user_tasks.items()
            if info.due_expression and _VARIABLE.fullmatch(info.due_expression.strip())}


def _wanted(q: DeadlineQuery, step: str, organisation: str | None, actor: str | None) -> bool:
    """The drill-down's filters; the officer of a waiting step is the one holding it."""
    return ((q.step is None or step == q.step) and (q.organisation is None or organisation == q.organisation)
            and (q.actor is None or actor == q.actor))


def _late_acts(rows: Iterable[Any], processes: dict[int, CompiledProcess], due_variables: dict[int, dict[str, str]],
               markers: list[str], q: DeadlineQuery) -> list[LateAct]:
    """Walk each case's events in order, keeping its deadlines as recorded, and keep the steps done after theirs."""
    late: list[LateAct] = []
    sets_deadline = re.compile("|".join(map(re.escape, markers)) or "(?!)")
    current: int | None = None
    known: dict[str, Any] = {}
    for row in rows:
        if row.instance_id != current:
            current, known = row.instance_id, {}
        process = processes.get(row.deployment_id)
        if process is None:
            continue
        variable = due_variables[row.deployment_id].get(row.bpmn_id or "") if row.action == "task_completed" else None
        due = _day(known.get(variable)) if variable else None
        done_on = local_date(row.at)
        in_period = (q.since is None or done_on >= q.since) and (q.until is None or done_on <= q.until)
        if due is not None and done_on > due and in_period and variable:
            late.append(LateAct(row.instance_id, row.seq, row.case_number, process.name, row.bpmn_id,
                                process.element_names.get(row.bpmn_id, row.bpmn_id), row.organisation, "",
                                row.actor, "", variable, due, done_on, (done_on - due).days))
        if not sets_deadline.search(row.data):
            continue  # sets no deadline: not worth parsing
        found = casefile.payload(row.data).get("changes")
        changed: dict[str, Any] = found if isinstance(found, dict) else {}
        known.update({k: v for k, v in (changed.get("set") or {}).items() if isinstance(v, str)})
        for key in changed.get("removed") or []:
            known.pop(key, None)
    return late


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if isinstance(value, str) else None
    except ValueError:
        return None


def _name(act: LateAct, names: dict[str, str], org_names: dict[str, str], labels: dict[str, str]) -> None:
    act.actor_name = names.get(act.actor) or casefile.NON_PERSONS.get(act.actor, act.actor)
    act.organisation_name = organisations.display_name(org_names, act.organisation) or PROVINCE
    act.deadline_label = labels.get(act.deadline_label, "Thời hạn của bước")


def _running(row: Any, today: date, names: dict[str, str], org_names: dict[str, str]) -> RunningLate:
    holder = row.assignee
    holder_name = names.get(holder, holder) if holder else f"Chưa giao — vai trò «{ROLES.get(row.role, row.role)}»"
    return RunningLate(row.instance_id, row.case_number, row.bpmn_id, row.name, row.organisation,
                       organisations.display_name(org_names, row.organisation) or PROVINCE, holder, holder_name,
                       row.due_on, (today - row.due_on).days)


def _figures(items: list[Any], key: Callable[[Any], tuple[str | None, str]]) -> list[Figure]:
    groups: dict[tuple[str | None, str], list[int]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item.days_late)
    return sorted((Figure(k, label, len(days), max(days), sum(days)) for (k, label), days in groups.items()),
                  key=lambda f: (-f.count, f.label))


# -- the workbook -------------------------------------------------------------------------------------

def report_xlsx(r: DeadlineReport) -> bytes:
    """The report as a workbook: the figures, the late acts, the deadlines past due (text never a formula)."""
    book = Workbook()
    summary = book.active
    summary.title = "Tổng hợp"
    period = f"{_vn(r.since) or 'đầu'} – {_vn(r.until) or _vn(r.today)}"
    spreadsheet.append(summary, ["Báo cáo thời hạn", f"Việc làm từ {period}; thời hạn đang quá tính đến {_vn(r.today)}"])
    for title, figures in (("Theo bước", r.by_step), ("Theo cơ quan", r.by_organisation),
                           ("Theo cán bộ", r.by_officer), ("Đang quá hạn, theo bước", r.running_by_step)):
        spreadsheet.append(summary, [])
        spreadsheet.append(summary, [title, "Số việc", "Chậm nhiều nhất (ngày)", "Tổng số ngày chậm"])
        for f in figures:
            spreadsheet.append(summary, [f.label, f.count, f.max_days, f.total_days])
    _sheet(book, "Làm sau thời hạn", ["Số hồ sơ", "Quy trình", "Bước", "Cơ quan", "Cán bộ", "Thời hạn",
                                      "Hạn", "Ngày ghi nhận", "Số ngày chậm"],
           [[a.case_number or "", a.process_name, a.step_name, a.organisation_name, a.actor_name, a.deadline_label,
             a.due, a.done_on, a.days_late] for a in r.late])
    _sheet(book, "Đang quá hạn", ["Số hồ sơ", "Bước", "Cơ quan", "Người đang giữ", "Hạn", "Số ngày quá"],
           [[w.case_number or "", w.step_name, w.organisation_name, w.holder_name, w.due, w.days_late]
            for w in r.running])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list[Any]]) -> None:
    sheet = book.create_sheet(title)
    spreadsheet.append(sheet, header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        spreadsheet.append(sheet, row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, date):
                cell.number_format = "DD/MM/YYYY"


def _vn(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""
