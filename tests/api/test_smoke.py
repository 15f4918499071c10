from flask.testing import FlaskClient

from tests.conftest import basic


def test_openapi_document_lists_the_minimum_surface(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").get_json()
    paths = set(spec["paths"])
    for path in ("/api/processes", "/api/processes/{process_id}/instances", "/api/instances",
                 "/api/instances/{instance_id}", "/api/instances/{instance_id}/history",
                 "/api/instances/{instance_id}/messages/{name}", "/api/tasks", "/api/tasks/{task_id}",
                 "/api/tasks/{task_id}/complete", "/api/plans/{plan_id}/records", "/api/plans/{plan_id}/report"):
        assert path in paths


def test_processes_are_listed_with_their_version(client: FlaskClient) -> None:
    response = client.get("/api/processes", headers=basic("auditor"))
    assert response.status_code == 200
    assert sorted((p["process_id"], p["version"]) for p in response.get_json()) == [
        ("complaint_second_level", 1), ("na_session_reception", 1)]
