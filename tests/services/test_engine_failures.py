"""A script that fails at run time: 422 for the officer, case unchanged, the failure on the record."""

from __future__ import annotations

from flask.testing import FlaskClient

from app.services import deploy
from app.services.principal import Principal
from app.services.runtime import Runtime
from tests import cases
from tests.api.helpers import case, complete, on_the_day, ready_task, start
from tests.conftest import basic

PID = "complaint_second_level"
BPMN = f"processes/{PID}/{PID}.bpmn"


def test_failing_script_leaves_the_case_as_it_was_and_records_an_incident(rt: Runtime, client: FlaskClient) -> None:
    files = deploy.read_sources(rt.processes_dir, rt.forms_dir, PID)
    script = "resolution_deadline = resolution_deadline_for(acceptance_notice['issued_on'], complex_case, remote_area, regime)"
    assert script in files[BPMN]
    files[BPMN] = files[BPMN].replace(script, "resolution_deadline = resolution_deadline_for(decision_deadline, 1, 2)", 1)
    # decision_deadline exists only once a later step computes it: lint cannot tell (unknown-variable
    # reads "earlier" as "anywhere in the process"), so the script fails when it runs
    assert deploy.deploy(rt, Principal(0, "analyst", "A", frozenset({"analyst"})), PID, files).version == 2
    instance = start(client, cases.petition()).get_json()
    task = ready_task(client, instance["id"])
    on_the_day(client, cases.acceptance())  # the clock the refused step would run on, before the snapshot
    before = case(client, instance["id"])
    response = complete(client, task["id"], cases.acceptance(), "resolver")
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "engine_error" and body["details"]["element"] == "compute_resolution_deadline"
    after = case(client, instance["id"])
    assert (after["version"], after["data"], after["tasks"]) == (before["version"], before["data"], before["tasks"])
    history = client.get(f"/api/instances/{instance['id']}/history", headers=basic("auditor")).get_json()
    assert [e["action"] for e in history["events"]] == ["instance_started",
                                                           "document_issued"]  # a refused step is not in the history
    assert history["chain"]["ok"] is True
    incidents = client.get("/api/incidents", headers=basic("admin")).get_json()
    assert [(i["kind"], i["status"], i["actor"], i["bpmn_id"], i["instance_id"]) for i in incidents] == [
        ("step", "refused", "resolver", "review_acceptance", instance["id"])]
    assert "compute_resolution_deadline" in incidents[0]["last_error"]


def test_unknown_process_and_message_are_404(client: FlaskClient) -> None:
    response = client.post("/api/processes/nope/instances", json={"data": {}}, headers=basic("reception"))
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"
    instance = start(client, cases.petition()).get_json()
    response = client.post(f"/api/instances/{instance['id']}/messages/nope", json={"payload": {}},
                           headers=basic("reception"))
    assert response.status_code == 404
