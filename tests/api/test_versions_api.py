"""GET /api/processes/{id}/versions and /diff: the analyst's view of versions, refused to others, never a 500."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from app.services.runtime import Runtime
from tests import cases
from tests.api.helpers import start
from tests.conftest import basic
from tests.versions import DOCS, FORMS, PID, RENAMED, deploy_version_two

VERSIONS = f"/api/processes/{PID}/versions"
DIFF = f"/api/processes/{PID}/diff"


def test_an_analyst_lists_versions_with_their_cases(rt: Runtime, client: FlaskClient) -> None:
    assert start(client, cases.petition()).status_code == 201
    deploy_version_two(rt)
    assert start(client, cases.petition(), confirm_duplicate=True).status_code == 201
    response = client.get(VERSIONS, headers=basic("analyst"))
    assert response.status_code == 200
    body = response.get_json()
    assert [(v["version"], v["cases"], v["running"], v["finished"], v["deployed_by"]) for v in body] == [
        (1, 1, 1, 0, "system"), (2, 1, 1, 0, "analyst")]
    assert all(len(v["content_hash"]) == 64 and v["deployed_at"] for v in body)


def test_an_admin_reads_the_diff_of_two_versions(rt: Runtime, client: FlaskClient) -> None:
    deploy_version_two(rt)
    response = client.get(f"{DIFF}?from=1&to=2", headers=basic("admin"))
    assert response.status_code == 200
    body = response.get_json()
    assert (body["process_id"], body["from"], body["to"]) == (PID, 1, 2)
    assert [e["id"] for e in body["elements"]["added"]] == ["confirm_guidance", "flow_confirmed"]
    renamed = next(e for e in body["elements"]["changed"] if e["id"] == "review_acceptance")
    assert renamed["changes"] == [{"field": "name", "before": "Xem xét thụ lý đơn khiếu nại", "after": RENAMED}]
    assert body["forms"]["added"] == [f"{FORMS}/confirm_guidance.schema.json"]
    assert body["forms"]["changed"][0]["fields_added"] == ["guidance.signer"]
    assert body["templates"] == {"added": [], "removed": [], "changed": [f"{DOCS}/receipt.docx"]}
    assert body["document_kinds"]["changed"] == [{"kind": "receipt", "keys": ["title"]}]
    assert body["other_files"] == {"added": [], "removed": [], "changed": []}


@pytest.mark.parametrize("user", ["resolver", "auditor"])
def test_other_roles_are_refused(client: FlaskClient, user: str) -> None:
    for url in (VERSIONS, f"{DIFF}?from=1&to=1"):
        response = client.get(url, headers=basic(user))
        assert response.status_code == 403 and response.get_json()["error"] == "forbidden"


def test_an_unknown_process_or_version_is_404_in_vietnamese(client: FlaskClient) -> None:
    expected = {
        "/api/processes/no_such/versions": "Không tìm thấy quy trình «no_such».",
        "/api/processes/no_such/diff?from=1&to=2": "Không tìm thấy quy trình «no_such».",
        f"{DIFF}?from=1&to=2": f"Quy trình «{PID}» không có phiên bản 2.",
        f"{DIFF}?from=7&to=1": f"Quy trình «{PID}» không có phiên bản 7.",
    }
    for url, message in expected.items():
        response = client.get(url, headers=basic("analyst"))
        assert response.status_code == 404, url
        assert response.get_json()["error"] == "not_found" and response.get_json()["message"] == message


@pytest.mark.parametrize("query", [
    "from=%D9%A3&to=1",  # an Arabic-Indic three
    "from=%C2%B2&to=1",  # a superscript two
    "from=-1&to=1", "from=0&to=1", "from=1&to=99999999999999999999", "from=1&to=2147483648",
    "from=1_0&to=1", "from=1.5&to=1", "from=&to=1", "to=1", "from=1", "", "from=true&to=1", "from=%00&to=1",
])
def test_a_bad_version_number_is_400(client: FlaskClient, query: str) -> None:
    response = client.get(f"{DIFF}?{query}", headers=basic("analyst"))
    assert response.status_code == 400, (query, response.get_json())
    assert response.get_json()["error"] == "invalid_input"


def test_a_process_id_that_is_no_key_is_404_not_500(client: FlaskClient) -> None:
    for process_id in ("Bad-Id", quote("quy_trình"), "x" * 300):
        assert client.get(f"/api/processes/{process_id}/versions", headers=basic("analyst")).status_code == 404


def test_signed_out_is_401(client: FlaskClient) -> None:
    assert client.get(VERSIONS).status_code == 401
