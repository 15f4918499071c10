"""The pages refuse what the API refuses, with the same status and the same Vietnamese words, and every
error page names its request (the id a helpdesk finds the log line by)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from app.services.runtime import Runtime
from tests import cases
from tests.api.helpers import complete, ready_task, start
from tests.conftest import basic
from tests.web.helpers import post, sign_in


@pytest.mark.parametrize("page", ["١٢", "-1", "0", "99999999999999999999999", "1_0", "²"])
@pytest.mark.parametrize(("path", "api", "user"), [("/inbox", "/api/tasks", "resolver"),
                                                   ("/audit", "/api/audit/events", "auditor"),
                                                   ("/cases", "/api/instances", "auditor")])
def test_a_page_number_the_api_refuses_is_refused_on_the_page_too(client: FlaskClient, path: str, api: str,
                                                                  user: str, page: str) -> None:
    assert client.get(f"{api}?page={page}", headers=basic(user)).status_code == 400
    sign_in(client, user)
    answer = client.get(f"{path}?page={page}")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 400, text[:300]
    assert "Số trang" in text


def test_a_page_number_left_out_or_in_range_is_read(client: FlaskClient) -> None:
    sign_in(client, "resolver")
    assert client.get("/inbox").status_code == 200
    assert client.get("/inbox?page=2").status_code == 200
    assert client.get("/inbox?page=").status_code == 200


def test_a_letter_the_case_no_longer_waits_for_is_409_in_the_same_words_on_both(client: FlaskClient) -> None:
    instance = start(client, cases.petition()).get_json()
    for bpmn_id, role, payload in cases.RESOLVED_PATH:
        if bpmn_id == "send_decision":
            break
        assert complete(client, ready_task(client, instance["id"])["id"], payload(), role).status_code == 200
    url = f"/api/instances/{instance['id']}/messages/withdrawal"
    api = client.post(url, json={"payload": cases.withdrawal()}, headers=basic("reception"))
    expected = "Hồ sơ không chờ văn bản «Đơn rút khiếu nại» ở bước hiện tại."
    assert api.status_code == 409 and api.get_json()["message"] == expected, api.get_json()
    sign_in(client, "reception")
    page = client.get(f"/cases/{instance['id']}/messages/withdrawal")
    assert page.status_code == 409 and expected in page.get_data(as_text=True)
    posted = post(client, f"/cases/{instance['id']}/messages/withdrawal", {"letter_date": "20/03/2021"})
    assert posted.status_code == 409 and expected in posted.get_data(as_text=True)


def test_who_read_what_checks_the_right_before_the_arguments(client: FlaskClient) -> None:
    refused = client.get("/api/audit/accesses", headers=basic("resolver"))
    assert refused.status_code == 403, refused.get_json()
    missing = client.get("/api/audit/accesses", headers=basic("auditor"))
    assert missing.status_code == 400 and "user" in missing.get_json().get("fields", {}), missing.get_json()
    assert client.get("/api/audit/accesses?user=resolver", headers=basic("auditor")).status_code == 200
    sign_in(client, "resolver")
    assert client.get("/audit/accesses").status_code == 403


REQUESTS = [
    ("GET", "/no-such-page", None), ("GET", "/cases/999999", "resolver"), ("GET", "/inbox?page=-1", "resolver"),
    ("GET", "/" + "x" * 9000, None), ("DELETE", "/inbox", "resolver"), ("POST", "/cases/new/complaint_second_level",
                                                                      "reception"),
    ("GET", "/inbox?q=a%00b", "resolver"), ("GET", "/tasks/not-a-task", "resolver"),
]


@pytest.mark.parametrize(("method", "path", "user"), REQUESTS)
def test_every_error_page_names_its_request(client: FlaskClient, rt: Runtime, method: str, path: str,
                                            user: str | None) -> None:
    if user:
        sign_in(client, user)
    answer = client.open(path, method=method, headers={"X-Request-ID": "helpdesk-0042"})
    assert answer.status_code >= 400
    text = answer.get_data(as_text=True)
    assert "Mã yêu cầu: <code>helpdesk-0042</code>" in text, (answer.status_code, text[:600])
