"""The one inbox through the API: the same query as the page, with a case and a step filter for clients."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

from app.services import users
from tests import cases
from tests.api.helpers import ready_task, start
from tests.conftest import basic

PASSWORD = "matkhau-123"


def _inbox(client: FlaskClient, query: str, user: str = "resolver", **headers: str) -> Any:
    response = client.get(f"/api/tasks?{query}", headers=headers or basic(user))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _two_cases(client: FlaskClient) -> tuple[int, int]:
    first = start(client, cases.petition()).get_json()["id"]
    other = cases.petition(complainant={"full_name": "Trần Thị B", "address": "Xã Ia Pia", "id_number": "064099111222"})
    return first, start(client, other).get_json()["id"]


def test_a_client_finds_its_task_on_one_case_by_case_and_step(client: FlaskClient) -> None:
    first, second = _two_cases(client)
    everything = _inbox(client, "")
    assert {t["instance_id"] for t in everything["items"]} >= {first, second}
    only = _inbox(client, f"instance_id={second}")
    assert only["total"] == 1 and [t["instance_id"] for t in only["items"]] == [second]
    [task] = only["items"]
    assert task["id"] == ready_task(client, second)["id"]
    assert task["case_number"].startswith("KN2-") and task["form"] and task["bpmn_id"] == "review_acceptance"
    assert _inbox(client, f"instance_id={second}&bpmn_id=review_acceptance")["total"] == 1
    assert _inbox(client, f"instance_id={second}&bpmn_id=issue_decision")["total"] == 0  # not waiting there


def test_the_inbox_answers_in_one_query_however_many_tasks_it_lists(client: FlaskClient) -> None:
    _two_cases(client)
    rt = client.application.extensions["runtime"]
    sent: list[str] = []

    def count(*args: Any) -> None:
        sent.append(args[2])

    event.listen(rt.db.read_engine, "before_cursor_execute", count)
    try:
        body = _inbox(client, "")
    finally:
        event.remove(rt.db.read_engine, "before_cursor_execute", count)
    assert body["total"] >= 2
    listed = [s for s in sent if "FROM tasks" in s]
    assert len(listed) == 2, listed  # the page and its count: no row, instance or workflow loaded per task
    assert not any("instances.state" in s for s in sent)


def test_scopes_mean_the_same_on_the_api_as_on_the_page(client: FlaskClient) -> None:
    rt = client.application.extensions["runtime"]
    users.create_user(rt, "pho_cvp", "Phó Chánh Văn phòng", PASSWORD, ["resolver"])
    deputy = basic("pho_cvp", PASSWORD)
    first, second = _two_cases(client)
    held = ready_task(client, first)["id"]
    assert client.post(f"/api/tasks/{held}/claim", headers=deputy).status_code == 200
    ids = lambda query, who: {t["instance_id"] for t in _inbox(client, query, **who)["items"]}  # noqa: E731
    assert ids("scope=mine", deputy) == {first}  # held by the caller
    assert first not in ids("scope=unassigned", deputy) and second in ids("scope=unassigned", deputy)
    assert ids("scope=available", deputy) >= {first, second}
    assert first not in ids("scope=available", basic("resolver"))  # held by a colleague
    assert ids("mine=1", basic("resolver")) == ids("scope=available", basic("resolver"))  # the old flag, kept
    assert first in ids("scope=roles", basic("resolver"))  # the role's whole work, held or not


def test_another_role_or_organisation_never_widens_the_inbox(client: FlaskClient) -> None:
    first, _ = _two_cases(client)
    assert _inbox(client, "role=verifier")["total"] == 0  # a role the resolver does not hold: empty, not someone else's
    assert _inbox(client, f"instance_id={first}", user="clerk")["total"] == 0
    rt = client.application.extensions["runtime"]
    users.create_user(rt, "ld_so_tc", "Lãnh đạo Sở Tài chính", PASSWORD, ["resolver"], "Sở Tài chính")
    assert _inbox(client, f"instance_id={first}", **basic("ld_so_tc", PASSWORD))["total"] == 0


@pytest.mark.parametrize("query", ["instance_id=-1", "instance_id=0", "instance_id=99999999999999999999",
                                   "instance_id=%D9%A3", "instance_id=1%00", "bpmn_id=Review", "bpmn_id=a%00b",
                                   "scope=everyone", "status=late", "q=" + "x" * 101, "per_page=201"])
def test_odd_filters_are_refused_with_a_message(client: FlaskClient, query: str) -> None:
    response = client.get(f"/api/tasks?{query}", headers=basic("resolver"))
    assert response.status_code == 400, (query, response.status_code)
    assert response.get_json()["message"]


def test_the_inbox_filters_are_in_the_openapi_document(client: FlaskClient) -> None:
    operation = client.get("/api/openapi.json").get_json()["paths"]["/api/tasks"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"scope", "role", "instance_id", "bpmn_id", "q", "status", "mine", "page", "per_page"} <= names
