"""A process's versions with their cases, and the diff between two naming exactly what the edits changed."""

from __future__ import annotations

import pytest

from app.engine.diff import KindChange
from app.engine.diff_bpmn import Change, ElementChange, element_facts
from app.errors import Forbidden, NotFound
from app.services import tasks, users, versions
from app.services.principal import Principal
from app.services.runtime import Runtime
from tests import cases
from tests.versions import ANALYST, DOCS, FORMS, PID, RENAMED, deploy_version_two, version_two
from tests.web.helpers import ready_task_id, start_case

ADMIN = Principal(0, "admin", "Admin", frozenset({"admin"}))


def _citizen(number: str) -> dict[str, str]:
    return {**cases.petition()["complainant"], "id_number": number}


def test_a_second_version_counts_its_own_cases_and_the_finished_ones(rt: Runtime) -> None:
    start_case(rt, complainant=_citizen("064000000001"))
    guided = start_case(rt, complainant=_citizen("064000000002"), submitted_to="department_head")
    reception = users.authenticate_password(rt, "reception", "demo")
    tasks.complete_task(rt, reception, ready_task_id(rt, guided), cases.guidance())
    deploy_version_two(rt)
    start_case(rt, complainant=_citizen("064000000003"))

    listed = versions.deployments_of(rt, ANALYST, PID)

    assert [(v.version, v.cases, v.running, v.finished) for v in listed] == [(1, 2, 1, 1), (2, 1, 1, 0)]
    assert [v.deployed_by for v in listed] == ["system", "analyst"]
    assert listed[0].content_hash != listed[1].content_hash and len(listed[1].content_hash) == 64


def test_a_version_without_cases_counts_none(rt: Runtime) -> None:
    [only] = versions.deployments_of(rt, ADMIN, PID)
    assert (only.version, only.cases, only.running, only.finished) == (1, 0, 0, 0)


def test_the_diff_names_exactly_the_edits(rt: Runtime) -> None:
    deploy_version_two(rt)

    diff = versions.diff(rt, ANALYST, PID, 1, 2).diff

    assert [(e.id, e.type) for e in diff.elements.added] == [("confirm_guidance", "userTask"),
                                                             ("flow_confirmed", "sequenceFlow")]
    assert diff.elements.removed == []
    assert diff.elements.changed == [
        ElementChange("flow_to_mark_guided", "sequenceFlow", None, [Change("target", "mark_guided", "confirm_guidance")]),
        ElementChange("review_acceptance", "userTask", RENAMED,
                      [Change("name", "Xem xét thụ lý đơn khiếu nại", RENAMED)]),
    ]
    assert diff.forms.added == [f"{FORMS}/confirm_guidance.schema.json"] and diff.forms.removed == []
    [form] = diff.forms.changed
    assert (form.path, form.fields_added, form.fields_removed, form.fields_changed) == (
        f"{FORMS}/guide_complainant.schema.json", ["guidance.signer"], [], [])
    assert (diff.templates.added, diff.templates.removed, diff.templates.changed) == ([], [], [f"{DOCS}/receipt.docx"])
    assert diff.document_kinds.changed == [KindChange("receipt", ["title"])]
    assert (diff.document_kinds.added, diff.document_kinds.removed, diff.document_kinds.settings_changed) == ([], [], [])
    assert (diff.other_files.added, diff.other_files.removed, diff.other_files.changed) == ([], [], [])


def test_the_reverse_diff_removes_what_the_forward_one_added(rt: Runtime) -> None:
    deploy_version_two(rt)
    forward, backward = versions.diff(rt, ANALYST, PID, 1, 2).diff, versions.diff(rt, ANALYST, PID, 2, 1).diff
    assert backward.elements.removed == forward.elements.added
    assert backward.forms.removed == forward.forms.added
    assert backward.forms.changed[0].fields_removed == ["guidance.signer"]


def test_the_added_task_is_read_with_its_lane_and_form(rt: Runtime) -> None:
    facts = element_facts(version_two(rt))["confirm_guidance"]
    assert (facts["type"], facts["lane"], facts["form"]) == ("userTask", "reception", "confirm_guidance.schema.json")


def test_a_version_against_itself_changes_nothing(rt: Runtime) -> None:
    diff = versions.diff(rt, ANALYST, PID, 1, 1).diff
    assert diff.elements.changed == diff.elements.added == diff.forms.changed == diff.files.changed == []


@pytest.mark.parametrize("role", ["resolver", "auditor", "reception", "clerk"])
def test_only_analysts_and_admins_read_versions(rt: Runtime, role: str) -> None:
    principal = Principal(0, role, role, frozenset({role}))
    with pytest.raises(Forbidden):
        versions.deployments_of(rt, principal, PID)
    with pytest.raises(Forbidden):
        versions.diff(rt, principal, PID, 1, 1)


def test_an_unknown_process_or_version_is_not_found(rt: Runtime) -> None:
    with pytest.raises(NotFound, match="Không tìm thấy quy trình"):
        versions.deployments_of(rt, ANALYST, "no_such_process")
    with pytest.raises(NotFound, match="Không tìm thấy quy trình"):
        versions.diff(rt, ANALYST, "no_such_process", 1, 2)
    with pytest.raises(NotFound, match="không có phiên bản 2"):
        versions.diff(rt, ANALYST, PID, 1, 2)
