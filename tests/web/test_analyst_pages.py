"""The analyst's pages: processes and versions, a version opened for editing, lint, deploy and the form preview.

Every refusal is tried beside the nearest allowed case: officers get the Vietnamese 403 page, strangers the
sign-in page, unknown processes and versions (huge, negative, non-ASCII digits) a 404, bad files a 4xx
with nothing stored.
"""

from __future__ import annotations

import json
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from app.persistence.models import Deployment
from app.services import deploy
from app.services.runtime import Runtime
from tests.versions import BPMN, FORMS, PID, deploy_version_two
from tests.web.helpers import csrf_token, sign_in

PAGE = f"/analyst/{PID}/1"
GUIDE = f"{FORMS}/guide_complainant.schema.json"
NEW_FORM = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Xác nhận đã gửi hướng dẫn",
            "type": "object", "additionalProperties": False, "required": ["sent_on"],
            "properties": {"sent_on": {"type": "string", "format": "date", "title": "Ngày gửi"},
                           "channel": {"type": "string", "title": "Cách gửi",
                                       "oneOf": [{"const": "post", "title": "Bưu điện"},
                                                 {"const": "hand", "title": "Trao tay"}]}}}


def _deployments(rt: Runtime) -> int:
    with rt.db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(Deployment)) or 0)


def _stored(rt: Runtime) -> dict[str, str]:
    return deploy.read_sources(rt.processes_dir, rt.forms_dir, PID)


def _send(client: FlaskClient, action: str, files: dict[str, str], version: int = 1) -> TestResponse:
    body = {"csrf_token": csrf_token(client, PAGE), **{f"file:{p}": t for p, t in files.items()}}
    return client.post(f"/analyst/{PID}/{version}/{action}", data=body)


def _preview(client: FlaskClient, schema: str, ui: str = "") -> TestResponse:
    return client.post("/analyst/form-preview", data={"csrf_token": csrf_token(client, "/inbox"), "schema": schema,
                                                      "ui_schema": ui})


# -- the pages ---------------------------------------------------------------------------------

def test_the_analyst_lists_processes_with_their_versions_in_vietnamese(client: FlaskClient, rt: Runtime) -> None:
    deploy_version_two(rt)
    sign_in(client, "analyst")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert '<a href="/analyst"' in inbox and ">Quy trình</a>" in inbox
    page = client.get("/analyst")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Giải quyết khiếu nại lần hai" in text and f"<code>{PID}</code>" in text
    assert "Hệ thống (khi cài đặt)" in text and ">system<" not in text
    assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", text) and not re.search(r"\d{4}-\d{2}-\d{2}", text)
    assert f'href="/analyst/{PID}/2"' in text and f'href="/analyst/{PID}/1"' in text
    assert "mới nhất" in text


def test_the_version_page_opens_the_stored_diagram_and_forms_in_the_modeler(client: FlaskClient, rt: Runtime) -> None:
    sign_in(client, "analyst")
    page = client.get(PAGE)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "bpmn-modeler.production.min.js" in text and "analyst.js" in text and "<script>" not in text
    assert f'data-lint-url="/analyst/{PID}/1/lint"' in text and f'data-deploy-url="/analyst/{PID}/1/deploy"' in text
    source = re.search(r'<textarea id="bpmn-source" hidden>(.*?)</textarea>', text, re.S)
    assert source and "&lt;bpmn:definitions" in source.group(1)  # escaped, so the diagram cannot close the textarea
    assert f'data-path="{GUIDE}"' in text and "Kiểm tra" in text and "Triển khai phiên bản mới" in text


@pytest.mark.parametrize("user", ["reception", "resolver", "verifier", "clerk", "inspectorate", "unit_head", "auditor"])
def test_officers_get_the_vietnamese_403_page_and_no_link(client: FlaskClient, user: str) -> None:
    sign_in(client, user)
    assert 'href="/analyst"' not in client.get("/inbox").get_data(as_text=True)
    for url in ("/analyst", PAGE):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Chỉ cán bộ phân tích quy trình và quản trị mới xem được" in response.get_data(as_text=True)


def test_officers_may_neither_lint_deploy_nor_preview(client: FlaskClient, rt: Runtime) -> None:
    sign_in(client, "resolver")
    token = csrf_token(client, "/inbox")
    for action in ("lint", "deploy"):
        response = client.post(f"/analyst/{PID}/1/{action}", data={"csrf_token": token, f"file:{GUIDE}": "{}"})
        assert response.status_code == 403 and "Chỉ cán bộ phân tích" in response.get_json()["message"]
    preview = client.post("/analyst/form-preview", data={"csrf_token": token, "schema": json.dumps(NEW_FORM)})
    assert preview.status_code == 403 and "Ngày gửi" not in preview.get_data(as_text=True)
    assert _deployments(rt) == 2


def test_the_admin_may_open_the_pages(client: FlaskClient) -> None:
    sign_in(client, "admin")
    assert client.get("/analyst").status_code == 200 and client.get(PAGE).status_code == 200


def test_strangers_are_sent_to_sign_in(client: FlaskClient) -> None:
    for url in ("/analyst", PAGE):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    refused = client.post("/analyst/form-preview", data={"schema": "{}"})
    assert refused.status_code == 400  # no CSRF token: refused before anything is read


@pytest.mark.parametrize("url", [
    "/analyst/no_such/1", f"/analyst/{PID}/2", f"/analyst/{PID}/0", f"/analyst/{PID}/-1",
    f"/analyst/{PID}/99999999999999999999", f"/analyst/{PID}/2147483648", f"/analyst/{PID}/%D9%A3",
    f"/analyst/{PID}/1%00", "/analyst/No_Such/1", f"/analyst/{PID}/1.5",
])
def test_unknown_or_malformed_processes_and_versions_are_404(client: FlaskClient, url: str) -> None:
    sign_in(client, "analyst")
    response = client.get(url)
    assert response.status_code in {400, 404}, url
    assert "Không tìm thấy" in response.get_data(as_text=True) or response.status_code == 400


# -- lint and deploy ---------------------------------------------------------------------------

def test_lint_of_the_stored_files_finds_nothing_that_blocks(client: FlaskClient, rt: Runtime) -> None:
    sign_in(client, "analyst")
    files = _stored(rt)
    response = _send(client, "lint", {BPMN: files[BPMN], GUIDE: files[GUIDE]})
    assert response.status_code == 200
    assert [p for p in response.get_json()["problems"] if p["rule"] != "missing-di"] == []


def test_lint_names_the_step_whose_form_is_missing(client: FlaskClient, rt: Runtime) -> None:
    sign_in(client, "analyst")
    diagram = _stored(rt)[BPMN].replace('value="guide_complainant.schema.json"', 'value="no_such_form.schema.json"', 1)
    problems = _send(client, "lint", {BPMN: diagram}).get_json()["problems"]
    assert any(p["element"] == "guide_complainant" and p["file"] == BPMN and p["line"] for p in problems), problems


def test_a_deploy_from_the_page_makes_the_next_version_with_the_new_form(client: FlaskClient, rt: Runtime) -> None:
    sign_in(client, "analyst")
    guide = json.loads(_stored(rt)[GUIDE])
    guide["title"] = "Hướng dẫn người khiếu nại (bản 2)"
    response = _send(client, "deploy", {GUIDE: json.dumps(guide, ensure_ascii=False)})
    assert response.status_code == 200
    assert response.get_json() == {"version": 2, "created": True, "url": f"/analyst/{PID}/2"}
    page = client.get(f"/analyst/{PID}/2").get_data(as_text=True)
    assert "Đã triển khai phiên bản 2" in page and "Hướng dẫn người khiếu nại (bản 2)" in page
    listing = client.get("/analyst").get_data(as_text=True)
    assert "<td data-label=\"Người triển khai\">Cán bộ phân tích quy trình (demo)</td>" in listing  # by name, not «analyst»
    again = _send(client, "deploy", {GUIDE: json.dumps(guide, ensure_ascii=False)})
    assert again.get_json()["created"] is False and _deployments(rt) == 3


def test_a_refused_deploy_lists_every_problem_and_stores_nothing(client: FlaskClient, rt: Runtime) -> None:
    sign_in(client, "analyst")
    diagram = _stored(rt)[BPMN].replace('value="guide_complainant.schema.json"', 'value="no_such_form.schema.json"', 1)
    response = _send(client, "deploy", {BPMN: diagram})
    body = response.get_json()
    assert response.status_code == 422 and body["error"] == "invalid_diagram"
    assert any(p["element"] == "guide_complainant" for p in body["problems"])
    assert _deployments(rt) == 2


@pytest.mark.parametrize(("path", "text"), [
    (f"forms/{PID}/../../etc/passwd.json", "{}"),
    (f"forms/{PID}/sub/x.schema.json", "{}"),
    ("processes/na_session_reception/na_session_reception.bpmn", "<x/>"),
    (f"processes/{PID}/documents/receipt.docx", "UEsDBA=="),
    (f"forms/{PID}/Hoa.schema.json", "{}"),
    (GUIDE, '{"title": "a\x00b"}'),
    (GUIDE, '{"title": "\u202e"}'),
    (f"forms/{PID}/x\x00.schema.json", "{}"),
])
def test_files_outside_the_editable_ones_or_with_control_characters_are_400(client: FlaskClient, rt: Runtime,
                                                                              path: str, text: str) -> None:
    sign_in(client, "analyst")
    for action in ("lint", "deploy"):
        response = _send(client, action, {path: text})
        assert response.status_code == 400, (action, path)
        assert response.get_json()["error"] == "invalid_input"
    assert _deployments(rt) == 2


def test_an_unknown_base_version_is_404_for_lint_and_deploy(client: FlaskClient, rt: Runtime) -> None:
    sign_in(client, "analyst")
    assert _send(client, "deploy", {}, version=7).status_code == 404
    assert client.post(f"/analyst/{PID}/99999999999/lint", data={"csrf_token": csrf_token(client, PAGE)}).status_code == 404
    assert _deployments(rt) == 2


# -- the live preview --------------------------------------------------------------------------

def test_the_preview_draws_the_form_with_the_officers_renderer(client: FlaskClient) -> None:
    sign_in(client, "analyst")
    response = _preview(client, json.dumps(NEW_FORM, ensure_ascii=False), json.dumps({"channel": {"ui:widget": "radio"}}))
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["X-Form-Preview"] == "1"
    assert 'id="f-sent_on"' in text and 'placeholder="ngày/tháng/năm"' in text and "Ngày gửi" in text
    assert 'type="radio" name="channel" value="post"' in text and "Trao tay" in text
    assert "<html" not in text  # a fragment, not a page


@pytest.mark.parametrize(("schema", "ui", "message"), [
    ('{"title": ', "", "Biểu mẫu (JSON Schema) không phải JSON hợp lệ (dòng 1"),
    ("[1, 2]", "", "phải là một đối tượng JSON"),
    ('{"type": "strng"}', "", "Biểu mẫu chưa hợp lệ"),
    ('{"type": "object", "properties": {"a": {"type": "string"}}}', "", "maxLength"),
    ('{"type": "object", "properties": {"a": {"$ref": "https://example.com/x"}}}', "", "Biểu mẫu chưa hợp lệ"),
    ("[" * 100_000, "", "lồng nhau quá sâu"),
    ('{"title": "a\\u0000"}', "", "ký tự điều khiển"),
    ('{"title": "a\x00"}', "", "ký tự điều khiển"),
    (json.dumps(NEW_FORM), '{"sent_on": "x"}', "UI schema) có mục sai kiểu"),
    (json.dumps(NEW_FORM), "{", "Giao diện biểu mẫu (UI schema) không phải JSON hợp lệ"),
    ("x" * 300_000, "", "quá lớn"),
])
def test_a_form_that_cannot_be_drawn_says_why_in_vietnamese(client: FlaskClient, schema: str, ui: str,
                                                            message: str) -> None:
    sign_in(client, "analyst")
    response = _preview(client, schema, ui)
    text = response.get_data(as_text=True)
    assert response.status_code in {400, 422}, text
    assert response.headers["X-Form-Preview"] == "1" and message in text and 'class="field-error"' in text


def test_a_10_mb_preview_is_refused_as_too_large(client: FlaskClient) -> None:
    sign_in(client, "analyst")
    response = _preview(client, "x" * (10 * 1024 * 1024))
    assert response.status_code == 413 and "quá lớn" in response.get_data(as_text=True)


def test_oversized_or_overfull_lint_and_deploy_posts_are_refused(client: FlaskClient, rt: Runtime) -> None:
    sign_in(client, "analyst")
    for action in ("lint", "deploy"):
        huge = _send(client, action, {GUIDE: "x" * (10 * 1024 * 1024)})
        assert huge.status_code == 413, action
        crowded = _send(client, action, {f"{FORMS}/f{i}.schema.json": "{}" for i in range(6_000)})
        assert crowded.status_code == 413, action
    assert _deployments(rt) == 2
