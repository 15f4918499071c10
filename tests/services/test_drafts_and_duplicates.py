"""Drafts of a task's form (per task and officer, gone with the task) and the same petition registered twice."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from app.errors import DuplicatePetition, Forbidden, InvalidInput, NotFound
from app.persistence import queries, worklist
from app.procedures import all_procedures
from app.services import cases as case_service
from app.services import drafts, tasks, upkeep, users
from app.services.procedures import Procedures
from app.services.runtime import Runtime
from tests import cases

FINANCE, AGRICULTURE = "Sở Tài chính", "Sở Nông nghiệp và PTNT"
PASSWORD = "matkhau-123"


def _start(rt: Runtime, *, confirm: bool | None = None, who: str = "reception", password: str = "demo",
           **changes: Any) -> int:
    reception = users.authenticate_password(rt, who, password)
    return case_service.start_case(rt, reception, "complaint_second_level", cases.petition(**changes),
                                   confirm_duplicate=confirm).instance.id


def _department(department: str) -> dict[str, Any]:
    return {"first_decision": {**cases.petition()["first_decision"], "issuer_level": "department_unit_head",
                               "issuer": "Chi cục trưởng", "department": department},
            "submitted_to": "department_head"}


def _task(rt: Runtime, instance_id: int) -> Any:
    [task] = case_service.get_case(rt, users.authenticate_password(rt, "auditor", "demo"), instance_id).tasks
    return task


def _drafts_of(rt: Runtime, instance_id: int) -> int:
    with rt.db.reading() as session:
        return len([d for d in session.query(worklist.TaskDraft).filter_by(instance_id=instance_id)])


# -- drafts ------------------------------------------------------------------------------------

def test_a_draft_is_kept_per_task_and_officer_and_goes_when_the_task_completes(rt: Runtime) -> None:
    instance_id = _start(rt)
    task = _task(rt, instance_id)
    resolver = users.authenticate_password(rt, "resolver", "demo")
    typed = [("acceptance_notice.number", "45/TB-UBND"), ("complex_case", "on"), ("eligibility.no_court_case", "true")]
    saved = drafts.save_draft(rt, resolver, task.id, fields=typed)
    assert saved.size > 0
    again = drafts.get_draft(rt, resolver, task.id)
    assert again is not None and again.fields == typed and again.data is None
    drafts.save_draft(rt, resolver, task.id, data={"accepted": True})  # replaces it
    latest = drafts.get_draft(rt, resolver, task.id)
    assert latest is not None and latest.data == {"accepted": True} and latest.fields is None
    colleague = users.create_user(rt, "pho_gd", "Phó Giám đốc", PASSWORD, ["resolver"])
    assert drafts.get_draft(rt, colleague, task.id) is None  # each officer's own
    with rt.db.reading() as session:  # not part of the case: its trail holds no draft
        assert not [e for e in queries.audit_events(session, instance_id) if "draft" in e.action]
    tasks.complete_task(rt, resolver, task.id, cases.acceptance())
    assert _drafts_of(rt, instance_id) == 0


def test_a_draft_goes_when_its_task_is_cancelled(rt: Runtime) -> None:
    instance_id = _start(rt)
    resolver = users.authenticate_password(rt, "resolver", "demo")
    drafts.save_draft(rt, resolver, _task(rt, instance_id).id, fields=[("complex_case", "on")])
    reception = users.authenticate_password(rt, "reception", "demo")
    case_service.deliver_message(rt, reception, instance_id, "withdrawal", cases.withdrawal("2021-02-20"))
    assert _drafts_of(rt, instance_id) == 0


def test_only_who_may_complete_the_task_may_save_a_draft_of_it(rt: Runtime) -> None:
    instance_id = _start(rt, **_department(FINANCE))
    task = _task(rt, instance_id)
    for name in ("clerk", "auditor", "inspectorate", "admin"):
        with pytest.raises(Forbidden):
            drafts.save_draft(rt, users.authenticate_password(rt, name, "demo"), task.id, fields=[])
    other = users.create_user(rt, "giamdoc_nn", "Giám đốc Sở NN", PASSWORD, ["resolver"], AGRICULTURE)
    with pytest.raises(NotFound):
        drafts.save_draft(rt, other, task.id, fields=[])
    resolver = users.authenticate_password(rt, "resolver", "demo")
    users.create_user(rt, "giamdoc_tc", "Giám đốc Sở TC", PASSWORD, ["resolver"], FINANCE)
    tasks.assign_task(rt, resolver, task.id, "giamdoc_tc")
    with pytest.raises(Forbidden):  # held by someone else: as completing it
        drafts.save_draft(rt, resolver, task.id, fields=[])


def test_a_draft_is_bounded_and_refuses_control_characters_naming_the_field(rt: Runtime) -> None:
    task = _task(rt, _start(rt))
    resolver = users.authenticate_password(rt, "resolver", "demo")
    with pytest.raises(InvalidInput) as refused:
        drafts.save_draft(rt, resolver, task.id, fields=[("rejection_reason", "x\x00y"), ("complex_case", "on")])
    assert set(refused.value.fields) == {"rejection_reason"}
    with pytest.raises(InvalidInput):
        drafts.save_draft(rt, resolver, task.id, fields=[("rejection_reason", "ư" * (drafts.MAX_BYTES // 2))])
    with pytest.raises(InvalidInput):
        drafts.save_draft(rt, resolver, task.id, fields=[("f", "")] * (drafts.MAX_FIELDS + 1))
    assert drafts.get_draft(rt, resolver, task.id) is None


# -- duplicates --------------------------------------------------------------------------------

def test_the_same_petition_registered_twice_is_refused_until_the_officer_confirms(rt: Runtime) -> None:
    first = _start(rt, confirm=False)
    with pytest.raises(DuplicatePetition) as warned:
        _start(rt, confirm=False)
    [match] = warned.value.details["duplicates"]
    assert match["instance_id"] == first and match["matched"] == ["id_number", "name_address"]
    assert warned.value.details["elsewhere"] == 0
    second = _start(rt, confirm=True)
    with rt.db.reading() as session:
        [event] = [e for e in queries.audit_events(session, second) if e.action == "duplicate_confirmed"]
        assert event.actor == "reception"
        assert json.loads(event.data) == {"duplicates": ["KN2-2021-000001"], "matched": ["id_number", "name_address"],
                                          "other_organisations": 0}


def test_a_match_by_id_number_or_by_name_and_address_against_the_same_decision_only(rt: Runtime) -> None:
    _start(rt, confirm=False)
    person = cases.petition()["complainant"]
    same_id = {**person, "full_name": "Nguyen Van A (viết khác)", "address": "Thôn 3"}
    same_name = {"full_name": "NGUYỄN  VĂN A", "address": "xã Ia Mơ - huyện Chư Prông, tỉnh Gia Lai"}
    for complainant, kind in ((same_id, ["id_number"]), (same_name, ["name_address"])):
        with pytest.raises(DuplicatePetition) as warned:
            _start(rt, confirm=False, complainant=complainant)
        assert warned.value.details["duplicates"][0]["matched"] == kind
    other_decision = {**cases.petition()["first_decision"], "number": "16/QĐ-UBND"}
    _start(rt, confirm=False, first_decision=other_decision)  # another decision: another petition
    _start(rt, confirm=False, complainant={**person, "id_number": "079099000111", "full_name": "Lê Thị C"})
    _start(rt, confirm=None)  # scripts and seeds (None) are not checked


def test_another_organisations_case_is_only_counted_never_named(rt: Runtime) -> None:
    users.create_user(rt, "tiepdan_tc", "Tiếp dân Sở TC", PASSWORD, ["reception"], FINANCE)
    _start(rt, confirm=False, **_department(AGRICULTURE))
    own = _start(rt, confirm=True, who="tiepdan_tc", password=PASSWORD, **_department(FINANCE))
    with pytest.raises(DuplicatePetition) as warned:
        _start(rt, confirm=False, who="tiepdan_tc", password=PASSWORD, **_department(FINANCE))
    assert [d["instance_id"] for d in warned.value.details["duplicates"]] == [own]
    assert warned.value.details["elsewhere"] == 1
    with rt.db.reading() as session:
        [event] = [e for e in queries.audit_events(session, own) if e.action == "duplicate_confirmed"]
        assert json.loads(event.data) == {"duplicates": [], "matched": [], "other_organisations": 1}


def test_setup_gives_cases_opened_before_the_check_their_keys(rt: Runtime) -> None:
    instance_id = _start(rt)
    with rt.db.writing() as session:
        session.query(worklist.PetitionKey).delete()
    assert upkeep.fill_petition_keys(rt) == 1
    assert upkeep.fill_petition_keys(rt) == 0  # idempotent
    with pytest.raises(DuplicatePetition) as warned:
        _start(rt, confirm=False)
    assert warned.value.details["duplicates"][0]["instance_id"] == instance_id


def test_a_procedure_that_does_not_declare_the_duplicate_check_is_not_checked(rt: Runtime,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _start(rt, confirm=False)
    with pytest.raises(DuplicatePetition):  # the complaint declares it: the same petition again is refused
        _start(rt, confirm=False)
    unchecked = [replace(p, duplicate_checked=False) for p in all_procedures()]
    monkeypatch.setattr(rt, "procedures", Procedures(unchecked))
    assert _start(rt, confirm=False)
