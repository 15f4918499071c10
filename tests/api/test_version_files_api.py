"""GET /api/processes/{id}/versions/{v}/files: what a version's cases run, from the stored deployment, analysts only."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from app.services import deploy
from app.services.runtime import Runtime
from tests.conftest import basic
from tests.versions import FORMS, PID, deploy_version_two

FILES = f"/api/processes/{PID}/versions"


def test_an_analyst_reads_the_stored_files_of_each_version(rt: Runtime, client: FlaskClient) -> None:
    deploy_version_two(rt)
    first = client.get(f"{FILES}/1/files", headers=basic("analyst"))
    second = client.get(f"{FILES}/2/files", headers=basic("admin"))
    assert first.status_code == second.status_code == 200
    assert (first.get_json()["process_id"], first.get_json()["version"]) == (PID, 1)
    on_disk = deploy.read_sources(rt.processes_dir, rt.forms_dir, PID)
    assert first.get_json()["files"] == on_disk  # version 1 is what setup deployed
    assert f"{FORMS}/confirm_guidance.schema.json" in second.get_json()["files"]  # the stored version, not the disk
    assert f"{FORMS}/confirm_guidance.schema.json" not in on_disk


@pytest.mark.parametrize("user", ["reception", "resolver", "auditor", "inspectorate"])
def test_officers_are_refused(client: FlaskClient, user: str) -> None:
    response = client.get(f"{FILES}/1/files", headers=basic(user))
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"


def test_strangers_must_authenticate(client: FlaskClient) -> None:
    assert client.get(f"{FILES}/1/files").status_code == 401


@pytest.mark.parametrize(("url", "message"), [
    ("/api/processes/no_such/versions/1/files", "Không tìm thấy quy trình «no_such»."),
    (f"{FILES}/2/files", f"Quy trình «{PID}» không có phiên bản 2."),
])
def test_an_unknown_process_or_version_is_404_in_vietnamese(client: FlaskClient, url: str, message: str) -> None:
    response = client.get(url, headers=basic("analyst"))
    assert response.status_code == 404 and response.get_json()["message"] == message


@pytest.mark.parametrize("version", ["0", "-1", "2147483648", "99999999999999999999", "%D9%A3", "1%00", "1.0", "x"])
def test_a_malformed_version_matches_no_route(client: FlaskClient, version: str) -> None:
    response = client.get(f"{FILES}/{version}/files", headers=basic("analyst"))
    assert response.status_code in {400, 404}, version
    assert response.is_json
