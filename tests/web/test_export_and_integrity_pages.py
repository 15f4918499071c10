"""The auditor's desk, items 4 and 5: «Xuất hồ sơ (.zip)» on the page and the API alike; the integrity page and its job.

Page and API refuse the same roles the same way (403), and another organisation's case answers 404 on both.
"""

from __future__ import annotations

import io
import zipfile

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.persistence.models import AuditEvent, Instance, IntegrityRun
from app.services import attachments, export_check, integrity_runs, timers, users
from app.services.runtime import Runtime
from app.services.uploads import Upload
from tests.conftest import basic
from tests.intruder import intrude
from tests.web.helpers import post, sign_in, start_case

BUTTON = "Xuất hồ sơ (.zip)"


def _events(rt: Runtime, instance_id: int) -> int:
    with rt.db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.instance_id == instance_id)) or 0)


def test_the_export_is_offered_and_given_to_oversight_roles_only(client: FlaskClient, rt: Runtime) -> None:
    case = start_case(rt)
    for role, allowed in (("auditor", True), ("inspectorate", True), ("resolver", False), ("reception", False)):
        sign_in(client, role)
        page = client.get(f"/cases/{case}").get_data(as_text=True)
        assert (BUTTON in page) is allowed, role
        before = _events(rt, case)
        by_page = post(client, f"/cases/{case}/export.zip", token_from=f"/cases/{case}")
        by_api = client.get(f"/api/instances/{case}/export", headers=basic(role))
        if allowed:
            for answer in (by_page, by_api):
                assert answer.status_code == 200 and answer.mimetype == "application/zip"
                assert export_check.verify_export(answer.data).ok
            assert _events(rt, case) == before + 2  # each export is recorded on the case
        else:
            assert (by_page.status_code, by_api.status_code) == (403, 403), role
            assert by_api.get_json()["error"] == "forbidden" and "xuất hồ sơ" in by_api.get_json()["message"]
            assert "xuất hồ sơ" in by_page.get_data(as_text=True) and _events(rt, case) == before


def test_another_organisations_auditor_gets_404_on_page_and_api(client: FlaskClient, rt: Runtime) -> None:
    case = start_case(rt)
    with rt.db.reading() as session:
        organisation = session.get(Instance, case).organisation  # type: ignore[union-attr]
    other = "pleiku" if organisation != "pleiku" else "chu-prong"
    users.create_user(rt, "auditor_other", "Kiểm tra viên khác", "demo", ["auditor"], organisation=other)
    sign_in(client, "auditor_other")
    assert post(client, f"/cases/{case}/export.zip").status_code == 404
    assert client.get(f"/cases/{case}").status_code == 404
    assert client.get(f"/api/instances/{case}/export", headers=basic("auditor_other")).status_code == 404
    assert client.get("/api/instances/2147483000/export", headers=basic("auditor")).status_code == 404


def test_the_case_history_names_the_export_in_vietnamese(client: FlaskClient, rt: Runtime) -> None:
    case = start_case(rt)
    sign_in(client, "auditor")
    post(client, f"/cases/{case}/export.zip", token_from=f"/cases/{case}")
    page = client.get(f"/cases/{case}").get_data(as_text=True)
    assert "Xuất hồ sơ có chữ ký số (.zip)" in page and ">case_exported<" not in page
    assert "Khóa ký bản xuất (dấu vân tay)" in page and "signing_key" not in page


def test_the_integrity_page_checks_a_case_now_and_queues_the_whole_check(client: FlaskClient, rt: Runtime,
                                                                         app: Flask) -> None:
    case = start_case(rt)
    sign_in(client, "auditor")
    assert "Chưa có lần kiểm tra toàn bộ nào" in client.get("/audit/integrity").get_data(as_text=True)
    with rt.db.reading() as session:
        number = session.get(Instance, case).case_number  # type: ignore[union-attr]
    checked = post(client, "/audit/integrity/case", {"case": number}, token_from="/audit/integrity",
                   follow_redirects=True).get_data(as_text=True)
    assert f"Đã kiểm tra hồ sơ {number}: nguyên vẹn." in checked
    post(client, "/audit/integrity/all", token_from="/audit/integrity")
    post(client, "/audit/integrity/all", token_from="/audit/integrity")  # bounded: the same run, not a second
    waiting = client.get("/audit/integrity").get_data(as_text=True)
    assert "Đang chờ" in waiting and 'http-equiv="refresh"' in waiting
    with rt.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(IntegrityRun).where(IntegrityRun.scope == "all")) == 1
    timers.run_worker(rt, "test-worker", until_idle=True)
    done = client.get("/audit/integrity").get_data(as_text=True)
    assert "Nguyên vẹn: không phát hiện thay đổi nào." in done and "Đang chờ" not in done
    assert "null" not in done and "None" not in done


def test_the_api_gives_the_same_runs_and_refuses_officers(client: FlaskClient, rt: Runtime) -> None:
    case = start_case(rt)
    one = client.post("/api/audit/integrity-runs", json={"scope": "case", "instance_id": case}, headers=basic("auditor"))
    assert one.status_code == 201 and one.get_json()["ok"] is True and one.get_json()["cases"] == 1
    queued = client.post("/api/audit/integrity-runs", json={"scope": "all"}, headers=basic("admin"))
    assert queued.get_json()["status"] == "queued"
    assert integrity_runs.run_queued(rt, "test-worker") == queued.get_json()["id"]
    run = client.get(f"/api/audit/integrity-runs/{queued.get_json()['id']}", headers=basic("auditor")).get_json()
    assert (run["status"], run["ok"], run["problem_count"]) == ("done", True, 0) and run["cases"] >= 1
    overview = client.get("/api/audit/integrity-runs", headers=basic("auditor")).get_json()
    assert overview["last_full"]["id"] == run["id"] and overview["pending"] is None
    for role in ("resolver", "inspectorate"):
        assert client.get("/api/audit/integrity-runs", headers=basic(role)).status_code == 403
    assert client.post("/api/audit/integrity-runs", json={"scope": "case"}, headers=basic("auditor")).status_code == 400


def test_a_tampered_case_is_named_by_the_run(client: FlaskClient, rt: Runtime, owner_url: str) -> None:
    case = start_case(rt)
    intrude(owner_url, ("UPDATE instances SET title = 'Người khác' WHERE id = :id", {"id": case}))
    run = client.post("/api/audit/integrity-runs", json={"scope": "case", "instance_id": case},
                      headers=basic("auditor")).get_json()
    assert run["ok"] is False and run["problems"][0]["kind"] == "state_altered"


def test_the_page_exports_a_zip_whose_members_are_all_listed(client: FlaskClient, rt: Runtime) -> None:
    case = start_case(rt)
    sign_in(client, "auditor")
    answer = post(client, f"/cases/{case}/export.zip", token_from=f"/cases/{case}")
    with zipfile.ZipFile(io.BytesIO(answer.data)) as archive:
        names = set(archive.namelist())
    assert {"manifest.json", "manifest.sig", "public_key.pem", "case.json", "events.json"} <= names
    assert 'filename="ho-so-' in answer.headers["Content-Disposition"] or "ho-so-" in answer.headers["Content-Disposition"]


def test_a_broken_trail_is_not_signed_over_and_a_replaced_file_is_named_by_the_export(
        client: FlaskClient, rt: Runtime, owner_url: str) -> None:
    case = start_case(rt)
    resolver = users.authenticate_password(rt, "resolver", "demo")
    attachments.add_attachments(rt, resolver, case, [Upload("bien-ban.pdf", b"%PDF-1.4\n% bien ban\n")])
    intrude(owner_url, ("UPDATE attachments SET content = :bytes WHERE instance_id = :id",
                        {"bytes": b"%PDF-1.4\n% sua doi\n", "id": case}))
    answer = client.get(f"/api/instances/{case}/export", headers=basic("auditor"))
    check = export_check.verify_export(answer.data)
    assert [(f.member.startswith("attachments/"), "SHA-256" in f.message) for f in check.findings] == [(True, True)]
    intrude(owner_url, ("UPDATE instances SET outcome = 'rejected' WHERE id = :id", {"id": case}))
    refused = client.get(f"/api/instances/{case}/export", headers=basic("auditor"))
    assert refused.status_code == 409 and refused.get_json()["error"] == "audit_broken"


def test_audit_verify_on_the_command_line_is_the_runs_last_full_check(client: FlaskClient, rt: Runtime,
                                                                       app: Flask) -> None:
    start_case(rt)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    sign_in(client, "auditor")
    page = client.get("/audit/integrity").get_data(as_text=True)
    assert "Dòng lệnh (flask audit verify)" in page and "Nguyên vẹn: không phát hiện thay đổi nào." in page
