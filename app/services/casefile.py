"""Read a case file: the case, its timeline, diagram, deadlines, papers and the register of cases.

Read-only, built on ``cases.get_case`` and so on the one access policy (``app.services.access``)
the API uses too; opening a case and delivering its letters (with their forms) are in ``cases``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from app.clock import local_date
from app.engine import CompiledProcess, LegalCalendar
from app.engine.calendar import CalendarEntry
from app.engine.deadlines import (
    CONTINUATION_RULE,
    REGIME_STARTS,
    REGIMES,
    deadline_basis,
    regime_for,
    suspension_allowed,
)
from app.engine.labels import FormLabels
from app.errors import NotFound
from app.persistence import audit, catalogue, queries
from app.persistence.models import Attachment
from app.services import access, assignment, documents, integrity, notes, organisations
from app.services.cases import CaseView, get_case, list_cases
from app.services.documents import DocumentInfo
from app.services.notes import NoteLine
from app.services.principal import Principal
from app.services.procedures import CaseLink
from app.services.runtime import Runtime

ACTIONS = {
    "instance_started": "Tạo hồ sơ", "task_completed": "Hoàn thành bước", "task_failed": "Bước bị từ chối",
    "message_received": "Nhận văn bản", "message_failed": "Văn bản bị từ chối", "timer_fired": "Đến hạn (hẹn giờ)",
    "escalation_raised": "Cảnh báo quá hạn", "escalation_acknowledged": "Xác nhận cảnh báo",
    "instance_completed": "Kết thúc hồ sơ", "incident_opened": "Sự cố hẹn giờ", "incident_retried": "Thử lại sự cố",
    "task_claimed": "Nhận việc", "task_released": "Trả việc", "attachment_added": "Thêm tài liệu",
    "task_assigned": "Giao việc cho cán bộ", "duplicate_confirmed": "Vẫn tiếp nhận dù có hồ sơ trùng",
    "audit_rekeyed": "Niêm phong nhật ký cũ bằng khóa kiểm toán",
    "note_added": "Thêm ghi chú nội bộ", "migrated": "Chuyển sang phiên bản mới của quy trình",
    "document_issued": "Ban hành văn bản", "document_regenerated": "Tạo lại văn bản",
    "document_signed_added": "Đính kèm bản đã ký của văn bản",
    "case_exported": "Xuất hồ sơ có chữ ký số (.zip)",
}
CASE_VARIABLES = {"case_number": "Số hồ sơ", "regime": "Chế độ pháp lý áp dụng"}  # what every diagram computes
NON_PERSONS = {"system": "Hệ thống", "setup": "Cài đặt ban đầu", "cli": "Dòng lệnh"}  # actors who are no officer
EVENT_FIELDS = {  # what the events themselves record beside the case's changes, named for officers
    "assignee": "Cán bộ được giao", "previous": "Cán bộ trước đó", "routed_by": "Người giao", "step": "Bước",
    "filename": "Tệp", "size": "Dung lượng (byte)", "duplicates": "Hồ sơ trùng", "other_organisations":
    "Hồ sơ trùng ở cơ quan khác", "characters": "Số ký tự", "name": "Cảnh báo", "subject": "Nội dung cảnh báo",
    "attempts": "Số lần thử", "error": "Lỗi", "last_error": "Lỗi gần nhất",
    "received_on": "Ngày tiếp nhận", "title": "Văn bản", "number": "Số, ký hiệu", "issued_on": "Ngày ban hành",
    "version": "Phiên bản", "file": "Tệp", "sha256": "Dấu vân tay SHA-256", "reason": "Lý do",
    "signing_key": "Khóa ký bản xuất (dấu vân tay)",
    "from_version": "Từ phiên bản quy trình", "to_version": "Sang phiên bản quy trình",  # a ``migrated`` event's
}


@dataclass(frozen=True)
class DeadlineRow:
    key: str
    label: str
    due: date | None
    basis: str | None
    rule: str | None  # "10 ngày làm việc"
    days_left: int | None


@dataclass(frozen=True)
class TimelineEntry:
    seq: int
    at: Any
    actor: str
    actor_name: str
    action: str
    label: str
    step: str | None
    changes: list[tuple[str, Any]]  # (field path, value as stored): the page names and shows it by the forms
    removed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CaseFile:
    view: CaseView
    timeline: list[TimelineEntry]
    chain: audit.ChainCheck
    attachments: list[Attachment]
    deadlines: list[DeadlineRow]
    completed: list[str]  # bpmn ids of elements done
    active: list[str]
    overdue: list[str]
    messages: dict[str, str]  # message name -> form title, for those the caller may record
    openable: frozenset[str]  # ids of the waiting tasks the caller may open (to do, or to read)
    can_attach: bool
    read_only: bool
    titles: dict[str, str]  # dotted field path (no list indices) -> the form's Vietnamese title
    choices: dict[str, dict[str, str]]  # dotted field path -> {stored value: the option's title}
    outcome_label: str | None = None
    links: list[CaseLink] = field(default_factory=list)  # what the procedures add (e.g. the register it came from)
    continuation_rule: str | None = None  # how suspension stops and resumption continues the clock
    calendar_pending: list[CalendarEntry] = field(default_factory=list)  # estimated days off in the case's span
    notes: list[NoteLine] = field(default_factory=list)  # internal comments, never part of the decision
    workable: frozenset[str] = frozenset()  # ids of the waiting tasks the caller may do (not only read)
    people: dict[str, str] = field(default_factory=dict)  # user name -> full name, of those in the trail
    documents: list[DocumentInfo] = field(default_factory=list)  # the official papers the case issued
    can_export: bool = False  # the caller may take the case away as a signed .zip
    can_note: bool = False  # the caller may write an internal note (not the auditor, who changes nothing)


def open_case(rt: Runtime, principal: Principal, instance_id: int) -> CaseFile:
    view = get_case(rt, principal, instance_id)
    today = rt.today()
    with rt.db.reading() as session:
        events = list(queries.audit_events(session, instance_id))
        chain = integrity.case_check(rt, session, view.instance, events)
        files = list(queries.attachments(session, instance_id))
        payloads = [_payload(e.data) for e in events]  # each event's data, parsed once for the whole page
        process = rt.process(session, view.instance.deployment)
        officers = _officers_named(process, [view.data, *map(_changed_set, payloads)])
        people = ({e.actor for e in events} | _people_in(events, payloads) | {view.instance.started_by}
                  | {a.uploaded_by for a in files})
        names = queries.user_names(session, people | {u for found in officers.values() for u in found})
        titles, choices = _field_titles(rt, process.process_id, process.labels)
        choices |= {path: {u: names[u] for u in found if u in names} for path, found in officers.items()}
        held_by_code = organisations.shown_paths(process.forms)
        if held_by_code:  # an organisation field (a first decision's department): its name, never its code
            org_names = catalogue.names(session)
            choices |= {path: org_names for path in held_by_code}
        message_titles = {m: str(process.forms.get(f"{m}.schema.json", {}).get("title") or m)
                          for m in view.waiting_messages if access.may_record(principal, process, m)}
        element_names = process.element_names
        openable = frozenset(t.id for t in view.tasks if access.may_read_task(principal, process, t))
        workable = frozenset(t.id for t in view.tasks if access.may_do_task(principal, t))
        case_notes = notes.notes_of(session, view.instance)
        papers = documents.list_documents(session, instance_id)
        links = rt.procedures.case_links(session, view.data)
        calendar = rt.engine.calendar  # rt.process brought it up to date
    timeline = [_entry(e, data, names, element_names) for e, data in zip(events, payloads, strict=True)]
    completed: set[str] = set()
    for event, data in zip(events, payloads, strict=True):
        completed.update(_steps_of(data))
        if event.action == "task_completed" and event.bpmn_id:
            completed.add(event.bpmn_id)
    active = sorted({t.bpmn_id for t in view.tasks})
    overdue = sorted({t.bpmn_id for t in view.tasks if t.due_on is not None and t.due_on < today})
    working = access.works_on(principal, process)
    running = view.instance.status == "running"
    deadlines = deadline_rows(view.data, today, rt.procedures.labels("deadline_labels"))
    return CaseFile(
        view=view, timeline=timeline, chain=chain, attachments=files,
        deadlines=deadlines, completed=sorted(completed - set(active)), active=active,
        overdue=overdue, messages=message_titles if running else {}, openable=openable, can_attach=working and running,
        read_only=not working, titles=titles, choices=choices, outcome_label=outcome_labels(rt).get(view.instance.outcome or ""),
        links=links, continuation_rule=continuation_rule(view.data, running, today),
        calendar_pending=pending_days(calendar, view.data, deadlines, local_date(view.instance.created_at)),
        notes=case_notes, workable=workable, people=names, documents=papers,
        can_export=access.can(principal, access.Right.EXPORT_CASES),
        can_note=access.may_write_notes(principal, process),
    )


def continuation_rule(data: Mapping[str, Any], running: bool, today: date) -> str | None:
    """The suspension/resumption counting rule, where the case was suspended or may be (its regime, or today's law)."""
    regime = data.get("regime")
    was_suspended = any(data.get(key) for key in ("suspended", "suspension", "resumption"))
    by_regime = isinstance(regime, str) and regime in REGIMES and suspension_allowed(regime)
    by_todays_law = running and suspension_allowed(regime_for(today))  # rules.md §1.4: the act's date decides
    return CONTINUATION_RULE if was_suspended or by_regime or by_todays_law else None


def pending_days(calendar: LegalCalendar, data: Mapping[str, Any], deadlines: list[DeadlineRow],
                 created_on: date) -> list[CalendarEntry]:
    """The weekdays off still awaiting an official text between the petition and the case's last deadline."""
    dues = [row.due for row in deadlines if row.due is not None]
    if not dues:
        return []
    try:
        first = date.fromisoformat(str(data.get("received_on"))[:10])
    except ValueError:
        first = created_on
    last = max(dues)
    first = max(first, last - timedelta(days=3 * 365))
    if last < first:
        return []
    return [e for e in calendar.unverified(first, last) if e.day.weekday() < 5]


def diagram_xml(rt: Runtime, principal: Principal, instance_id: int) -> str:
    """The BPMN of the version the case runs on, for the viewer to draw."""
    view = get_case(rt, principal, instance_id)
    with rt.db.reading() as session:
        files = queries.deployment_files(session, view.instance.deployment_id)
    for path in sorted(files):
        if path.endswith(".bpmn"):
            return files[path]
    raise NotFound("Phiên bản quy trình không có sơ đồ.")


def deadline_rows(data: dict[str, Any], today: date, labels: Mapping[str, str] | None = None) -> list[DeadlineRow]:
    """Every computed deadline of the case with its legal basis, in the law's order (the procedures' ``labels``)."""
    labels = labels or {}
    regime = str(data.get("regime") or "2021")
    basis = _bases(regime)
    rows = []
    for key in [*labels, *sorted(k for k in data if k.endswith("_deadline") and k not in labels)]:
        value = data.get(key)
        if not isinstance(value, str):
            continue
        try:
            due: date | None = date.fromisoformat(value[:10])
        except ValueError:
            due = None
        rule = basis.get(key)
        unit = "ngày làm việc" if rule and rule["unit"] == "working" else "ngày"
        rows.append(DeadlineRow(key, labels.get(key, key), due, rule["basis"] if rule else None,
                                f"{rule['days']} {unit}" if rule else None, (due - today).days if due else None))
    return rows


def _bases(regime: str) -> dict[str, dict[str, Any]]:
    """The legal basis of each deadline under the case's regime.

    A deadline only a later regime knows (the suspension notice, from 01/07/2026) was set by an act
    that regime governs (rules.md §1.4), so its basis is taken from the earliest such regime.
    """
    if regime not in REGIMES:
        return {}
    later = sorted((r for r in REGIME_STARTS if REGIME_STARTS[r] >= REGIME_STARTS[regime]),
                   key=REGIME_STARTS.__getitem__, reverse=True)
    merged: dict[str, dict[str, Any]] = {}
    for name in later:  # newest first, so the case's own regime is written last and wins
        merged.update(deadline_basis(name))
    return merged


def outcome_labels(rt: Runtime) -> dict[str, str]:
    """How officers read a finished case's outcome, as each procedure names its own."""
    return rt.procedures.labels("outcomes")


def _field_titles(rt: Runtime, process_id: str,
                  labels: FormLabels) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Titles and option labels of every field of the process's forms, with what the diagrams compute."""
    procedure = rt.procedures.get(process_id)
    choices = {"outcome": outcome_labels(rt), **labels.choices}
    choices |= {variable: choices[field] for variable, field in (procedure.choices_of if procedure else {}).items()
                if field in choices}
    own = {**procedure.case_variables, **procedure.event_fields} if procedure else {}
    return {**rt.procedures.labels("deadline_labels"), **CASE_VARIABLES, **own, **EVENT_FIELDS, **labels.titles}, choices


def field_titles(rt: Runtime, process: CompiledProcess) -> dict[str, str]:
    """What the case page calls each field a process's events change (the forms' titles), for other pages."""
    return _field_titles(rt, process.process_id, process.labels)[0]


def payload(raw: str | None) -> dict[str, Any]:
    """An event's stored JSON as a dict ({} when it is not one)."""
    return _payload(raw)


def _payload(raw: str | None) -> dict[str, Any]:
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _steps_of(data: dict[str, Any]) -> list[str]:
    steps = data.get("steps")
    return [s for s in steps if isinstance(s, str)] if isinstance(steps, list) else []


def _changed_set(data: dict[str, Any]) -> dict[str, Any]:
    changed = data.get("changes")
    found = changed.get("set") if isinstance(changed, dict) else None
    return found if isinstance(found, dict) else {}


def _officers_named(process: CompiledProcess, datas: list[dict[str, Any]]) -> dict[str, set[str]]:
    """The user names found in the fields that name an officer (shown by the officer's full name)."""
    found: dict[str, set[str]] = {}
    for path in assignment.officer_paths(process):
        found[path] = set()
        for data in datas:
            value: Any = data
            for key in path.split("."):
                value = value.get(key) if isinstance(value, dict) else None
            if isinstance(value, str):
                found[path].add(value)
    return found


def _people_in(events: list[Any], payloads: list[dict[str, Any]]) -> set[str]:
    """The officers an event names beside its actor (who a step was given to, by whom)."""
    return {v for event, data in zip(events, payloads, strict=True)
            if event.action in {"task_assigned", "task_claimed", "task_released"}
            for k, v in data.items() if k in _PEOPLE_FIELDS and isinstance(v, str)}


def _entry(event: Any, data: dict[str, Any], names: dict[str, str], elements: dict[str, str]) -> TimelineEntry:
    changes: list[tuple[str, Any]] = []
    removed: list[str] = []
    if event.action != notes.ACTION:  # a note's text is in the notes section
        changed = data.get("changes")
        changed = changed if isinstance(changed, dict) else {}
        changes += [(str(key), value) for key, value in (changed.get("set") or {}).items()]
        removed += [str(key) for key in changed.get("removed") or []]
        changes += [(str(k), names.get(v, v) if k in _PEOPLE_FIELDS and isinstance(v, str) else v)
                    for k, v in data.items() if k not in _NOT_SHOWN]
    return TimelineEntry(
        seq=event.seq, at=event.at, actor=event.actor,
        actor_name=names.get(event.actor) or NON_PERSONS.get(event.actor, event.actor),
        action=event.action, label=ACTIONS.get(event.action, "Sự kiện khác"),
        step=elements.get(event.bpmn_id, "") if event.bpmn_id else None, changes=changes, removed=removed,
    )


_PEOPLE_FIELDS = frozenset({"assignee", "previous", "routed_by"})
# listed apart (changes, steps) or for the help desk only: the HTTP request's id, quoted from an error page
_NOT_SHOWN = frozenset({"changes", "steps", "request_id"})


def search_cases(rt: Runtime, principal: Principal, *, q: str | None, status: str | None, page: int,
                 per_page: int) -> queries.Page:
    """The case register: every case the caller may read (its organisation's only, for a limited role)."""
    return list_cases(rt, principal, process_id=None, status=status if status in {"running", "completed"} else None,
                      q=(q or "").strip()[:100] or None, page=max(page, 1), per_page=per_page)
