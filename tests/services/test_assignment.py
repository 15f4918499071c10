"""Work to a named officer: the verification decision routes the verifier's steps, assign, reassign, take back."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.clock import FrozenClock
from app.errors import Forbidden, FormValidationError, NotFound
from app.persistence import queries, worklist
from app.services import cases as case_service
from app.services import tasks, users
from app.services.principal import Principal
from app.services.runtime import Runtime
from tests import cases
from tests.conftest import vn

FINANCE, AGRICULTURE = "Sở Tài chính", "Sở Nông nghiệp và PTNT"
PASSWORD = "matkhau-123"


def _user(rt: Runtime, name: str) -> Principal:
    """A user the test created (the demo users sign in with ``demo``)."""
    return users.authenticate_password(rt, name, PASSWORD)


def _start(rt: Runtime, department: str | None = None) -> int:
    changes: dict[str, Any] = {}
    if department:
        changes = {"first_decision": {**cases.petition()["first_decision"], "issuer_level": "department_unit_head",
                                      "issuer": "Chi cục trưởng", "department": department},
                   "submitted_to": "department_head"}
    reception = users.authenticate_password(rt, "reception", "demo")
    return case_service.start_case(rt, reception, "complaint_second_level", cases.petition(**changes)).instance.id


def _waiting(rt: Runtime, instance_id: int) -> Any:
    auditor = users.authenticate_password(rt, "auditor", "demo")
    found = case_service.get_case(rt, auditor, instance_id).tasks
    assert len(found) == 1, found
    return found[0]


def _events(rt: Runtime, instance_id: int, action: str) -> list[dict[str, Any]]:
    with rt.db.reading() as session:
        return [{"actor": e.actor, "task": e.task_id, **json.loads(e.data)}
                for e in queries.audit_events(session, instance_id) if e.action == action]


def _to_verification(rt: Runtime, instance_id: int, officer: str) -> Any:
    resolver = users.authenticate_password(rt, "resolver", "demo")
    tasks.complete_task(rt, resolver, _waiting(rt, instance_id).id, cases.acceptance())
    assignment = cases.assignment()
    assignment["verifier"]["officer"] = officer
    tasks.complete_task(rt, resolver, _waiting(rt, instance_id).id, assignment)
    return _waiting(rt, instance_id)


def test_the_verification_decision_routes_every_verifier_step_to_the_officer_it_names(rt: Runtime) -> None:
    users.create_user(rt, "canbo_b", "Nguyễn Văn Bình", PASSWORD, ["verifier"])
    instance_id = _start(rt)
    resolver = users.authenticate_password(rt, "resolver", "demo")
    first = _waiting(rt, instance_id)
    tasks.complete_task(rt, resolver, first.id, cases.acceptance())
    picker = tasks.get_task(rt, resolver, _waiting(rt, instance_id).id).officer_choices
    assert picker is not None and sorted(o.username for o in picker["verifier.officer"]) == ["canbo_b", "verifier"]

    assignment = cases.assignment()
    assignment["verifier"]["officer"] = "canbo_b"
    tasks.complete_task(rt, resolver, _waiting(rt, instance_id).id, assignment)
    verify = _waiting(rt, instance_id)
    assert (verify.bpmn_id, verify.assignee) == ("verify_complaint", "canbo_b")
    demo_verifier, officer = users.authenticate_password(rt, "verifier", "demo"), _user(rt, "canbo_b")
    with pytest.raises(Forbidden):  # the role's other officers see who holds it and cannot complete it
        tasks.complete_task(rt, demo_verifier, verify.id, cases.verification())
    mine = tasks.inbox(rt, officer, scope="mine")
    assert [item.task_id for item in mine.items] == [verify.id]
    assert tasks.inbox(rt, demo_verifier, scope="mine").total == 0
    for bpmn_id, payload in (("verify_complaint", cases.verification()), ("record_dialogue", cases.dialogue()),
                             ("submit_verification_report", cases.report())):
        step = _waiting(rt, instance_id)
        assert (step.bpmn_id, step.assignee) == (bpmn_id, "canbo_b")
        tasks.complete_task(rt, officer, step.id, payload)
    assert _waiting(rt, instance_id).assignee is None  # the resolver's decision is the role's again
    routed = _events(rt, instance_id, "task_assigned")
    assert [(e["actor"], e["assignee"], e["routed_by"]) for e in routed] == [("system", "canbo_b", "resolver")] * 3


def test_a_name_typed_instead_of_an_officer_routes_nothing(rt: Runtime) -> None:
    instance_id = _start(rt)
    verify = _to_verification(rt, instance_id, "Ông Trần Văn C, Thanh tra viên")
    assert verify.assignee is None and not _events(rt, instance_id, "task_assigned")


def test_an_officer_of_another_organisation_or_role_or_inactive_is_never_routed(rt: Runtime) -> None:
    users.create_user(rt, "xacminh_nn", "Xác minh viên Sở NN", PASSWORD, ["verifier"], AGRICULTURE)
    users.create_user(rt, "vanthu_tc", "Văn thư Sở TC", PASSWORD, ["clerk"], FINANCE)
    for officer in ("xacminh_nn", "vanthu_tc", "nobody"):
        instance_id = _start(rt, FINANCE)
        assert _to_verification(rt, instance_id, officer).assignee is None, officer


def test_the_resolver_assigns_reassigns_and_takes_back_a_step(rt: Runtime, clock: FrozenClock) -> None:
    users.create_user(rt, "pho_gd", "Phó Giám đốc Sở TC", PASSWORD, ["resolver"], FINANCE)
    users.create_user(rt, "pho_gd2", "Phó Giám đốc thứ hai", PASSWORD, ["resolver"], FINANCE)
    instance_id = _start(rt, FINANCE)
    review = _waiting(rt, instance_id)
    resolver = users.authenticate_password(rt, "resolver", "demo")
    officers = [o.full_name for o in tasks.assignable_officers(rt, resolver, review.id)]
    assert officers == sorted(officers) and len(officers) == 3  # by name: the two deputies and the demo resolver
    assert tasks.assign_task(rt, resolver, review.id, "pho_gd").assignee == "pho_gd"
    deputy, second = _user(rt, "pho_gd"), _user(rt, "pho_gd2")
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, second, review.id, cases.acceptance())
    with pytest.raises(Forbidden):  # nor may a colleague take it by claiming
        tasks.claim_task(rt, second, review.id)
    with pytest.raises(Forbidden):  # the assigner itself completes only what it holds
        tasks.complete_task(rt, resolver, review.id, cases.acceptance())
    tasks.assign_task(rt, resolver, review.id, "pho_gd2")  # reassigned, whoever held it
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, deputy, review.id, cases.acceptance())
    assert tasks.release_task(rt, resolver, review.id).assignee is None  # the assigner takes it back
    assert worklist_route(rt, instance_id) is None
    tasks.assign_task(rt, resolver, review.id, "pho_gd")
    clock.set(vn(2021, 3, 1))
    tasks.complete_task(rt, deputy, review.id, cases.acceptance())
    assert _waiting(rt, instance_id).assignee == "pho_gd"  # the case's next resolver step follows the assignment
    trail = [(e["actor"], e["assignee"], e.get("previous")) for e in _events(rt, instance_id, "task_assigned")]
    assert trail == [("resolver", "pho_gd", None), ("resolver", "pho_gd2", "pho_gd"), ("resolver", "pho_gd", None),
                     ("system", "pho_gd", None)]
    assert [(e["actor"], e["assignee"]) for e in _events(rt, instance_id, "task_released")] == [("resolver", "pho_gd2")]


def worklist_route(rt: Runtime, instance_id: int) -> str | None:
    with rt.db.reading() as session:
        found = worklist.routes(session, instance_id)
        return found[0].username if found else None


def test_who_may_assign_and_to_whom(rt: Runtime) -> None:
    users.create_user(rt, "giamdoc_tc", "Giám đốc Sở TC", PASSWORD, ["resolver"], FINANCE)
    users.create_user(rt, "giamdoc_nn", "Giám đốc Sở NN", PASSWORD, ["resolver"], AGRICULTURE)
    users.create_user(rt, "nghihuu_tc", "Đã nghỉ", PASSWORD, ["resolver"], FINANCE)
    users.create_user(rt, "clerk_tc", "Văn thư", PASSWORD, ["clerk"], FINANCE)
    instance_id = _start(rt, FINANCE)
    review = _waiting(rt, instance_id)
    with rt.db.writing() as session:
        retired = queries.user_by_username(session, "nghihuu_tc")
        assert retired is not None
        retired.is_active = False
    own, other = _user(rt, "giamdoc_tc"), _user(rt, "giamdoc_nn")
    with pytest.raises(NotFound):  # another organisation's step: as if it did not exist
        tasks.assign_task(rt, other, review.id, "giamdoc_nn")
    with pytest.raises(NotFound):
        tasks.assignable_officers(rt, other, review.id)
    with pytest.raises(Forbidden):  # a role with no right to assign
        tasks.assign_task(rt, _user(rt, "clerk_tc"), review.id, "giamdoc_tc")
    for nobody in ("giamdoc_nn", "nghihuu_tc", "clerk_tc", "reception", "khong_co", "", "x" * 500):
        with pytest.raises(FormValidationError) as refused:
            tasks.assign_task(rt, own, review.id, nobody)
        assert set(refused.value.fields) == {"assignee"}
    assert sorted(o.username for o in tasks.assignable_officers(rt, own, review.id)) == ["giamdoc_tc", "resolver"]


def test_a_units_head_assigns_its_units_step_of_a_plan_to_a_colleague_of_the_unit(rt: Runtime,
                                                                                  clock: FrozenClock) -> None:
    clock.set(vn(2021, 3, 22))
    inspectorate = users.authenticate_password(rt, "inspectorate", "demo")
    units = [{"code": f"U{n}", "name": f"Đơn vị {n}", "kind": "department", "organisation": org}
             for n, org in ((1, FINANCE), (2, AGRICULTURE))]
    plan = {"session_name": "Kỳ họp thứ 11", "window_start": "2021-03-24", "window_end": "2021-04-07",
            "reception_start": "2021-03-24", "reception_end": "2021-04-07", "receive_on_weekends": False,
            "reception_office": "Trụ sở Tiếp công dân tỉnh", "units": units,
            "documents": [{"number": "930/UBND-TD", "issued_on": "2021-03-22", "title": "Về việc tiếp công dân"}]}
    case_service.start_case(rt, inspectorate, "na_session_reception", plan)
    users.create_user(rt, "thutruong_tc", "Giám đốc Sở TC", PASSWORD, ["unit_head"], FINANCE)
    users.create_user(rt, "phophong_tc", "Trưởng phòng Sở TC", PASSWORD, ["unit_head"], FINANCE)
    users.create_user(rt, "thutruong_nn", "Giám đốc Sở NN", PASSWORD, ["unit_head"], AGRICULTURE)
    head = _user(rt, "thutruong_tc")
    [own] = tasks.inbox(rt, head, page=1, per_page=10).items
    assert sorted(o.username for o in tasks.assignable_officers(rt, head, own.task_id)) == ["phophong_tc", "thutruong_tc",
                                                                                       "unit_head"]
    with pytest.raises(FormValidationError):  # a head of another unit is not the unit's
        tasks.assign_task(rt, head, own.task_id, "thutruong_nn")
    tasks.assign_task(rt, head, own.task_id, "phophong_tc")
    assert tasks.inbox(rt, _user(rt, "phophong_tc"), scope="mine").total == 1
    demo = users.authenticate_password(rt, "unit_head", "demo")
    other = next(t for t in tasks.inbox(rt, demo, page=1, per_page=10).items
                 if t.organisation == AGRICULTURE)
    with pytest.raises(NotFound):
        tasks.assign_task(rt, head, other.task_id, "thutruong_tc")
