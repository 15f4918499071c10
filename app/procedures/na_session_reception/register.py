"""The citizen-reception register of a reception plan: records, the cases they open, the report.

A record comes from the day's register entry (a task of ``na_session_reception``) or from the
register page; either way it is validated against the one record schema (the items of the daily
entry form), checked against what the law says beyond the form (``register_rules``), stored as
a row, audited on the plan's chain, and — when it is a second-level complaint within provincial
competence that the officer chose to open — starts a ``complaint_second_level`` case pre-filled
from the record (its authority and its dossier as the record says, nothing invented), linked both
ways, in the same commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.engine.deadlines import to_date
from app.engine.forms import compile_schema, validate_form
from app.errors import FormValidationError, InvalidInput, NotFound
from app.persistence import audit, queries
from app.persistence.models import Instance, ReceptionRecord
from app.procedures.complaint_second_level import PROCESS_ID as COMPLAINT_PROCESS
from app.procedures.na_session_reception import DAILY_FORM, PROCESS_ID, register_columns, register_rules
from app.services import access, duplicates
from app.services.access import Right
from app.services.cases import PreparedStart, insert_started, prepare_start
from app.services.principal import Principal
from app.services.runtime import Runtime
from app.services.state import load_run, lock_instance, require_sealed

PLAN_PROCESS = PROCESS_ID
GROUP_SIZE = 5  # 5 or more people on one content: a group case, with representatives (LTCD Art. 29)
MAX_PEOPLE = 10_000  # the form sets no upper bound; the column is a 32-bit integer on PostgreSQL


def reception_window(data: dict[str, Any]) -> tuple[Any, Any]:
    """The plan's own reception window; a plan started before it had one receives during the session."""
    return (data.get("reception_start") or data.get("window_start"),
            data.get("reception_end") or data.get("window_end"))


def record_schema(rt: Runtime, session: Session, plan: Instance) -> dict[str, Any]:
    """The schema of one register record: the items of the plan's daily entry form."""
    process = rt.process(session, plan.deployment)
    form = process.form_schema(DAILY_FORM)
    return dict(form["properties"]["reception_day"]["properties"]["records"]["items"])


@dataclass
class PreparedRecord:
    """A register record checked, with the complaint it opens already run in memory (no lock held)."""

    received_on: date
    record: dict[str, Any]
    source: str
    case: PreparedStart | None


def add_record(rt: Runtime, principal: Principal, plan_id: int, day: Any, record: Any) -> ReceptionRecord:
    """Enter one record from the register page: checked and run in memory, then saved in one short write."""
    access.require(principal, Right.WRITE_REGISTER)
    with rt.db.reading() as session:
        plan = readable_plan(rt, session, principal, plan_id)
        require_sealed(rt, plan)
        if not isinstance(record, dict):
            raise InvalidInput("Lượt tiếp phải là một đối tượng JSON.")
        received_on = _day(day)
        errors = validate_form(compile_schema(record_schema(rt, session, plan), "reception_record", check=False), record)
        if errors:
            raise FormValidationError(fields=errors)
        _, run = load_run(rt, session, plan)
        if received_on.isoformat() not in (run.data.get("reception_days") or []):
            raise FormValidationError(fields={"received_on": f"Ngày {received_on:%d/%m/%Y} không phải ngày tiếp của kế hoạch."})
        if received_on > rt.today():
            raise FormValidationError(fields={"received_on": f"Chưa đến ngày tiếp {received_on:%d/%m/%Y}: chỉ ghi sổ "
                                                             "lượt tiếp đã diễn ra."})
        prepared = _prepare(rt, session, principal, received_on, record, source="register")
    with rt.db.writing() as session:
        return _store(rt, session, principal, lock_instance(rt, session, plan_id), prepared)


def prepare_entry(rt: Runtime, session: Session, principal: Principal, day: str,
                  entry: dict[str, Any]) -> list[PreparedRecord]:
    """The records of a daily entry (already validated with its form), every one checked before any case opens."""
    records = entry.get("reception_day", {}).get("records", [])
    for index, record in enumerate(records):
        _in_entry(index, _check_record, rt, record, _day(day))
    return [_in_entry(index, _prepare, rt, session, principal, _day(day), record, source="daily_entry")
            for index, record in enumerate(records)]


def store_entry(rt: Runtime, session: Session, principal: Principal, plan: Instance,
                prepared: list[PreparedRecord]) -> list[ReceptionRecord]:
    """Save a daily entry's prepared records in the caller's write transaction (which holds the plan's lock)."""
    return [_store(rt, session, principal, plan, one) for one in prepared]


def _in_entry(index: int, step: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ``step`` for the entry's record ``index``; its field errors land on that record of the form."""
    try:
        return step(*args, **kwargs)
    except FormValidationError as error:
        raise FormValidationError(error.message, fields={f"reception_day.records.{index}.{k}": v
                                                         for k, v in error.fields.items()}) from None


def _prepare(rt: Runtime, session: Session, principal: Principal, received_on: date, record: dict[str, Any], *,
             source: str) -> PreparedRecord:
    _check_record(rt, record, received_on)
    case = None
    if record["handling"] == "open_case":
        try:
            case = prepare_start(rt, session, principal, COMPLAINT_PROCESS, petition_from(record, received_on))
        except FormValidationError as error:  # the petition's own rules: say them on the record's fields
            raise FormValidationError(error.message, fields=_record_fields(error.fields, record)) from error
    return PreparedRecord(received_on, record, source, case)


def _store(rt: Runtime, session: Session, principal: Principal, plan: Instance,
           prepared: PreparedRecord) -> ReceptionRecord:
    record, received_on, source = prepared.record, prepared.received_on, prepared.source
    persons = record["persons"]
    row = ReceptionRecord(
        plan_instance_id=plan.id, sequence=queries.next_reception_sequence(session, plan.id), received_on=received_on,
        name=str(persons[0]["full_name"])[:200], address=str(record["address"])[:300],
        people_count=int(record["people_count"]), kind=record["kind"],
        group_case=int(record["people_count"]) >= GROUP_SIZE, bypassing=bool(record.get("bypassing")),
        protracted=bool(record.get("protracted")), within_competence=bool(record.get("within_competence")),
        handling=record["handling"], content=record["content"], details=record, source=source,
        created_by=principal.username, created_at=rt.now(),
    )
    session.add(row)
    session.flush()
    if prepared.case is not None:
        change = insert_started(rt, session, principal, prepared.case,
                                links={"reception_record": {"id": row.id, "sequence": row.sequence,
                                                            "plan_case_number": plan.case_number}})
        row.case_instance_id = change.instance.id
        duplicates.remember(session, change.instance, prepared.case.data)  # a later desk registration is warned
    audit.append_event(session, rt.audit_keys, plan, at=rt.now(), actor=principal.username, action="reception_recorded",
                       data={"record_id": row.id, "sequence": row.sequence, "received_on": received_on.isoformat(),
                             "source": source, "record": record, "case_instance_id": row.case_instance_id})
    return row


def _check_record(rt: Runtime, record: dict[str, Any], received_on: date) -> None:
    """What the record schema cannot say: a plausible number of people, when a case may open, a lawful refusal."""
    if int(record["people_count"]) > MAX_PEOPLE:
        raise FormValidationError(fields={"people_count": f"Số người quá lớn (tối đa {MAX_PEOPLE:,} người một lượt tiếp)."
                                                          .replace(",", ".")})
    register_rules.check_opening(record)
    register_rules.check_refusal(rt.engine.calendar, record, received_on, rt.today())


# Where each part of the petition comes from in the record (see ``petition_from``).
PETITION_SOURCES = {"first_decision": "complaint.first_decision", "respondent": "complaint.respondent",
                    "reasons": "complaint.reasons", "request": "complaint.request",
                    "remote_area": "complaint.remote_area", "complainant_count": "people_count",
                    "dossier": "complaint.dossier", "submitted_to": "complaint.first_decision.issuer_level"}


def _record_fields(fields: dict[str, str], record: dict[str, Any]) -> dict[str, str]:
    """The petition's field errors moved onto the record's fields they were filled from."""
    person = "representatives.0" if record.get("representatives") else "persons.0"
    moved = {}
    for path, message in fields.items():
        head, _, rest = path.partition(".")
        source = person if head == "complainant" else PETITION_SOURCES.get(head, head)
        moved[f"{source}.{rest}" if rest else source] = message
    return moved


def petition_from(record: dict[str, Any], received_on: date) -> dict[str, Any]:
    """The second-level petition a record opens: the register's facts in the petition form's shape.

    Addressed to the authority the record's issuer level names (``register_rules.competent_authority``);
    the dossier is what the officer checked at the desk, carried unchanged (no documents listed).
    """
    complaint = record["complaint"]
    representatives = record.get("representatives") or []
    first = (representatives or record["persons"])[0]
    person = {"full_name": first["full_name"], "address": first.get("address") or record["address"]}
    if first.get("id_number"):
        person["id_number"] = first["id_number"]
    petition: dict[str, Any] = {
        "received_on": received_on.isoformat(),
        "submitted_to": register_rules.competent_authority(record),
        "receiving_channel": "in_person",
        "complainant": person,
        "complainant_count": int(record["people_count"]),
        "respondent": complaint["respondent"],
        "first_decision": complaint["first_decision"],
        "content": record["content"],
        "reasons": complaint["reasons"],
        "request": complaint["request"],
        "remote_area": bool(complaint.get("remote_area", False)),
        "excluded_days": [],
        "dossier": {**complaint["dossier"], "evidence": []},
    }
    if representatives:
        petition["representatives"] = [{"full_name": r["full_name"], "address": r.get("address") or record["address"]}
                                       for r in representatives]
    return petition


def list_records(rt: Runtime, principal: Principal, plan_id: int, *, day: date | None = None, q: str | None = None,
                 kind: str | None = None) -> list[ReceptionRecord]:
    with rt.db.reading() as session:
        readable_plan(rt, session, principal, plan_id)
        return list(queries.reception_records(session, plan_id, day=day, q=q, kind=kind))


def document_rows(session: Session, plan_id: int) -> list[dict[str, str]]:
    """The plan's register as a document lists it («register» of a template): one row per record, in order.

    Mẫu số 03/TCD's columns as shown to readers (``register_columns``): dates dd/mm/yyyy, choices by their
    titles, never a code; «x» marks a yes; an empty text where the record says nothing. ``people_count``
    is plain digits, so a template may add the rows up (``register|map(attribute="people_count")|map("int")|sum``).
    """
    records = queries.reception_records(session, plan_id, day=None, q=None, kind=None)
    numbers = queries.case_numbers(session, [r.case_instance_id for r in records if r.case_instance_id])
    rows = []
    for line in register_columns.lines(records, {}, numbers):
        r = line.record
        rows.append({
            "sequence": str(r.sequence), "day": f"{r.received_on:%d/%m/%Y}", "full_name": line.names,
            "address": line.address, "id_number": line.id_numbers, "content": r.content, "kind": line.kind,
            "people_count": str(r.people_count), "prior_handling": str((r.details or {}).get("prior_handling") or ""),
            "within_competence": "x" if r.within_competence else "", "handling": line.handling,
            "guided_to": line.guided_to, "transferred_to": line.transferred_to, "follow_up": line.follow_up,
            "note": line.note, "refusal_notice": line.refusal_notice, "representatives": line.representatives,
            "case_number": line.case_number, "group_case": "x" if r.group_case else "",
            "bypassing": "x" if r.bypassing else "", "protracted": "x" if r.protracted else "",
        })
    return rows


def readable_plan(rt: Runtime, session: Session, principal: Principal, plan_id: int) -> Instance:
    """A reception plan the caller may read (404 when there is none, or it is outside the caller's scope)."""
    plan = queries.instance(session, plan_id)
    if plan is None or plan.process_id != PLAN_PROCESS:
        raise NotFound(access.CASE_NOT_FOUND)
    access.require_case(principal, rt.process(session, plan.deployment), plan)
    return plan


def _day(value: Any) -> date:
    try:
        return to_date(value)
    except ValueError:
        raise FormValidationError(fields={"received_on": "Ngày tiếp phải có dạng YYYY-MM-DD."}) from None
