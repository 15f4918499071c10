"""``POST /api/processes/{id}/lint``: every problem of the files at once, for analysts, storing nothing."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from app.services import deploy
from app.services.runtime import Runtime
from tests.conftest import basic

PID = "complaint_second_level"
BPMN = f"processes/{PID}/{PID}.bpmn"
URL = f"/api/processes/{PID}/lint"


def _files(rt: Runtime) -> dict[str, str]:
    return deploy.read_sources(rt.processes_dir, rt.forms_dir, PID)


def _versions(client: FlaskClient) -> dict[str, Any]:
    listed = client.get("/api/processes", headers=basic("analyst")).get_json()
    return {p["process_id"]: p["version"] for p in listed}


def _bad(rt: Runtime) -> dict[str, str]:
    """Three mistakes in one diagram: a step outside every lane, an unsafe condition, an undeclared message."""
    files = _files(rt)
    for old, new in (("<bpmn:flowNodeRef>review_acceptance</bpmn:flowNodeRef>", ""),
                     ("competent_authority == submitted_to", "__import__(&apos;os&apos;) is None"),
                     ('messageRef="withdrawal"', 'messageRef="withdrawl"')):
        files[BPMN] = files[BPMN].replace(old, new, 1)
    return files


@pytest.mark.parametrize("user", ["resolver", "auditor", "clerk"])
def test_only_analysts_lint(rt: Runtime, client: FlaskClient, user: str) -> None:
    response = client.post(URL, json={"files": _files(rt)}, headers=basic(user))
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"


def test_a_bad_diagram_answers_every_problem_and_nothing_is_stored(rt: Runtime, client: FlaskClient) -> None:
    before = _versions(client)
    response = client.post(URL, json={"files": _bad(rt)}, headers=basic("analyst"))
    assert response.status_code == 200, response.get_json()
    problems = response.get_json()["problems"]
    assert {(p["rule"], p["element"]) for p in problems} == {
        ("lane-missing", "review_acceptance"), ("unsafe-expression", "flow_competent"),
        ("unknown-message", "withdrawal_during_assign_verification_definition")}
    assert all(p["file"] == BPMN and isinstance(p["line"], int) and p["message"] for p in problems)
    assert _versions(client) == before


def test_the_shipped_files_answer_no_problem(rt: Runtime, client: FlaskClient) -> None:
    response = client.post(URL, json={"files": _files(rt)}, headers=basic("analyst"))
    assert response.status_code == 200 and response.get_json() == {"problems": []}


def test_what_only_the_deploy_gate_sees_is_answered_as_a_problem_too(rt: Runtime, client: FlaskClient) -> None:
    files = _files(rt)
    files[BPMN] = files[BPMN].replace('<bpmn:process id="complaint_second_level"', '<bpmn:process id="other"', 1)
    problems = client.post(URL, json={"files": files}, headers=basic("analyst")).get_json()["problems"]
    assert [p["rule"] for p in problems] == ["compile"]


def test_deploying_the_same_bad_files_names_the_same_problems(rt: Runtime, client: FlaskClient) -> None:
    response = client.post(f"/api/processes/{PID}/deployments", json={"files": _bad(rt)}, headers=basic("analyst"))
    body = response.get_json()
    assert response.status_code == 422 and body["error"] == "unsafe_diagram"
    assert len(body["details"]["problems"]) == 3 and "withdrawl" in body["message"] and "review_acceptance" in body["message"]


def test_files_of_another_process_are_refused(rt: Runtime, client: FlaskClient) -> None:
    response = client.post(URL, json={"files": {"processes/other/x.bpmn": "<x/>"}}, headers=basic("analyst"))
    assert response.status_code == 400
