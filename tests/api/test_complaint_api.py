"""A whole complaint through HTTP as the demo users, and the ways a request can be refused."""

from __future__ import annotations

import threading
from typing import Any

from flask.testing import FlaskClient

from app.services.runtime import Runtime
from tests import cases
from tests.api.helpers import case, complete, ready_task, start
from tests.conftest import basic


def _snapshot(rt: Runtime) -> dict[str, Any]:
    """Everything a refused request must leave untouched."""
    from sqlalchemy import text

    with rt.db.reading() as session:
        return {
            table: session.execute(text(f"SELECT * FROM {table} ORDER BY 1")).all()
            for table in ("instances", "tasks", "audit_events")
        }


def test_whole_case_is_carried_to_publication_by_the_demo_users(client: FlaskClient) -> None:
    response = start(client, cases.petition())
    assert response.status_code == 201, response.get_json()
    instance = response.get_json()
    assert instance["case_number"] == f"KN2-2021-{instance['id']:06d}"
    for bpmn_id, role, payload in cases.RESOLVED_PATH:
        task = ready_task(client, instance["id"])
        assert (task["bpmn_id"], task["role"]) == (bpmn_id, role)
        inbox = client.get("/api/tasks?mine=1", headers=basic(role)).get_json()
        assert task["id"] in [t["id"] for t in inbox["items"]]
        response = complete(client, task["id"], payload(), role)
        assert response.status_code == 200, response.get_json()
        waiting = [t["bpmn_id"] for t in response.get_json()["tasks"]]
        following = [b for b, _, _ in cases.RESOLVED_PATH].index(bpmn_id) + 1
        assert waiting == [b for b, _, _ in cases.RESOLVED_PATH][following:following + 1]
    body = case(client, instance["id"])
    assert (body["status"], body["outcome"]) == ("completed", "resolved")
    assert body["deadlines"] == {
        "filing_deadline": "2021-02-17", "acceptance_deadline": "2021-03-03", "resolution_deadline": "2021-04-15",
        "decision_deadline": "2021-04-14", "sending_deadline": "2021-04-22", "publication_deadline": "2021-04-29",
    }
    assert [s["bpmn_id"] for s in body["completed_steps"]] == [b for b, _, _ in cases.RESOLVED_PATH]
    assert [s["actor"] for s in body["completed_steps"]] == [r for _, r, _ in cases.RESOLVED_PATH]
    history = client.get(f"/api/instances/{instance['id']}/history", headers=basic("auditor")).get_json()
    # the verification decision names the officer (``verifier``): its three steps are assigned to them, one event each
    assert history["chain"] == {"ok": True, "events": len(cases.RESOLVED_PATH) + 2 + 3 + 6, "broken_at": None,
                                "reason": None, "breaks": []}
    actions = [e["action"] for e in history["events"]]
    assert actions[0] == "instance_started" and actions[-1] == "instance_completed"
    assert history["events"][2]["data"]["changes"]["set"]["resolution_deadline"] == "2021-04-15"  # after the receipt


def test_inbox_shows_due_date_and_days_left(client: FlaskClient) -> None:
    instance = start(client, cases.petition()).get_json()
    items = client.get("/api/tasks?role=resolver", headers=basic("resolver")).get_json()["items"]
    mine = [t for t in items if t["instance_id"] == instance["id"]]
    assert mine[0]["due_on"] == "2021-03-03"
    assert mine[0]["days_left"] == 14  # the test clock is 17/02/2021
    assert client.get("/api/tasks?role=resolver", headers=basic("clerk")).get_json()["items"] == []


def test_wrong_role_gets_403_and_nothing_changes(client: FlaskClient, rt: Runtime) -> None:
    instance = start(client, cases.petition()).get_json()
    task = ready_task(client, instance["id"])
    before = _snapshot(rt)
    response = complete(client, task["id"], cases.acceptance(), "verifier")
    assert response.status_code == 403
    assert response.get_json()["error"] == "forbidden"
    assert start(client, cases.petition(), user="clerk").status_code == 403
    assert _snapshot(rt) == before


def test_invalid_form_data_gets_422_with_field_errors_and_nothing_changes(client: FlaskClient, rt: Runtime) -> None:
    instance = start(client, cases.petition()).get_json()
    for _bpmn_id, role, payload in cases.RESOLVED_PATH[:3]:
        assert complete(client, ready_task(client, instance["id"])["id"], payload(), role).status_code == 200
    task = ready_task(client, instance["id"])
    before = _snapshot(rt)
    response = complete(client, task["id"], cases.dialogue(refusal_reason=None), "verifier")
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "validation_failed"
    assert body["fields"] == {"dialogue.participants.2.refusal_reason": "Chưa nhập «Lý do không ký»."}
    assert _snapshot(rt) == before


def test_malformed_requests_get_400_not_500(client: FlaskClient) -> None:
    instance = start(client, cases.petition()).get_json()
    task = ready_task(client, instance["id"])
    url = f"/api/tasks/{task['id']}/complete"
    assert client.post(url, data="not json", headers={**basic("resolver"), "Content-Type": "application/json"}).status_code == 400
    response = client.post(url, json={"data": "x"}, headers=basic("resolver"))
    assert response.status_code == 400 and "data" in response.get_json()["fields"]
    assert client.post(url, json={}, headers=basic("resolver")).status_code == 400
    assert client.get("/api/instances?status=bogus", headers=basic("auditor")).status_code == 400
    assert client.get("/api/tasks/not-a-task", headers=basic("resolver")).status_code == 404
    assert client.get("/api/instances/999999", headers=basic("auditor")).status_code == 404
    assert start(client, {"received_on": "17/02/2021"}).status_code == 422
    assert client.get("/api/tasks", headers=basic("resolver", "wrong")).status_code == 401
    assert client.get("/api/tasks").status_code == 401


def test_two_requests_completing_the_same_task_one_wins_one_gets_409(client: FlaskClient, app: Any) -> None:
    instance = start(client, cases.petition()).get_json()
    task = ready_task(client, instance["id"])
    barrier, statuses = threading.Barrier(2), []

    def attempt() -> None:
        with app.test_client() as own:
            barrier.wait()
            statuses.append(complete(own, task["id"], cases.acceptance(), "resolver").status_code)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]
    history = client.get(f"/api/instances/{instance['id']}/history", headers=basic("auditor")).get_json()
    assert [e["action"] for e in history["events"]].count("task_completed") == 1


def test_stale_version_gets_409(client: FlaskClient) -> None:
    instance = start(client, cases.petition()).get_json()
    task = ready_task(client, instance["id"])
    response = complete(client, task["id"], cases.acceptance(), "resolver", version=instance["version"] - 1)
    assert response.status_code == 409 and response.get_json()["error"] == "stale_version"
    assert complete(client, task["id"], cases.acceptance(), "resolver", version=instance["version"]).status_code == 200


def test_withdrawal_message_ends_the_case(client: FlaskClient) -> None:
    instance = start(client, cases.petition()).get_json()
    for _bpmn_id, role, payload in cases.RESOLVED_PATH[:2]:
        complete(client, ready_task(client, instance["id"])["id"], payload(), role)
    url = f"/api/instances/{instance['id']}/messages/withdrawal"
    assert client.post(url, json={"payload": {"letter_date": "2021-03-20"}}, headers=basic("reception")).status_code == 422
    assert client.post(url, json={"payload": cases.withdrawal()}, headers=basic("clerk")).status_code == 403
    response = client.post(url, json={"payload": cases.withdrawal()}, headers=basic("reception"))
    assert response.status_code == 200, response.get_json()
    task = ready_task(client, instance["id"])
    assert task["bpmn_id"] == "issue_termination"
    assert complete(client, task["id"], cases.termination(), "resolver").status_code == 200
    assert case(client, instance["id"])["outcome"] == "withdrawn"
    again = client.post(url, json={"payload": cases.withdrawal()}, headers=basic("reception"))
    assert again.status_code == 409


def test_instances_can_be_filtered_and_searched(client: FlaskClient) -> None:
    start(client, cases.petition())
    other = cases.petition(complainant={"full_name": "Lê Thị Hoa", "address": "Phường Hoa Lư, Pleiku"})
    start(client, other)
    found = client.get("/api/instances?q=Hoa&process_id=complaint_second_level&status=running",
                       headers=basic("auditor")).get_json()
    assert [i["title"] for i in found["items"]] == ["Lê Thị Hoa"] and found["total"] == 1


def test_bearer_token_authenticates_api_calls(client: FlaskClient) -> None:
    response = client.post("/api/auth/tokens", json={"name": "script"}, headers=basic("reception"))
    assert response.status_code == 201
    token = response.get_json()["token"]
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.get_json() == {"username": "reception", "roles": ["reception"], "organisation": None}
    assert client.get("/api/auth/me", headers={"Authorization": "Bearer nope"}).status_code == 401
