"""The API of work to a named officer, drafts and the duplicate warning, with the attacks an outsider would try."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from app.services import users
from tests import cases
from tests.api.helpers import case, complete, ready_task, start
from tests.conftest import basic

PASSWORD = "matkhau-123"
FINANCE, AGRICULTURE = "Sở Tài chính", "Sở Nông nghiệp và PTNT"


def _user(client: FlaskClient, name: str, role: str, organisation: str | None = None) -> dict[str, str]:
    users.create_user(client.application.extensions["runtime"], name, f"Cán bộ {name}", PASSWORD, [role], organisation)
    return basic(name, PASSWORD)


def _department(department: str) -> dict[str, Any]:
    return cases.petition(first_decision={**cases.petition()["first_decision"], "issuer_level": "department_unit_head",
                                          "issuer": "Chi cục trưởng", "department": department},
                          submitted_to="department_head")


def test_the_openapi_document_lists_the_new_operations_and_their_errors(client: FlaskClient) -> None:
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path, method in (("/api/tasks/{task_id}/assign", "post"), ("/api/tasks/{task_id}/officers", "get"),
                         ("/api/tasks/{task_id}/draft", "put"), ("/api/tasks/{task_id}/draft", "get"),
                         ("/api/tasks/{task_id}/draft", "delete")):
        operation = paths[path][method]
        assert {"403", "404", "409", "413", "422"} <= set(operation["responses"]), (path, method)
    start_op = paths["/api/processes/{process_id}/instances"]["post"]
    assert "duplicate_petition" in start_op["description"] and "409" in start_op["responses"]
    schemas = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    assert schemas["StartBody"]["properties"]["confirm_duplicate"]["type"] == "boolean"
    assert set(schemas["Officer"]["properties"]) == {"username", "full_name", "organisation"}


def test_the_resolver_assigns_a_step_by_api_and_the_officer_finds_it_as_theirs(client: FlaskClient) -> None:
    deputy = _user(client, "pho_gd", "resolver")
    instance = start(client, cases.petition()).get_json()
    task = ready_task(client, instance["id"])
    officers = client.get(f"/api/tasks/{task['id']}/officers", headers=basic("resolver")).get_json()
    assert {o["username"] for o in officers} == {"pho_gd", "resolver"} and all("full_name" in o for o in officers)
    assigned = client.post(f"/api/tasks/{task['id']}/assign", json={"assignee": "pho_gd"}, headers=basic("resolver"))
    assert assigned.status_code == 200 and assigned.get_json()["assignee"] == "pho_gd"
    assert [t["id"] for t in client.get("/api/tasks?mine=1", headers=deputy).get_json()["items"]] == [task["id"]]
    seen = client.get(f"/api/tasks/{task['id']}", headers=basic("resolver")).get_json()
    assert seen["assignee"] == "pho_gd"  # colleagues see who holds it …
    refused = complete(client, task["id"], cases.acceptance(), "resolver")
    assert refused.status_code == 403 and refused.get_json()["error"] == "forbidden"  # … and cannot complete it
    wrong = client.post(f"/api/tasks/{task['id']}/assign", json={"assignee": "clerk"}, headers=basic("resolver"))
    assert wrong.status_code == 422 and set(wrong.get_json()["fields"]) == {"assignee"}
    back = client.post(f"/api/tasks/{task['id']}/release", headers=basic("resolver"))  # the assigner takes it back
    assert back.status_code == 200 and back.get_json()["assignee"] is None
    history = client.get(f"/api/instances/{instance['id']}/history", headers=basic("auditor")).get_json()
    actions = [e["action"] for e in history["events"]]
    assert actions[-2:] == ["task_assigned", "task_released"] and history["chain"]["ok"]


def test_the_verification_decision_names_a_verifier_from_the_tasks_officer_fields(client: FlaskClient) -> None:
    _user(client, "xacminh_b", "verifier")
    instance = start(client, cases.petition()).get_json()
    complete(client, ready_task(client, instance["id"])["id"], cases.acceptance(), "resolver")
    task = ready_task(client, instance["id"])
    detail = client.get(f"/api/tasks/{task['id']}", headers=basic("resolver")).get_json()
    assert {o["username"] for o in detail["officer_fields"]["verifier.officer"]} == {"verifier", "xacminh_b"}
    data = cases.assignment()
    data["verifier"]["officer"] = "xacminh_b"
    assert complete(client, task["id"], data, "resolver").status_code == 200
    verify = ready_task(client, instance["id"])
    assert (verify["bpmn_id"], verify["assignee"]) == ("verify_complaint", "xacminh_b")
    assert complete(client, verify["id"], cases.verification(), "verifier").status_code == 403
    assert complete(client, verify["id"], cases.verification(), "xacminh_b").status_code == 401  # wrong password
    done = client.post(f"/api/tasks/{verify['id']}/complete", json={"data": cases.verification()},
                       headers=basic("xacminh_b", PASSWORD))
    assert done.status_code == 200 and done.get_json()["tasks"][0]["assignee"] == "xacminh_b"


def test_a_draft_is_saved_read_and_thrown_away_and_is_bounded(client: FlaskClient) -> None:
    instance = start(client, cases.petition()).get_json()
    task = ready_task(client, instance["id"])
    url, me = f"/api/tasks/{task['id']}/draft", basic("resolver")
    assert client.get(url, headers=me).status_code == 404
    saved = client.put(url, json={"data": {"accepted": True, "acceptance_notice": {"number": "45/TB"}}}, headers=me)
    assert saved.status_code == 200 and saved.get_json()["data"]["accepted"] is True
    assert client.get(url, headers=me).get_json()["data"]["acceptance_notice"] == {"number": "45/TB"}
    assert client.put(url, json={"data": {}}, headers=basic("clerk")).status_code == 403
    assert client.get(url, headers=basic("auditor")).status_code == 404  # no draft of its own: it may not work it
    big = client.put(url, json={"data": {"x": "a" * (1024 * 1024 + 10)}}, headers=me)
    assert big.status_code == 400 and big.get_json()["error"] == "invalid_input"
    nul = client.put(url, data='{"data": {"x": "a\\u0000b"}}', content_type="application/json", headers=me)
    assert nul.status_code == 400 and "data.x" in nul.get_json()["fields"]
    huge = client.put(url, data=b'{"data": {"x": "' + b"a" * (10 * 1024 * 1024) + b'"}}',
                      content_type="application/json", headers=me)
    assert huge.status_code == 413
    assert client.delete(url, headers=me).status_code == 204
    assert client.get(url, headers=me).status_code == 404


@pytest.mark.parametrize("path", ["/api/tasks/-1/assign", "/api/tasks/%D9%A3/draft", "/api/tasks/99999999999/officers",
                                  "/api/tasks/00000000-0000-0000-0000-000000000000%00/assign",
                                  "/api/tasks/00000000-0000-0000-0000-000000000000/assign"])
def test_odd_task_ids_are_not_found(client: FlaskClient, path: str) -> None:
    method = "get" if path.endswith("officers") else "post"
    response = getattr(client, method)(path, json={"assignee": "resolver"}, headers=basic("resolver"))
    assert response.status_code in {400, 404} and response.get_json()["error"] in {"not_found", "invalid_input"}


def test_another_organisations_task_answers_404_to_every_new_operation(client: FlaskClient) -> None:
    theirs = _user(client, "giamdoc_nn", "resolver", AGRICULTURE)
    instance = start(client, _department(FINANCE)).get_json()
    task = ready_task(client, instance["id"])
    missing = client.post("/api/tasks/00000000-0000-0000-0000-000000000000/assign", json={"assignee": "resolver"},
                          headers=theirs).get_json()
    for method, suffix, body in (("post", "assign", {"assignee": "giamdoc_nn"}), ("get", "officers", None),
                                 ("put", "draft", {"data": {}}), ("get", "draft", None), ("delete", "draft", None),
                                 ("post", "release", None)):
        response = getattr(client, method)(f"/api/tasks/{task['id']}/{suffix}", json=body, headers=theirs)
        assert response.status_code == 404, (suffix, response.get_json())
        if suffix == "assign":
            assert {**response.get_json(), "request_id": ""} == {**missing, "request_id": ""}  # as if it did not exist


def test_the_api_warns_of_a_duplicate_petition_and_registers_it_when_confirmed(client: FlaskClient) -> None:
    first = start(client, cases.petition()).get_json()
    again = start(client, cases.petition())
    body = again.get_json()
    assert again.status_code == 409 and body["error"] == "duplicate_petition"
    assert body["details"]["duplicates"][0]["case_number"] == first["case_number"] and body["details"]["elsewhere"] == 0
    confirmed = client.post("/api/processes/complaint_second_level/instances",
                            json={"data": cases.petition(), "confirm_duplicate": True}, headers=basic("reception"))
    assert confirmed.status_code == 201
    history = client.get(f"/api/instances/{confirmed.get_json()['id']}/history", headers=basic("auditor")).get_json()
    assert "duplicate_confirmed" in [e["action"] for e in history["events"]]
    assert case(client, first["id"])["status"] == "running"
    not_bool = client.post("/api/processes/complaint_second_level/instances",
                           json={"data": cases.petition(), "confirm_duplicate": "có"}, headers=basic("reception"))
    assert not_bool.status_code == 400


def test_a_duplicate_of_another_organisation_is_counted_not_named(client: FlaskClient) -> None:
    mine = _user(client, "tiepdan_tc", "reception", FINANCE)
    start(client, _department(AGRICULTURE))
    response = client.post("/api/processes/complaint_second_level/instances", json={"data": _department(FINANCE)},
                           headers=mine)
    body = response.get_json()
    assert response.status_code == 409 and body["details"] == {"duplicates": [], "elsewhere": 1}
    assert "KN2-" not in str(body)
