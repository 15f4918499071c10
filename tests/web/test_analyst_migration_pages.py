"""The analyst's migration pages: preview which running cases can move to a new version, then move them.

The preview changes nothing; the move goes through ``app.services.migration`` as the API does. Officers get
the 403 page, unknown versions a 404, malformed numbers and case lists a 400, with nothing moved.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from app.persistence import queries
from app.services.runtime import Runtime
from tests.migration_versions import deploy_migration_version_two
from tests.versions import PID, deploy_version_two
from tests.web.helpers import csrf_token, sign_in, start_case

PREVIEW = f"/analyst/{PID}/migration"


def _version_of(rt: Runtime, instance_id: int) -> int:
    with rt.db.reading() as session:
        instance = queries.instance(session, instance_id)
        assert instance is not None
        return instance.deployment.version


def _move(client: FlaskClient, *ids: str, to: str = "2") -> object:
    token = csrf_token(client, f"/analyst/{PID}/2")
    return client.post(PREVIEW, data={"csrf_token": token, "to_version": to, "instance_ids": list(ids)})


@pytest.fixture
def running(rt: Runtime) -> int:
    instance_id = start_case(rt)
    deploy_migration_version_two(rt)  # a step added late: a case at its first step may move
    return instance_id


@pytest.fixture
def stuck(rt: Runtime) -> int:
    instance_id = start_case(rt)
    deploy_version_two(rt)  # the step the case waits on renamed: it may not move
    return instance_id


def test_the_new_version_offers_a_preview_that_changes_nothing_then_moves_the_case(client: FlaskClient, rt: Runtime,
                                                                                    running: int) -> None:
    sign_in(client, "analyst")
    page = client.get(f"/analyst/{PID}/2").get_data(as_text=True)
    assert "Phiên bản 1: 1 hồ sơ đang giải quyết" in page and "Xem trước chuyển hồ sơ" in page
    older = client.get(f"/analyst/{PID}/1").get_data(as_text=True)
    assert "1 hồ sơ đang giải quyết trên phiên bản này; phiên bản mới nhất là 2" in older
    preview = client.get(f"{PREVIEW}?to=2&from=1")
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "KN2-2021-000001" in text
    assert "1 trong 1 hồ sơ chuyển được" in text and f'name="instance_ids" value="{running}"' in text
    assert _version_of(rt, running) == 1
    moved = _move(client, str(running))
    assert moved.status_code == 200 and "đã chuyển 1 hồ sơ, 0 hồ sơ giữ nguyên" in moved.get_data(as_text=True)
    assert _version_of(rt, running) == 2


def test_a_case_that_cannot_move_is_shown_with_its_reason_and_offered_no_move(client: FlaskClient, rt: Runtime,
                                                                               stuck: int) -> None:
    sign_in(client, "analyst")
    preview = client.get(f"{PREVIEW}?to=2&from=1").get_data(as_text=True)
    assert "0 trong 1 hồ sơ chuyển được" in preview and "Không" in preview
    assert "Xem xét thụ lý đơn khiếu nại" in preview and "đã bị thay đổi trong phiên bản 2" in preview
    assert "Chuyển các hồ sơ đủ điều kiện" not in preview
    answer = _move(client, str(stuck), "2147483647")  # posted anyway: each case is tried again, none moves
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "đã chuyển 0 hồ sơ, 2 hồ sơ giữ nguyên" in text
    assert "Không tìm thấy hồ sơ đang chạy" in text
    assert _version_of(rt, stuck) == 1


@pytest.mark.parametrize("user", ["reception", "resolver", "auditor", "inspectorate"])
def test_officers_get_the_403_page(client: FlaskClient, rt: Runtime, running: int, user: str) -> None:
    sign_in(client, user)
    assert client.get(f"{PREVIEW}?to=2&from=1").status_code == 403
    token = csrf_token(client, "/inbox")
    refused = client.post(PREVIEW, data={"csrf_token": token, "to_version": "2", "instance_ids": [str(running)]})
    assert refused.status_code == 403 and "Chỉ cán bộ phân tích" in refused.get_data(as_text=True)
    assert _version_of(rt, running) == 1


def test_strangers_are_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get(f"{PREVIEW}?to=2&from=1")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(("query", "status"), [
    ("to=7&from=1", 404), ("to=2&from=9", 404), ("to=2&from=2", 422), ("to=-1&from=1", 400), ("to=0&from=1", 400),
    ("to=%D9%A3&from=1", 400), ("to=99999999999999999999&from=1", 400), ("to=2", 400), ("from=1", 400),
    ("to=2&from=1%00", 400), ("to=2&from=1.0", 400),
])
def test_bad_versions_in_the_preview_are_4xx(client: FlaskClient, running: int, query: str, status: int) -> None:
    sign_in(client, "analyst")
    assert client.get(f"{PREVIEW}?{query}").status_code == status, query


@pytest.mark.parametrize("ids", [[], ["x"], ["1\x00"], ["-3"], ["٣"], ["99999999999999999999"]])
def test_a_malformed_case_list_moves_nothing(client: FlaskClient, rt: Runtime, running: int, ids: list[str]) -> None:
    sign_in(client, "analyst")
    answer = _move(client, *ids)
    assert answer.status_code == 400
    assert _version_of(rt, running) == 1


def test_an_unknown_process_is_404(client: FlaskClient) -> None:
    sign_in(client, "analyst")
    assert client.get("/analyst/no_such/migration?to=2&from=1").status_code == 404
