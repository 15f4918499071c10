"""Deployments are idempotent by content; a change is a new version; cases stay on theirs."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from app.errors import DiagramError, Forbidden
from app.services import deploy
from app.services.principal import Principal
from app.services.runtime import Runtime
from tests import cases
from tests.api.helpers import case, complete, ready_task, start
from tests.conftest import basic

PID = "complaint_second_level"
BPMN = f"processes/{PID}/{PID}.bpmn"
ANALYST = Principal(0, "analyst", "Analyst", frozenset({"analyst"}))


def _files(rt: Runtime) -> dict[str, str]:
    return deploy.read_sources(rt.processes_dir, rt.forms_dir, PID)


def test_same_files_deploy_as_the_same_version(rt: Runtime) -> None:
    again = deploy.deploy(rt, ANALYST, PID, _files(rt))
    assert (again.version, again.created) == (1, False)


def test_changed_files_make_a_new_version_and_running_cases_stay_on_theirs(rt: Runtime, client: FlaskClient) -> None:
    old_case = start(client, cases.petition()).get_json()
    files = _files(rt)
    files[BPMN] = files[BPMN].replace('name="Xem xét thụ lý đơn khiếu nại"', 'name="Xem xét thụ lý đơn (bản 2)"', 1)
    result = deploy.deploy(rt, ANALYST, PID, files)
    assert (result.version, result.created) == (2, True)
    new_case = start(client, cases.petition(), confirm_duplicate=True).get_json()  # the same citizen again
    assert (old_case["deployment_version"], new_case["deployment_version"]) == (1, 2)
    assert ready_task(client, old_case["id"])["name"] == "Xem xét thụ lý đơn khiếu nại"
    assert ready_task(client, new_case["id"])["name"] == "Xem xét thụ lý đơn (bản 2)"
    assert complete(client, ready_task(client, old_case["id"])["id"], cases.acceptance(), "resolver").status_code == 200
    assert case(client, old_case["id"])["tasks"][0]["bpmn_id"] == "assign_verification"


def test_only_analysts_deploy(rt: Runtime) -> None:
    clerk = Principal(0, "clerk", "Clerk", frozenset({"clerk"}))
    try:
        deploy.deploy(rt, clerk, PID, _files(rt))
    except Forbidden:
        return
    raise AssertionError("a clerk deployed a diagram")


def test_api_refuses_a_diagram_with_an_entity_and_stores_nothing(rt: Runtime, client: FlaskClient) -> None:
    files = _files(rt)
    files[BPMN] = files[BPMN].replace('?>', '?><!DOCTYPE x [<!ENTITY e "boom">]>', 1)
    response = client.post(f"/api/processes/{PID}/deployments", json={"files": files}, headers=basic("analyst"))
    assert response.status_code == 422 and response.get_json()["error"] == "unsafe_diagram"
    versions = {p["process_id"]: p["version"] for p in client.get("/api/processes", headers=basic("analyst")).get_json()}
    assert versions[PID] == 1


def test_api_refuses_a_condition_that_imports_os(rt: Runtime, client: FlaskClient) -> None:
    files = _files(rt)
    files[BPMN] = files[BPMN].replace("competent_authority == submitted_to", "__import__(&apos;os&apos;) is None", 1)
    response = client.post(f"/api/processes/{PID}/deployments", json={"files": files}, headers=basic("analyst"))
    body = response.get_json()
    assert response.status_code == 422 and body["error"] == "unsafe_diagram"
    assert body["details"]["element"] == "flow_competent"
    assert "__import__" in body["message"]


def test_api_deploys_a_changed_diagram_for_an_analyst(rt: Runtime, client: FlaskClient) -> None:
    files = _files(rt)
    files[BPMN] = files[BPMN].replace('name="Tổ chức đối thoại"', 'name="Tổ chức đối thoại (bắt buộc)"', 1)
    assert client.post(f"/api/processes/{PID}/deployments", json={"files": files}, headers=basic("clerk")).status_code == 403
    response = client.post(f"/api/processes/{PID}/deployments", json={"files": files}, headers=basic("analyst"))
    assert response.status_code == 201 and response.get_json()["version"] == 2


def test_a_lane_that_is_no_role_is_refused(rt: Runtime) -> None:
    files = _files(rt)
    files[BPMN] = files[BPMN].replace('id="clerk"', 'id="Lane_1"', 1)
    try:
        deploy.deploy(rt, ANALYST, PID, files)
    except DiagramError as error:
        problems = error.details["problems"]
        assert {p["rule"] for p in problems} == {"lane-unknown-role"}
        assert all("Lane_1" in p["message"] and p["line"] for p in problems)
        assert sorted(p["element"] for p in problems) == ["publish_decision", "send_decision"]
        return
    raise AssertionError("a diagram whose tasks reach no role was deployed")


def test_a_deploy_names_every_problem_at_once_and_stores_nothing(rt: Runtime) -> None:
    files = _files(rt)
    files[BPMN] = files[BPMN].replace('id="clerk"', 'id="Lane_1"', 1).replace(
        "competent_authority == submitted_to", "__import__(&apos;os&apos;) is None", 1)
    try:
        deploy.deploy(rt, ANALYST, PID, files)
    except DiagramError as error:
        assert error.code == "unsafe_diagram"
        assert {p["rule"] for p in error.details["problems"]} == {"lane-unknown-role", "unsafe-expression"}
        assert "Lane_1" in error.message and "__import__" in error.message
        assert max(d.version for d in deploy.list_deployments(rt) if d.process_id == PID) == 1
        return
    raise AssertionError("a diagram with two problems was deployed")


def test_a_refusal_spells_out_fifty_problems_and_keeps_them_all_in_its_details(rt: Runtime) -> None:
    files = _files(rt)
    files[BPMN] = files[BPMN].replace('bpmnElement="', 'bpmnElement="undrawn_').replace(
        "<bpmn:flowNodeRef>review_acceptance</bpmn:flowNodeRef>", "", 1)
    try:
        deploy.deploy(rt, ANALYST, PID, files)
    except DiagramError as error:
        problems = error.details["problems"]
        assert len(problems) > 100 and error.message.count("\n- ") == 50
        assert f"và {len(problems) - 50} lỗi khác" in error.message
        assert (error.details["element"], error.details["file"]) == ("review_acceptance", BPMN)
        return
    raise AssertionError("a step outside every lane was deployed")


def test_a_diagram_only_missing_its_drawing_deploys(rt: Runtime) -> None:
    files = _files(rt)
    files[BPMN] = files[BPMN].replace('bpmnElement="review_acceptance"', 'bpmnElement="undrawn"', 1)
    assert deploy.deploy(rt, ANALYST, PID, files).created


def test_a_condition_reading_a_variable_nothing_produces_is_refused_and_nothing_is_stored(rt: Runtime) -> None:
    files = _files(rt)
    files[BPMN] = files[BPMN].replace("accepted == True", "acceptd == True", 1)
    with pytest.raises(DiagramError) as refused:
        deploy.deploy(rt, ANALYST, PID, files)
    [problem] = refused.value.details["problems"]
    assert (problem["rule"], problem["element"], problem["file"]) == ("unknown-variable", "flow_accepted", BPMN)
    assert problem["line"] == files[BPMN][: files[BPMN].index("acceptd == True")].count("\n") + 1
    assert "“acceptd”" in refused.value.message
    assert max(d.version for d in deploy.list_deployments(rt) if d.process_id == PID) == 1
