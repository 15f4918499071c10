"""Open a case (what the caller may start, its form, the start itself), deliver a letter to it (its form and
the delivery), and read it: each use case in one place, one transaction each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.engine import CompiledProcess, WorkflowRun, validate_form
from app.engine.deadlines import DEFAULT_REGIME, REGIMES, deadline_basis
from app.engine.instance import CASE_NUMBER_VARIABLE
from app.errors import EngineError, Forbidden, FormValidationError, InvalidInput, NotFound, TaskNotReady
from app.persistence import audit, numbering, queries
from app.persistence.models import Deployment, Escalation, Instance, TaskRow
from app.services import access, documents, duplicates, integrity, organisations, uploads
from app.services.principal import Principal
from app.services.procedures import PLAN
from app.services.runtime import Runtime
from app.services.state import CaseChange, Seen, load_run, record_failure, relock, require_sealed, save_run
from app.services.uploads import Upload

CASE_ESCALATIONS = 50  # the most a case's page lists (newest first)


@dataclass(frozen=True)
class CaseView:
    instance: Instance
    process_name: str
    data: dict[str, Any]
    tasks: list[TaskRow]
    steps: list[dict[str, Any]]
    deadlines: dict[str, str]
    regime: str
    deadline_basis: dict[str, dict[str, Any]]
    escalations: list[Escalation]
    waiting_messages: list[str]


@dataclass(frozen=True)
class FormSpec:
    title: str
    schema: dict[str, Any]
    ui_schema: dict[str, Any] | None
    process_id: str | None = None  # the process of the case the form is for (a letter's page goes back to it)


@dataclass
class PreparedStart:
    """A case run in memory to its first wait state and not yet saved: its diagram's code ran with no lock held."""

    deployment: Deployment
    process: CompiledProcess
    run: WorkflowRun
    data: dict[str, Any]


def startable(rt: Runtime, principal: Principal) -> list[tuple[str, str]]:
    """(process id, name) of the deployed processes whose start lane is one of the caller's roles."""
    found = []
    with rt.db.reading() as session:
        for process_id in sorted({d.process_id for d in queries.deployments(session)}):
            deployment = queries.latest_deployment(session, process_id)
            if deployment is not None and rt.process(session, deployment).start.role in principal.roles:
                found.append((process_id, deployment.name))
    return found


def receivable(rt: Runtime, principal: Principal) -> list[tuple[str, str]]:
    """The petitions the caller may register («Tiếp nhận đơn»): what it may start, less the reception plan,
    which is drawn up from the plans' own page."""
    return [(process_id, name) for process_id, name in startable(rt, principal) if process_id not in rt.procedures.of_kind(PLAN)]


def start_form(rt: Runtime, principal: Principal, process_id: str) -> FormSpec:
    with rt.db.reading() as session:
        deployment = queries.latest_deployment(session, process_id)
        if deployment is None:
            raise NotFound(f"Chưa triển khai quy trình «{process_id}».")
        process = rt.process(session, deployment)
    access.require_start(principal, process)
    schema = process.form_schema(process.start.form)
    if any(organisations.reference_fields(schema)):  # a plan's units: picked from the catalogue by name
        schema = organisations.with_pickers(schema, organisations.choices(rt))
    ui = process.form_schema(process.start.ui_form) if process.start.ui_form else None
    return FormSpec(str(schema.get("title") or deployment.name), schema, ui)


def message_form(rt: Runtime, principal: Principal, instance_id: int, name: str) -> FormSpec:
    """The form of a letter the case waits for (e.g. a withdrawal), for those its diagram says record it."""
    view = get_case(rt, principal, instance_id)
    with rt.db.reading() as session:
        process = rt.process(session, view.instance.deployment)
    access.require_message(principal, process, view.instance, name)
    schema = process.forms.get(f"{name}.schema.json") or {"type": "object", "properties": {}}
    _require_waiting(process, view.waiting_messages, name)
    return FormSpec(_letter_title(process, name), schema, process.forms.get(f"{name}.uischema.json"),
                    view.instance.process_id)


def _letter_title(process: CompiledProcess, name: str) -> str:
    schema = process.forms.get(f"{name}.schema.json") or {}
    return str(schema.get("title") or "Văn bản")


def _require_waiting(process: CompiledProcess, waiting: Sequence[str], name: str) -> None:
    """A letter the case is not waiting for: 409 on the page and the API alike, named by its title (not its id)."""
    if name not in waiting:
        raise TaskNotReady(f"Hồ sơ không chờ văn bản «{_letter_title(process, name)}» ở bước hiện tại.")


def start_case(rt: Runtime, principal: Principal, process_id: str, data: Any,
               files: list[Upload] | None = None, *, confirm_duplicate: bool | None = None) -> CaseChange:
    """Create an instance from the start form's data, run it to its first wait state, keep its files.

    The engine runs first, outside any write transaction; the short write then saves it all at once.
    The officers' surfaces check for the same petition registered twice: ``confirm_duplicate`` False
    refuses one (409), True registers it and says so in the trail; None (scripts, seeds) does not check.
    Only a procedure that declares it (``duplicate_checked``: its start form names a complainant and a
    first decision) is checked.
    """
    if not isinstance(data, dict):
        raise InvalidInput("Dữ liệu khởi tạo phải là một đối tượng JSON.")
    with rt.db.reading() as session:
        prepared = prepare_start(rt, session, principal, process_id, data)
        procedure = rt.procedures.get(process_id)
        looks = confirm_duplicate is not None and procedure is not None and procedure.duplicate_checked
        found = duplicates.find(rt, session, principal, data) if looks else None
    duplicates.refuse_unless_confirmed(found, bool(confirm_duplicate))
    checked = uploads.check_all(files or [])
    with rt.db.writing() as session:
        change = insert_started(rt, session, principal, prepared)
        duplicates.after_start(rt, session, principal, change.instance, data, found)
        uploads.store(rt, session, principal.username, change.instance, checked)
        return change


def prepare_start(rt: Runtime, session: Session, principal: Principal, process_id: str,
                  data: dict[str, Any]) -> PreparedStart:
    """Check who may start, validate the start form, and run the new case in memory."""
    deployment = queries.latest_deployment(session, process_id)
    if deployment is None:
        raise NotFound(f"Chưa triển khai quy trình «{process_id}».")
    process = rt.process(session, deployment)
    access.require_start(principal, process)
    errors = validate_form(process.validator(process.start.form), data) or organisations.check_references(
        session, process.form_schema(process.start.form), data, rt.today())
    if errors:
        raise FormValidationError(fields=errors)
    # serialized once, when ``insert_started`` saves it: putting in the case number changes the state anyway
    return PreparedStart(deployment, process, rt.engine.start(process, data, serialized=False), data)


def insert_started(rt: Runtime, session: Session, principal: Principal, prepared: PreparedStart,
                   links: dict[str, Any] | None = None) -> CaseChange:
    """Save a prepared case in the caller's (short) write transaction: its row, number, trail and tasks.

    ``links`` are added to the case data here: references the start form does not ask for, such as
    the register record the case came from, known only once that record is saved too.
    """
    now, deployment = rt.now(), session.get(Deployment, prepared.deployment.id)
    if deployment is None:
        raise NotFound(f"Chưa triển khai quy trình «{prepared.deployment.process_id}».")
    instance = Instance(
        deployment_id=deployment.id, process_id=deployment.process_id, title=_title(prepared.data),
        case_number=case_number(session, prepared.process.case_number_prefix, rt.today().year),
        status="running", state="", serializer_version="", started_by=principal.username, created_at=now,
        updated_at=now,
    )
    instance.deployment = deployment
    queries.insert_instance(session, instance)
    prepared.run.put({**(links or {}), CASE_NUMBER_VARIABLE: instance.case_number})
    step = prepared.process.start.event_id
    numbered = documents.number_step(rt, session, instance, prepared.process, prepared.run, step, prepared.data)
    tasks = save_run(rt, session, instance, prepared.run, actor=principal.username, action="instance_started",
                     before={}, extra={"deployment_version": deployment.version}, seen=Seen.new())
    documents.store_numbered(rt, session, principal.username, instance, prepared.process, prepared.run, numbered,
                             step=step, task_id=None)
    access.require_own_new_case(principal, instance)
    return CaseChange(instance, access.visible_tasks(principal, prepared.process, instance, tasks))


def case_number(session: Session, series: str, year: int) -> str:
    """The next number of the process's series in the year (KN2-2026-000001…), in the creating transaction.

    Gapless: the series' counter row stays locked until this transaction ends, and a creation that is
    refused or rolls back gives its number back. The series is the diagram's ``caseNumberPrefix``.
    """
    return f"{series}-{year}-{numbering.next_number(session, series, year):06d}"


def _title(data: dict[str, Any]) -> str:
    person = data.get("complainant")
    if isinstance(person, dict) and isinstance(person.get("full_name"), str):
        return str(person["full_name"])[:300]
    session_name = data.get("session_name")  # a reception plan is named after its session
    return session_name[:300] if isinstance(session_name, str) else ""


def deliver_message(rt: Runtime, principal: Principal, instance_id: int, name: str, payload: Any) -> CaseChange:
    """Deliver a BPMN message (e.g. a withdrawal letter) to a waiting instance.

    The engine runs on the case in memory, outside any write transaction; the save then checks that
    nobody changed the case meanwhile (409 if someone did).
    """
    if not isinstance(payload, dict):
        raise InvalidInput("Nội dung thông điệp phải là một đối tượng JSON.")
    with rt.db.reading() as session:
        instance = queries.instance(session, instance_id)
        if instance is None:
            raise NotFound(access.CASE_NOT_FOUND)
        process, run = load_run(rt, session, instance)
        access.require_message(principal, process, instance, name)
        require_sealed(rt, instance)
        _require_waiting(process, run.waiting_messages(), name)
        form = process.message_form(name)
        payload = documents.without_assigned(process, name, payload)
        errors = validate_form(process.validator(form), payload) if form else {}
        if errors:
            raise FormValidationError(fields=errors)
        version = instance.version
    before = run.data
    try:
        branches = run.send_message(name, payload)
    except EngineError as error:
        record_failure(rt, instance_id, actor=principal.username, action="message_failed", error=error)
        raise
    with rt.db.writing() as session:
        instance = relock(rt, session, instance_id, version)
        numbered = documents.number_step(rt, session, instance, process, run, name, payload, prefix=f"{name}.")
        tasks = save_run(rt, session, instance, run, actor=principal.username, action="message_received",
                         before=before, extra={"message": name, "payload": payload,
                                               **({"branches": branches} if branches else {})})
        documents.store_numbered(rt, session, principal.username, instance, process, run, numbered, step=name,
                                 task_id=None)
        return CaseChange(instance, access.visible_tasks(principal, process, instance, tasks))


def readable_case(rt: Runtime, session: Session, principal: Principal, instance_id: int) -> Instance:
    """The case, if the caller may read it (404 when it does not exist or is outside the caller's scope)."""
    return _readable(rt, session, principal, instance_id).instance


def _readable(rt: Runtime, session: Session, principal: Principal, instance_id: int) -> queries.CaseFacts:
    """``readable_case`` with what was read in the same statement (the calendar's stamp: one statement less)."""
    found = queries.case_facts(session, instance_id)
    if found is None:
        raise NotFound(access.CASE_NOT_FOUND)
    access.require_case(principal, rt.process(session, found.instance.deployment, found.calendar), found.instance)
    return found


def may_read(rt: Runtime, principal: Principal, instance_id: int) -> bool:
    with rt.db.reading() as session:
        instance = queries.instance(session, instance_id)
        return instance is not None and access.may_read_case(principal, rt.process(session, instance.deployment),
                                                             instance)


def get_case(rt: Runtime, principal: Principal, instance_id: int) -> CaseView:
    with rt.db.reading() as session:
        facts = _readable(rt, session, principal, instance_id)
        instance = facts.instance
        process, run = load_run(rt, session, instance)
        data = run.data
        steps = [
            {"task_id": e.task_id, "bpmn_id": e.bpmn_id, "name": process.element_names.get(e.bpmn_id or "", e.bpmn_id),
             "actor": e.actor, "at": e.at}
            for e in queries.completed_steps(session, instance_id)
        ]
        deadlines = {k: v for k, v in data.items() if k.endswith("_deadline") and isinstance(v, str)}
        regime = str(data.get("regime") or DEFAULT_REGIME)
        basis = deadline_basis(regime) if regime in REGIMES else {}
        return CaseView(
            instance=instance, process_name=process.name, data=data,
            tasks=queries.case_tasks(session, instance), steps=steps, deadlines=deadlines,
            regime=regime, deadline_basis={k: v for k, v in basis.items() if k in deadlines},
            escalations=queries.case_escalations(session, instance, CASE_ESCALATIONS) if facts.escalated else [],
            waiting_messages=run.waiting_messages(),
        )


def list_cases(rt: Runtime, principal: Principal, *, process_id: str | None, status: str | None,
               q: str | None, page: int, per_page: int) -> queries.Page:
    """Cases the caller may read, filtered in the query (other organisations' cases are never counted).

    Asking for the cases of a procedure the caller has no part in is refused outright (403), as its pages are.
    """
    with rt.db.reading() as session:
        scope = access.case_scope(rt, session, principal)
        unreadable = bool(process_id) and process_id not in (scope.process_ids or ())
        if unreadable and queries.latest_deployment(session, process_id or "") is not None:
            raise Forbidden("Vai trò của bạn không tham gia quy trình này nên không xem được hồ sơ của nó.")
        return queries.instances(session, scope, process_id=process_id, status=status, q=q, page=page,
                                 per_page=per_page)


def get_history(rt: Runtime, principal: Principal, instance_id: int) -> tuple[list[Any], audit.ChainCheck]:
    with rt.db.reading() as session:
        instance = readable_case(rt, session, principal, instance_id)
        events = list(queries.audit_events(session, instance_id))
        return events, integrity.case_check(rt, session, instance, events)
