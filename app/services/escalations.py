"""Escalations: legal deadlines that passed, for the resolver and the inspectorate to see and acknowledge.

Each line is named as the diagram names it: the escalation's own name (``CompiledProcess.escalation_names``)
and the step whose deadline passed, i.e. the activity the deadline's timer is attached to, by its
Vietnamese name. Who sees which escalations is the access policy's: the cases the caller may read,
in the caller's organisation when it is limited to one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.engine.deadline_contract import escalation_code
from app.engine.safe_xml import parse_xml
from app.errors import InvalidInput, NotFound
from app.persistence import audit, catalogue, queries
from app.persistence.models import Deployment, Escalation
from app.services import access
from app.services.access import Right
from app.services.principal import Principal
from app.services.runtime import Runtime
from app.services.state import lock_instance
from app.text import unfit

STATUSES = {"open": "Chưa xác nhận", "acknowledged": "Đã xác nhận"}
MAX_NOTE = 2_000
MAX_OVERDUE_DAYS = 3_650
_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_STEPS: dict[str, dict[str, str]] = {}  # deployment content hash -> escalation code -> step bpmn id


@dataclass(frozen=True)
class EscalationQuery:
    """The filters of the page and the API; a limited user's organisation is applied whatever is asked."""

    status: str | None = "open"  # open | acknowledged | None (both)
    step: str | None = None  # bpmn id of the step whose deadline passed
    min_overdue_days: int | None = None
    organisation: str | None = None
    instance_id: int | None = None


@dataclass(frozen=True)
class EscalationLine:
    id: int
    instance_id: int
    process_id: str
    case_number: str | None
    title: str
    code: str
    name: str  # the diagram's Vietnamese name of the escalation
    step: str | None  # bpmn id of the step whose deadline passed
    step_name: str | None
    subject: str | None  # e.g. the unit of a plan that is late
    deadline: date | None
    overdue_days: int | None  # days from the deadline to today (calendar days)
    raised_at: datetime
    organisation: str | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    acknowledged_by_name: str | None
    note: str | None


@dataclass(frozen=True)
class EscalationList:
    page: queries.Page  # of EscalationLine
    steps: list[tuple[str, str]] = field(default_factory=list)  # (bpmn id, name) for the step filter
    organisations: list[str] = field(default_factory=list)  # empty for a user limited to one
    organisation_names: dict[str, str] = field(default_factory=dict)  # code -> name, for those shown
    may_acknowledge: bool = False


def list_escalations(rt: Runtime, principal: Principal, *, open_only: bool, instance_id: int | None,
                     page: int, per_page: int) -> queries.Page:
    """Escalations of the cases the caller may read, newest first (the rows themselves)."""
    access.require(principal, Right.READ_ESCALATIONS)
    with rt.db.reading() as session:
        scope = access.case_scope(rt, session, principal)
        return queries.escalations(session, scope, open_only=open_only, instance_id=instance_id, page=page,
                                   per_page=per_page)


def search(rt: Runtime, principal: Principal, query: EscalationQuery, *, page: int, per_page: int) -> EscalationList:
    """The escalations page (and API list): filtered, named in Vietnamese, with the filters' choices."""
    access.require(principal, Right.READ_ESCALATIONS)
    _check(query)
    today = rt.today()
    with rt.db.reading() as session:
        scope = access.case_scope(rt, session, principal)
        step_codes, step_names = _kinds(rt, session, scope)
        codes = step_codes.get(query.step, frozenset()) if query.step else None
        deadline_by = today - timedelta(days=query.min_overdue_days) if query.min_overdue_days is not None else None
        organisation = query.organisation if principal.organisation is None else None
        found = queries.escalation_page(session, scope, queries.EscalationFilter(
            query.status, query.instance_id, codes, deadline_by, organisation or None), max(page, 1), per_page)
        lines = _lines(rt, session, list(found.items), today)
        organisations = queries.escalation_organisations(session, scope) if principal.organisation is None else []
        names = catalogue.names(session)
    shown = {*organisations, *(line.organisation for line in lines if line.organisation), principal.organisation}
    return EscalationList(page=queries.Page(lines, found.total, found.page, found.per_page),
                          steps=sorted(step_names.items(), key=lambda item: item[1]),
                          organisations=sorted(organisations, key=lambda code: names.get(code, code)),
                          organisation_names={code: names[code] for code in shown if code in names},
                          may_acknowledge=access.can(principal, Right.ACKNOWLEDGE_ESCALATIONS))


def open_count(rt: Runtime, principal: Principal) -> int | None:
    """Open escalations the caller may see (the navigation's figure); None for a role that sees none."""
    if not access.can(principal, Right.READ_ESCALATIONS):
        return None
    with rt.db.reading() as session:
        return queries.open_escalation_count(session, access.case_scope(rt, session, principal))


def acknowledge(rt: Runtime, principal: Principal, escalation_id: int, note: object = None) -> Escalation:
    """Record that someone knows of a passed deadline, with what they wrote (in the row and the case's trail).

    Acknowledging twice changes nothing: the first acknowledgement, and its note, stay.
    """
    access.require(principal, Right.ACKNOWLEDGE_ESCALATIONS)
    now = rt.now()
    with rt.db.writing() as session:
        escalation = session.get(Escalation, escalation_id)
        if escalation is None or not access.in_scope(principal, escalation.instance.organisation):
            raise NotFound(access.ESCALATION_NOT_FOUND)
        instance = lock_instance(rt, session, escalation.instance_id)
        access.require_case(principal, rt.process(session, instance.deployment), instance)
        kept = clean_note(note)
        if escalation.acknowledged_at is None:
            escalation.acknowledged_at, escalation.acknowledged_by, escalation.note = now, principal.username, kept
            data: dict[str, object] = {"code": escalation.code}
            if kept:
                data["note"] = kept
            audit.append_event(session, rt.audit_keys, instance, at=now, actor=principal.username,
                               action="escalation_acknowledged", data=data)
        return escalation


def clean_note(note: object) -> str | None:
    """The acknowledgement's note as kept (None when empty), or InvalidInput on ``note``."""
    if note is None:
        return None
    if not isinstance(note, str):
        raise InvalidInput("Ghi chú không hợp lệ.", fields={"note": "Ghi chú phải là văn bản."})
    kept = note.replace("\r\n", "\n").replace("\r", "\n").strip()
    reason = unfit(kept)
    if reason:
        raise InvalidInput("Ghi chú không hợp lệ.", fields={"note": reason})
    if len(kept) > MAX_NOTE:
        raise InvalidInput("Ghi chú không hợp lệ.", fields={"note": f"Tối đa {MAX_NOTE:,} ký tự.".replace(",", ".")})
    return kept or None


def _check(query: EscalationQuery) -> None:
    if query.status is not None and query.status not in STATUSES:
        raise InvalidInput("Bộ lọc cảnh báo không hợp lệ.", fields={"status": "Chỉ «open» hoặc «acknowledged»."})
    if query.min_overdue_days is not None and not 0 <= query.min_overdue_days <= MAX_OVERDUE_DAYS:
        raise InvalidInput("Bộ lọc cảnh báo không hợp lệ.",
                           fields={"min_overdue_days": f"Số ngày quá hạn từ 0 đến {MAX_OVERDUE_DAYS}."})
    for name, value in (("step", query.step), ("organisation", query.organisation)):
        if value is not None and (len(value) > 100 or unfit(value)):
            raise InvalidInput("Bộ lọc cảnh báo không hợp lệ.", fields={name: "Giá trị không hợp lệ."})


def _kinds(rt: Runtime, session: Session, scope: queries.Scope) -> tuple[dict[str, frozenset[str]], dict[str, str]]:
    """For the step filter: step -> the escalation codes raised at it, and step -> its Vietnamese name."""
    codes: dict[str, set[str]] = {}
    names: dict[str, str] = {}
    deployments = {d.id: d for d in queries.deployments(session)}
    for deployment_id, code in queries.escalation_kinds(session, scope):
        deployment = deployments.get(deployment_id)
        if deployment is None:
            continue
        step, name = _step(rt, session, deployment, code)
        if step is not None:
            codes.setdefault(step, set()).add(code)
            names.setdefault(step, name or step)
    return {step: frozenset(found) for step, found in codes.items()}, names


def _lines(rt: Runtime, session: Session, rows: list[Escalation], today: date) -> list[EscalationLine]:
    people = queries.user_names(session, {e.acknowledged_by for e in rows if e.acknowledged_by})
    lines = []
    for e in rows:
        deployment = e.instance.deployment
        step, step_name = _step(rt, session, deployment, e.code)
        process = rt.process(session, deployment)
        lines.append(EscalationLine(
            id=e.id, instance_id=e.instance_id, process_id=e.instance.process_id, case_number=e.instance.case_number,
            title=e.instance.title, code=e.code, name=process.escalation_names.get(e.code) or e.name, step=step,
            step_name=step_name, subject=e.subject, deadline=e.deadline,
            overdue_days=(today - e.deadline).days if e.deadline is not None else None, raised_at=e.raised_at,
            organisation=e.instance.organisation, acknowledged_at=e.acknowledged_at, acknowledged_by=e.acknowledged_by,
            acknowledged_by_name=people.get(e.acknowledged_by or "", e.acknowledged_by), note=e.note,
        ))
    return lines


def _step(rt: Runtime, session: Session, deployment: Deployment, code: str) -> tuple[str | None, str | None]:
    """The step (bpmn id, Vietnamese name) whose deadline an escalation code reports, in one deployment."""
    steps = _STEPS.get(deployment.content_hash)
    if steps is None:
        steps = escalation_steps(queries.deployment_files(session, deployment.id))
        _STEPS[deployment.content_hash] = steps
    step = steps.get(code)
    if step is None:
        return None, None
    return step, rt.process(session, deployment).element_names.get(step) or None


def escalation_steps(files: Mapping[str, str]) -> dict[str, str]:
    """Escalation code -> the activity whose boundary timer leads to the event that throws it.

    Read from the diagram (a deployment never changes, so callers cache it by its content hash):
    the throw event's incoming flows are followed back, a few hops at most, to a boundary event,
    whose ``attachedToRef`` is the step.
    """
    found: dict[str, str] = {}
    for path, text in files.items():
        if not path.endswith(".bpmn"):
            continue
        root = parse_xml(text, path).getroot()
        codes = {node.get("id"): escalation_code(node) for node in root.iter(f"{_BPMN}escalation")}
        elements = {str(node.get("id")): node for node in root.iter() if isinstance(node.tag, str) and node.get("id")}
        sources: dict[str, list[str]] = {}
        for flow in root.iter(f"{_BPMN}sequenceFlow"):
            sources.setdefault(str(flow.get("targetRef")), []).append(str(flow.get("sourceRef")))
        for definition in root.iter(f"{_BPMN}escalationEventDefinition"):
            code = codes.get(definition.get("escalationRef"))
            event = definition.getparent()
            step = _attached_step(str(event.get("id")), sources, elements) if event is not None else None
            if code and step:
                found.setdefault(str(code), step)
    return found


def _attached_step(start: str, sources: dict[str, list[str]], elements: Mapping[str, Any]) -> str | None:
    pending, seen = [start], {start}
    for _ in range(5):
        following = []
        for node_id in pending:
            node = elements.get(node_id)
            if node is not None and node.get("attachedToRef"):
                return str(node.get("attachedToRef"))
            following += [s for s in sources.get(node_id, []) if s not in seen]
        seen.update(following)
        pending = following
    return None
