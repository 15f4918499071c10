"""POST /api/processes/{id}/migrations(/preview): the analyst's move of running cases, as an attacker tries it too."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.persistence.models import AuditEvent, Instance, TaskRow
from app.services import users
from app.services.runtime import Runtime
from tests import cases
from tests.api.helpers import start
from tests.conftest import basic
from tests.migration_versions import VERIFY_NAME, advance, deploy_migration_version_two
from tests.versions import PID

PREVIEW = f"/api/processes/{PID}/migrations/preview"
MIGRATE = f"/api/processes/{PID}/migrations"
ENTRY_KEYS = {"instance_id", "case_number", "from_version", "movable", "reasons"}


def _case(client: FlaskClient, number: str, **changes: Any) -> int:
    petition = cases.petition(**changes)
    petition["complainant"] = {**petition["complainant"], "id_number": number}
    response = start(client, petition, confirm_duplicate=True)
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def _department_case(client: FlaskClient, number: str, department: str) -> int:
    first = {**cases.petition()["first_decision"], "issuer_level": "department_unit_head",
             "issuer": "Chi cục trưởng", "department": department}
    return _case(client, number, first_decision=first, submitted_to="department_head")


def _fingerprint(rt: Runtime) -> tuple[Any, ...]:
    """The cases' rows (deployment, lock version, state), their waiting tasks and their trails."""
    with rt.db.reading() as session:
        rows = tuple(session.execute(select(Instance.id, Instance.deployment_id, Instance.version, Instance.state)
                                     .order_by(Instance.id)))
        counts = tuple(session.scalar(select(func.count()).select_from(m)) for m in (AuditEvent, TaskRow))
        return rows, counts


@pytest.fixture
def world(rt: Runtime, client: FlaskClient) -> dict[str, int]:
    early = _case(client, "064000000031")
    verifying = _case(client, "064000000032")
    advance(rt, verifying, "verify_complaint")
    deploy_migration_version_two(rt)
    return {"early": early, "verifying": verifying}


def test_an_analyst_previews_then_moves_by_the_exact_contract(rt: Runtime, client: FlaskClient,
                                                               world: dict[str, int]) -> None:
    body = {"to_version": 2, "from_version": 1}
    before = _fingerprint(rt)
    preview = client.post(PREVIEW, json=body, headers=basic("analyst"))
    assert preview.status_code == 200, preview.get_json()
    shown = preview.get_json()
    assert set(shown) == {"process_id", "to_version", "cases", "more"}
    assert (shown["process_id"], shown["to_version"], shown["more"]) == (PID, 2, False)
    assert all(set(c) == ENTRY_KEYS for c in shown["cases"])
    entries = {c["instance_id"]: c for c in shown["cases"]}
    assert entries[world["early"]]["movable"] is True and entries[world["early"]]["reasons"] == []
    assert entries[world["verifying"]]["reasons"] == [
        f"Bước “{VERIFY_NAME}” (verify_complaint) đang chờ xử lý đã bị thay đổi trong phiên bản 2."]
    assert _fingerprint(rt) == before

    moved = client.post(MIGRATE, json=body, headers=basic("admin"))
    assert moved.status_code == 200, moved.get_json()
    result = moved.get_json()
    assert set(result) == {"process_id", "to_version", "moved", "refused"}
    assert [(c["instance_id"], c["movable"], c["from_version"]) for c in result["moved"]] == [(world["early"], True, 1)]
    assert [(c["instance_id"], c["movable"]) for c in result["refused"]] == [(world["verifying"], False)]
    assert all(set(c) == ENTRY_KEYS for c in result["moved"] + result["refused"])
    versions = {i: client.get(f"/api/instances/{i}", headers=basic("auditor")).get_json()["deployment_version"]
                for i in world.values()}
    assert versions == {world["early"]: 2, world["verifying"]: 1}


@pytest.mark.parametrize("user", ["reception", "resolver", "verifier", "clerk", "inspectorate", "unit_head", "auditor"])
def test_roles_without_the_right_are_refused_and_nothing_changes(rt: Runtime, client: FlaskClient,
                                                                 world: dict[str, int], user: str) -> None:
    before = _fingerprint(rt)
    for url in (PREVIEW, MIGRATE):
        response = client.post(url, json={"to_version": 2, "instance_ids": [world["early"]]}, headers=basic(user))
        assert response.status_code == 403, response.get_json()
        assert response.get_json()["message"] == (
            "Chỉ cán bộ phân tích quy trình và quản trị mới được chuyển hồ sơ đang chạy sang phiên bản khác.")
    assert client.post(MIGRATE, json={"to_version": 2, "from_version": 1}).status_code == 401
    assert _fingerprint(rt) == before


def test_an_analyst_of_another_organisation_finds_no_case(rt: Runtime, client: FlaskClient) -> None:
    theirs = _department_case(client, "064000000041", "Sở Nông nghiệp và PTNT")
    deploy_migration_version_two(rt)
    users.create_user(rt, "analyst_a", "Phân tích (Sở Tài chính)", "matkhau-123", ["analyst"], "Sở Tài chính")
    before = _fingerprint(rt)
    for body in ({"to_version": 2, "instance_ids": [theirs]}, {"to_version": 2, "from_version": 1}):
        response = client.post(MIGRATE, json=body, headers=basic("analyst_a", "matkhau-123"))
        assert response.status_code == 200, response.get_json()
        result = response.get_json()
        assert result["moved"] == []
        assert result["refused"] == ([] if "from_version" in body else [{  # not selected / not found, never named
            "instance_id": theirs, "case_number": None, "from_version": None, "movable": False,
            "reasons": ["Không tìm thấy hồ sơ đang chạy của quy trình này (hoặc hồ sơ thuộc cơ quan khác)."]}])
    assert _fingerprint(rt) == before
    mine = client.post(MIGRATE, json={"to_version": 2, "instance_ids": [theirs]}, headers=basic("analyst"))
    assert [c["instance_id"] for c in mine.get_json()["moved"]] == [theirs]  # the nearest allowed case


def test_a_case_of_another_process_is_not_found(rt: Runtime, client: FlaskClient, world: dict[str, int]) -> None:
    response = client.post("/api/processes/na_session_reception/migrations/preview",
                           json={"to_version": 1, "instance_ids": [world["early"]]}, headers=basic("analyst"))
    assert response.status_code == 200
    [entry] = response.get_json()["cases"]
    assert (entry["case_number"], entry["movable"], entry["from_version"]) == (None, False, None)


@pytest.mark.parametrize(("url", "message"), [
    ("/api/processes/no_such/migrations", "Không tìm thấy quy trình «no_such»."),
    ("/api/processes/no_such/migrations/preview", "Không tìm thấy quy trình «no_such»."),
])
def test_an_unknown_process_is_404(client: FlaskClient, url: str, message: str) -> None:
    response = client.post(url, json={"to_version": 2, "instance_ids": [1]}, headers=basic("analyst"))
    assert response.status_code == 404 and response.get_json()["message"] == message


def test_an_unknown_version_is_404(client: FlaskClient, world: dict[str, int]) -> None:
    for body in ({"to_version": 7, "instance_ids": [world["early"]]}, {"to_version": 2, "from_version": 5}):
        response = client.post(MIGRATE, json=body, headers=basic("analyst"))
        assert response.status_code == 404, response.get_json()
        assert "không có phiên bản" in response.get_json()["message"]


UNFIT_BODIES: list[Any] = [  # the contract's 422: the selection
    {"to_version": 2},  # neither selector
    {"to_version": 2, "instance_ids": [1], "from_version": 1},  # both
    {"to_version": 2, "instance_ids": []},
    {"to_version": 2, "instance_ids": list(range(1, 502))},
    {"to_version": 2, "from_version": 2},
]
BAD_BODIES: list[Any] = [  # a wrong type is the API's 400, as for every other operation
    {"instance_ids": [1]},
    {"to_version": "٢", "instance_ids": [1]},  # a non-ASCII digit
    {"to_version": 2, "instance_ids": ["١"]},
    {"to_version": 2, "instance_ids": [-1]},
    {"to_version": 2, "instance_ids": [2**70]},
    {"to_version": 2, "instance_ids": [True]},
    {"to_version": 2, "instance_ids": ["1\x00"]},
    {"to_version": -2, "from_version": 1},
    {"to_version": 2**70, "from_version": 1},
    {"to_version": 2, "from_version": 1, "note": "x"},
    [1, 2],
    "\x00",
]


@pytest.mark.parametrize(("body", "status"), [(b, 422) for b in UNFIT_BODIES] + [(b, 400) for b in BAD_BODIES])
def test_a_bad_body_is_refused_and_changes_nothing(rt: Runtime, client: FlaskClient, world: dict[str, int], body: Any,
                                                   status: int) -> None:
    before = _fingerprint(rt)
    for url in (PREVIEW, MIGRATE):
        response = client.post(url, json=body, headers=basic("analyst"))
        assert response.status_code == status, (body, response.get_json())
        assert response.get_json()["message"]
    assert _fingerprint(rt) == before


def test_the_nearest_fit_body_is_taken(client: FlaskClient, world: dict[str, int]) -> None:
    """500 ids (unknown ones reported not found), and a from_version next to the target."""
    response = client.post(PREVIEW, json={"to_version": 2, "instance_ids": list(range(1, 501))}, headers=basic("analyst"))
    assert response.status_code == 200 and len(response.get_json()["cases"]) == 500
    response = client.post(PREVIEW, json={"to_version": 1, "from_version": 2}, headers=basic("analyst"))
    assert response.status_code == 200 and response.get_json()["cases"] == []


def test_an_oversized_body_is_refused(rt: Runtime, client: FlaskClient, world: dict[str, int]) -> None:
    before = _fingerprint(rt)
    response = client.post(MIGRATE, data=b'{"to_version": 2, "instance_ids": [' + b"1," * 2_000_000 + b"1]}",
                           content_type="application/json", headers=basic("analyst"))
    assert response.status_code in (413, 422)
    assert _fingerprint(rt) == before


def test_the_openapi_document_describes_both_operations(client: FlaskClient) -> None:
    doc = client.get("/api/openapi.json").get_json()
    for path in (PREVIEW, MIGRATE):
        operation = doc["paths"][path.replace(PID, "{process_id}")]["post"]
        assert {"200", "403", "404", "422"} <= set(operation["responses"]), operation["responses"].keys()
        assert operation["requestBody"]["content"]["application/json"]["schema"]
