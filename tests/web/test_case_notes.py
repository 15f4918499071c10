"""Internal notes on a case: written on the case page and through the API, bounded, audited, never the case's data."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.persistence.models import AuditEvent, CaseNote
from app.services import notes, users
from app.services.runtime import Runtime
from tests.conftest import basic
from tests.intruder import intrude
from tests.web.helpers import post, sign_in, start_case
from tests.web.test_escalations_page import RAW, _department_case, visible

ORG_A, ORG_B = "Sở Tài chính", "Sở Nông nghiệp và PTNT"
PASSWORD = "matkhau-123"


def test_an_officer_writes_a_note_on_the_case_page_and_it_is_shown_with_author_and_time(
        client: FlaskClient, rt: Runtime) -> None:
    instance_id = start_case(rt)
    sign_in(client, "reception")
    typed = "Đã gọi điện cho ông A:\n\tông hẹn bổ sung bản sao sổ đỏ vào thứ Hai."
    done = post(client, f"/cases/{instance_id}/notes", {"text": typed}, f"/cases/{instance_id}")
    assert done.status_code == 302 and done.headers["Location"] == f"/cases/{instance_id}#notes"
    page = client.get(f"/cases/{instance_id}").get_data(as_text=True)
    assert "Đã thêm ghi chú nội bộ vào hồ sơ." in page and str(escape(typed)) in page
    section = visible(page.split('id="notes"', 1)[1].split("</section>", 1)[0])
    assert "Cán bộ tiếp công dân (demo) · 17/02/2021 09:00" in section and "Ghi chú nội bộ (1)" in section
    assert not RAW.search(section), RAW.search(section)
    history = visible(page.split('id="history"', 1)[1])
    assert "Thêm ghi chú nội bộ" in history and "sha256" not in history
    assert '<a href="#notes">Ghi chú (1)</a>' in page


def test_a_note_is_kept_beside_the_case_never_in_its_data_and_its_digest_is_in_the_trail(
        client: FlaskClient, rt: Runtime) -> None:
    instance_id = start_case(rt)
    auditor, inspectorate = basic("auditor"), basic("inspectorate")
    written = client.post(f"/api/instances/{instance_id}/notes", json={"text": "=SUM(A1:A9) kiểm tra lại"},
                          headers=inspectorate)
    assert written.status_code == 201, written.get_json()
    note = written.get_json()
    assert note["text"] == "=SUM(A1:A9) kiểm tra lại" and note["author"] == "inspectorate" and note["intact"]
    assert note["author_name"] == "Thanh tra tỉnh (demo)"
    listing = client.get(f"/api/instances/{instance_id}/notes", headers=basic("resolver")).get_json()
    assert listing == {"instance_id": instance_id, "notes": [note]}
    case = client.get(f"/api/instances/{instance_id}", headers=auditor).get_json()
    assert "SUM" not in json.dumps(case, ensure_ascii=False)  # not in the data, the decision or anything the case holds
    history = client.get(f"/api/instances/{instance_id}/history", headers=auditor).get_json()
    event = history["events"][-1]
    assert history["chain"]["ok"] and event["action"] == "note_added" and event["actor"] == "inspectorate"
    assert re.fullmatch(r"[0-9a-f]{32}", event["data"].pop("request_id"))  # the request that wrote it
    assert event["data"] == {"note": note["id"], "characters": 24,
                             "sha256": hashlib.sha256("=SUM(A1:A9) kiểm tra lại".encode()).hexdigest()}


@pytest.mark.parametrize(("typed", "reason"), [
    ("x" * 5001, "tối đa 5.000 ký tự"), ("a\x00b", "ký tự điều khiển"), ("a\x1bb", "ký tự điều khiển"),
    ("exe.\u202efdp", "ký tự điều khiển"), ("a\x85b", "ký tự điều khiển"), ("   \n ", "Chưa nhập nội dung ghi chú."),
])
def test_a_refused_note_changes_nothing_and_the_page_keeps_what_was_typed(client: FlaskClient, rt: Runtime,
                                                                          typed: str, reason: str) -> None:
    instance_id = start_case(rt)
    sign_in(client, "resolver")
    refused = post(client, f"/cases/{instance_id}/notes", {"text": typed}, f"/cases/{instance_id}")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and reason in page and 'aria-invalid="true"' in page
    if typed.strip():
        assert str(escape(typed)) in page
    api = client.post(f"/api/instances/{instance_id}/notes", json={"text": typed}, headers=basic("resolver"))
    assert api.status_code == 400 and reason in api.get_json()["fields"]["text"], api.get_json()
    with rt.db.reading() as session:
        assert session.scalars(select(CaseNote)).all() == []
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "note_added")).all() == []


def test_five_thousand_characters_fit_and_a_ten_megabyte_body_is_refused_before_anything(
        client: FlaskClient, rt: Runtime) -> None:
    instance_id = start_case(rt)
    longest = "ồ" * 5000
    assert client.post(f"/api/instances/{instance_id}/notes", json={"text": longest},
                       headers=basic("resolver")).status_code == 201
    huge = json.dumps({"text": "a" * (10 * 1024 * 1024)})
    api = client.post(f"/api/instances/{instance_id}/notes", data=huge,
                      headers={**basic("resolver"), "Content-Type": "application/json"})
    assert api.status_code == 413 and api.get_json()["error"] == "payload_too_large"
    sign_in(client, "resolver")
    page = post(client, f"/cases/{instance_id}/notes", {"text": "a" * (10 * 1024 * 1024)}, f"/cases/{instance_id}")
    assert page.status_code in {400, 413} and "<html" in page.get_data(as_text=True)
    assert client.post(f"/api/instances/{instance_id}/notes", json={"text": ["a"]},
                       headers=basic("resolver")).status_code == 400
    assert client.post(f"/api/instances/{instance_id}/notes", json={}, headers=basic("resolver")).status_code == 400
    with rt.db.reading() as session:
        assert len(session.scalars(select(CaseNote)).all()) == 1


def test_roles_that_read_no_case_get_403_and_other_organisations_cases_404(client: FlaskClient,
                                                                          rt: Runtime) -> None:
    mine, theirs = _department_case(rt, ORG_A, 7), start_case(rt)
    users.create_user(rt, "resolver_a", "Giám đốc Sở Tài chính", PASSWORD, ["resolver"], ORG_A)
    for role in ("analyst", "admin", "unit_head"):
        assert client.get(f"/api/instances/{mine}/notes", headers=basic(role)).status_code == 403
        assert client.post(f"/api/instances/{mine}/notes", json={"text": "x"}, headers=basic(role)).status_code == 403
        sign_in(client, role)
        assert post(client, f"/cases/{mine}/notes", {"text": "x"}).status_code == 403
    limited = basic("resolver_a", PASSWORD)
    assert client.post(f"/api/instances/{mine}/notes", json={"text": "của sở"}, headers=limited).status_code == 201
    foreign = client.post(f"/api/instances/{theirs}/notes", json={"text": "x"}, headers=limited)
    missing = client.post("/api/instances/999999/notes", json={"text": "x"}, headers=limited)
    assert foreign.status_code == missing.status_code == 404
    assert {**foreign.get_json(), "request_id": ""} == {**missing.get_json(), "request_id": ""}
    assert client.get(f"/api/instances/{theirs}/notes", headers=limited).status_code == 404
    for path in ("99999999999", "-1", "%D9%A3", "1%00", "0"):
        assert client.get(f"/api/instances/{path}/notes", headers=limited).status_code in {400, 404}, path
        # 405 for 0: werkzeug's router, as for /api/instances/0 itself; never a 500, never a note
        assert client.post(f"/api/instances/{path}/notes", json={"text": "x"},
                           headers=limited).status_code in {400, 404, 405}
    sign_in(client, "resolver_a", PASSWORD)
    assert post(client, f"/cases/{theirs}/notes", {"text": "x"}).status_code == 404
    with rt.db.reading() as session:
        assert [n.instance_id for n in session.scalars(select(CaseNote))] == [mine]


def test_notes_are_never_changed_and_an_altered_one_is_shown_and_reported(app: Flask, client: FlaskClient,
                                                                        rt: Runtime, owner_url: str) -> None:
    instance_id = start_case(rt)
    note = notes.add_note(rt, users.authenticate_password(rt, "resolver", "demo"), instance_id, "Đúng hạn")
    for statement in ("UPDATE case_notes SET body = 'Sai'", "DELETE FROM case_notes"):
        with pytest.raises(DBAPIError, match=r"append-only|permission denied"), rt.db.writing() as session:
            session.execute(text(statement))
    intrude(owner_url, (f"UPDATE case_notes SET body = :b WHERE id = {note.id}", {"b": "Quá hạn"}))
    sign_in(client, "auditor")
    page = client.get(f"/cases/{instance_id}").get_data(as_text=True)
    assert "Nội dung khác với dấu vân tay đã ghi trong nhật ký" in page
    listed = client.get(f"/api/instances/{instance_id}/notes", headers=basic("auditor")).get_json()
    assert listed["notes"][0]["intact"] is False
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "(note)" in result.output and "khác với dấu vân tay SHA-256" in result.output
    intrude(owner_url, f"DELETE FROM case_notes WHERE id = {note.id}")
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "không còn trong cơ sở dữ liệu" in result.output


def test_the_auditor_reads_notes_but_writes_none_on_the_api_or_the_page(client: FlaskClient, rt: Runtime) -> None:
    instance_id = start_case(rt)
    assert client.post(f"/api/instances/{instance_id}/notes", json={"text": "ghi chú"},
                       headers=basic("resolver")).status_code == 201
    with rt.db.reading() as session:
        before = len(list(session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id))))
    refused = client.post(f"/api/instances/{instance_id}/notes", json={"text": "x"}, headers=basic("auditor"))
    assert refused.status_code == 403 and "không ghi chú" in refused.get_json()["message"], refused.get_json()
    assert [n["text"] for n in client.get(f"/api/instances/{instance_id}/notes",
                                          headers=basic("auditor")).get_json()["notes"]] == ["ghi chú"]
    sign_in(client, "auditor")
    page = client.get(f"/cases/{instance_id}").get_data(as_text=True)
    assert "ghi chú" in page and 'class="note-form"' not in page and "Lưu ghi chú" not in page
    assert post(client, f"/cases/{instance_id}/notes", {"text": "x"}).status_code == 403
    with rt.db.reading() as session:
        after = len(list(session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id))))
    assert after == before
    sign_in(client, "inspectorate")  # oversight too, but a note is no act on the case: it writes them
    assert 'class="note-form"' in client.get(f"/cases/{instance_id}").get_data(as_text=True)
