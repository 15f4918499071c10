"""A role limited to an organisation acts only on that organisation's cases."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from app.errors import FormValidationError, NotFound
from app.persistence import queries
from app.persistence.models import Instance
from app.services import cases as case_service
from app.services import tasks, upkeep, users
from app.services.principal import Principal
from app.services.runtime import Runtime
from tests import cases

AGRICULTURE = "Sở Nông nghiệp và PTNT"


def _start(rt: Runtime, **changes: object) -> int:
    reception = users.authenticate_password(rt, "reception", "demo")
    return case_service.start_case(rt, reception, "complaint_second_level", cases.petition(**changes)).instance.id


def _unit_case(rt: Runtime, department: str) -> int:
    first = {**cases.petition()["first_decision"], "issuer_level": "department_unit_head",
             "issuer": "Chi cục trưởng", "department": department}
    return _start(rt, first_decision=first, submitted_to="department_head")


def _inbox_cases(rt: Runtime, principal: Principal) -> set[int]:
    return {row.instance_id for row in tasks.inbox(rt, principal, page=1, per_page=50).items}


def test_department_resolver_sees_and_acts_only_on_its_department(rt: Runtime) -> None:
    mine, other, provincial = _unit_case(rt, AGRICULTURE), _unit_case(rt, "Sở Tài chính"), _start(rt)
    resolver = users.create_user(rt, "giamdoc_snn", "Giám đốc Sở NN&PTNT", "pw", ["resolver"], AGRICULTURE)
    assert _inbox_cases(rt, resolver) == {mine}
    demo_resolver = users.authenticate_password(rt, "resolver", "demo")
    assert _inbox_cases(rt, demo_resolver) == {mine, other, provincial}
    other_task = case_service.get_case(rt, demo_resolver, other).tasks[0]
    assert other_task.organisation == "Sở Tài chính"
    with pytest.raises(NotFound):  # another organisation's task is as if it did not exist
        tasks.complete_task(rt, resolver, other_task.id, cases.acceptance())
    own_task = case_service.get_case(rt, demo_resolver, mine).tasks[0]
    tasks.complete_task(rt, resolver, own_task.id, cases.acceptance())
    assert case_service.get_case(rt, resolver, mine).tasks[0].bpmn_id == "assign_verification"


def test_provincial_cases_belong_to_the_provincial_committee(rt: Runtime) -> None:
    instance_id = _start(rt)
    auditor = users.authenticate_password(rt, "auditor", "demo")
    assert case_service.get_case(rt, auditor, instance_id).tasks[0].organisation == "ubnd_tinh"


def test_unit_decision_without_its_department_is_refused(rt: Runtime) -> None:
    first = {**cases.petition()["first_decision"], "issuer_level": "department_unit_head"}
    with pytest.raises(FormValidationError) as caught:
        _start(rt, first_decision=first, submitted_to="department_head")
    assert caught.value.fields == {"first_decision.department": "Chưa nhập «Sở, ban, ngành»."}


def test_cases_from_before_the_organisation_column_get_theirs_at_setup(rt: Runtime) -> None:
    department, provincial = _unit_case(rt, AGRICULTURE), _start(rt)
    with rt.db.writing() as session:  # as migration 0008 leaves an existing database
        session.execute(update(Instance).values(organisation=None))
    assert upkeep.after_migrate(rt).organisations == 2
    with rt.db.reading() as session:
        found = {i: queries.instance(session, i).organisation for i in (department, provincial)}  # type: ignore[union-attr]
    assert found == {department: AGRICULTURE, provincial: "ubnd_tinh"}
    assert upkeep.after_migrate(rt).organisations == 0  # nothing left to derive
