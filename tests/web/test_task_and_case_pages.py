"""Task forms (validation kept beside each field, same services as the API), new case, case page, attachments."""

from __future__ import annotations

import io
import re
from typing import Any

from flask.testing import FlaskClient

from app.clock import FrozenClock
from app.services import casefile, deploy, tasks, users
from app.services.cases import get_case, start_form
from app.services.principal import Principal
from app.services.runtime import Runtime
from app.web import forms
from tests import cases
from tests.conftest import vn
from tests.web.helpers import as_posted, post, ready_task_id, sign_in, start_case


def _petition_posted(rt: Runtime, data: dict[str, Any]) -> dict[str, Any]:
    """What the browser posts for ``data`` in the new-case form, built by the same renderer."""
    spec = start_form(rt, users.authenticate_password(rt, "reception", "demo"), "complaint_second_level")
    return dict(as_posted(forms.build(spec.schema, spec.ui_schema, data, {})))


def test_the_new_case_page_registers_a_petition_with_its_dossier(client: FlaskClient, rt: Runtime) -> None:
    sign_in(client, "reception")
    page = client.get("/cases/new/complaint_second_level").get_data(as_text=True)
    assert "Tiếp nhận đơn khiếu nại lần hai" in page and 'name="dossier.first_decision_copy"' in page
    assert 'data-array="dossier.evidence"' in page and '<label for="f-complainant-full_name">Họ và tên' in page
    body = _petition_posted(rt, cases.petition())
    body["_files"] = (io.BytesIO(b"%PDF-1.4 petition"), "đơn khiếu nại.pdf")
    response = post(client, "/cases/new/complaint_second_level", body, content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"] == "/cases/1"
    case_page = client.get("/cases/1").get_data(as_text=True)
    assert "Đã tạo hồ sơ KN2-2021-000001." in case_page and "đơn khiếu nại.pdf" in case_page
    assert "Hạn thụ lý" in case_page and "03/03/2021" in case_page and "Điều 36 Luật Khiếu nại 2011" in case_page
    assert "Chủ tịch UBND cấp huyện" in case_page  # option titles, not stored codes


def test_a_validation_error_keeps_what_was_typed_and_shows_the_vietnamese_message_beside_the_field(
        client: FlaskClient, rt: Runtime) -> None:
    sign_in(client, "reception")
    body = _petition_posted(rt, cases.petition())
    del body["complainant.address"]
    body["complainant.id_number"] = "12345"
    response = post(client, "/cases/new/complaint_second_level", body)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<p class="field-error" id="f-complainant-address-error">Chưa nhập «Địa chỉ».</p>' in page
    assert 'id="f-complainant-id_number-error">«Số CMND/CCCD» không đúng định dạng.</p>' in page
    assert 'name="complainant.full_name" value="Nguyễn Văn A"' in page and 'value="12345"' in page
    assert 'aria-invalid="true"' in page and '<a href="#f-complainant-address">' in page
    assert "KN2-" not in page  # nothing was created


def test_a_step_is_completed_through_its_task_page(client: FlaskClient, rt: Runtime, clock: FrozenClock) -> None:
    instance_id = start_case(rt)
    task_id = ready_task_id(rt, instance_id)
    clock.set(vn(2021, 3, 1))  # the resolver accepts on the day of the notice
    sign_in(client, "resolver")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Xem xét thụ lý đơn khiếu nại" in page and "Hạn thụ lý" in page and "Hoàn thành bước" in page
    body = {"accepted": "true", "acceptance_notice.number": "45/TB-UBND", "acceptance_notice.issued_on": "2021-03-01",
            **{f"eligibility.{k}": "on" for k in cases.ELIGIBLE}, "_version": re.search(
                r'name="_version" value="(\d+)"', page).group(1)}  # type: ignore[union-attr]
    response = post(client, f"/tasks/{task_id}", body)
    assert response.status_code == 302 and response.headers["Location"] == f"/cases/{instance_id}"
    assert ready_task_id(rt, instance_id) != task_id
    again = post(client, f"/tasks/{task_id}", body)
    assert again.status_code == 409 and "không còn chờ xử lý" in again.get_data(as_text=True)


def test_a_rule_of_the_form_refuses_the_step_and_nothing_changes(client: FlaskClient, rt: Runtime) -> None:
    instance_id = start_case(rt)
    task_id = ready_task_id(rt, instance_id)
    sign_in(client, "resolver")
    body = {"accepted": "true", "acceptance_notice.number": "45/TB-UBND", "acceptance_notice.issued_on": "2021-03-01",
            "eligibility.directly_affected": "on"}
    response = post(client, f"/tasks/{task_id}", body)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "phải là «có»" in page and 'value="45/TB-UBND"' in page
    assert ready_task_id(rt, instance_id) == task_id


def test_the_wrong_role_gets_a_vietnamese_403_page(client: FlaskClient, rt: Runtime) -> None:
    task_id = ready_task_id(rt, start_case(rt))
    sign_in(client, "clerk")
    page = client.get(f"/tasks/{task_id}")
    assert page.status_code == 403 and "Không có quyền truy cập" in page.get_data(as_text=True)
    refused = post(client, f"/tasks/{task_id}", {"accepted": "true"})
    assert refused.status_code == 403
    assert client.get("/admin/users").status_code == 403
    assert client.get("/cases/new/complaint_second_level").status_code == 403


def test_the_auditor_reads_every_case_and_changes_nothing(client: FlaskClient, rt: Runtime) -> None:
    instance_id = start_case(rt)
    task_id = ready_task_id(rt, instance_id)
    sign_in(client, "auditor")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Chỉ xem" in page and "Hoàn thành bước" not in page and " disabled" in page
    assert post(client, f"/tasks/{task_id}", {"accepted": "true"}).status_code == 403
    case_page = client.get(f"/cases/{instance_id}").get_data(as_text=True)
    assert "Chế độ chỉ xem." in case_page and "Tải lên" not in case_page and "Nhận việc" not in case_page
    files = post(client, f"/cases/{instance_id}/attachments", {"_files": (io.BytesIO(b"%PDF-1.4"), "a.pdf")},
                 content_type="multipart/form-data")
    assert files.status_code == 403


def test_the_case_page_shows_history_with_the_chain_check_and_the_diagram_marks(client: FlaskClient, rt: Runtime) -> None:
    instance_id = start_case(rt)
    resolver = users.authenticate_password(rt, "resolver", "demo")
    tasks.complete_task(rt, resolver, ready_task_id(rt, instance_id), cases.acceptance())
    sign_in(client, "auditor")
    page = client.get(f"/cases/{instance_id}").get_data(as_text=True)
    assert "Kiểm tra toàn vẹn: chuỗi 4 sự kiện khớp" in page
    assert "Tạo hồ sơ" in page and "Hoàn thành bước" in page and "Xem xét thụ lý đơn khiếu nại" in page
    assert "Người có thẩm quyền giải quyết lần hai (demo)" in page and "Thông báo thụ lý" in page
    assert 'data-active="[&#34;assign_verification&#34;]"' in page and "review_acceptance" in page
    diagram = client.get(f"/cases/{instance_id}/diagram.bpmn")
    assert diagram.status_code == 200 and b'id="assign_verification"' in diagram.data


def test_attachments_are_checked_stored_audited_and_downloaded(client: FlaskClient, rt: Runtime) -> None:
    instance_id = start_case(rt)
    sign_in(client, "reception")
    refused = post(client, f"/cases/{instance_id}/attachments",
                   {"_files": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "virus.pdf")}, content_type="multipart/form-data")
    assert refused.status_code == 400 and "không đúng định dạng .pdf" in refused.get_data(as_text=True)
    exe = post(client, f"/cases/{instance_id}/attachments", {"_files": (io.BytesIO(b"MZ"), "run.exe")},
               content_type="multipart/form-data")
    assert exe.status_code == 400
    stored = post(client, f"/cases/{instance_id}/attachments",
                  {"_files": (io.BytesIO(b"\x89PNG\r\n\x1a\nimage"), "biên bản.png")}, content_type="multipart/form-data")
    assert stored.status_code == 302
    page = client.get(f"/cases/{instance_id}").get_data(as_text=True)
    link = re.search(r'href="(/attachments/\d+)">biên bản.png', page)
    assert link and "Thêm tài liệu" in page
    download = client.get(link.group(1))
    assert download.data == b"\x89PNG\r\n\x1a\nimage" and download.mimetype == "image/png"
    assert download.headers["Content-Disposition"].startswith("attachment;")


def test_a_department_resolver_cannot_open_another_departments_case(client: FlaskClient, rt: Runtime) -> None:
    first = {**cases.petition()["first_decision"], "issuer_level": "department_unit_head", "issuer": "Chi cục trưởng",
             "department": "Sở Tài chính"}
    instance_id = start_case(rt, first_decision=first, submitted_to="department_head")
    users.create_user(rt, "giamdoc_snn", "Giám đốc Sở NN&PTNT", "matkhau123", ["resolver"], "Sở Nông nghiệp và PTNT")
    sign_in(client, "giamdoc_snn", "matkhau123")
    assert client.get(f"/cases/{instance_id}").status_code == 404  # as if it did not exist: no id leaks
    assert client.get(f"/tasks/{ready_task_id(rt, instance_id)}").status_code == 404
    register = client.get("/cases")
    assert register.status_code == 200 and f"/cases/{instance_id}" not in register.get_data(as_text=True)
    assert "Không có việc nào" in client.get("/inbox").get_data(as_text=True)


def test_a_withdrawal_letter_is_recorded_from_the_case_page(client: FlaskClient, rt: Runtime, clock: FrozenClock) -> None:
    instance_id = start_case(rt)
    clock.set(vn(2021, 3, 20))  # the letter is recorded the day it arrives
    sign_in(client, "reception")
    page = client.get(f"/cases/{instance_id}").get_data(as_text=True)
    assert f'href="/cases/{instance_id}/messages/withdrawal"' in page and "Đơn rút khiếu nại" in page
    form = client.get(f"/cases/{instance_id}/messages/withdrawal").get_data(as_text=True)
    assert 'name="letter_date"' in form and 'type="checkbox"' in form
    refused = post(client, f"/cases/{instance_id}/messages/withdrawal", {"letter_date": "2021-03-20"})
    assert refused.status_code == 422 and "phải là «có»" in refused.get_data(as_text=True)
    response = post(client, f"/cases/{instance_id}/messages/withdrawal",
                    {"letter_date": "2021-03-20", "signed": "on", "reason": "Đã thỏa thuận"})
    assert response.status_code == 302
    auditor = users.authenticate_password(rt, "auditor", "demo")
    assert [t.bpmn_id for t in casefile.open_case(rt, auditor, instance_id).view.tasks] == ["issue_termination"]
    sign_in(client, "clerk")
    assert client.get(f"/cases/{instance_id}/messages/withdrawal").status_code == 403


def test_a_diagram_that_fails_says_so_in_vietnamese_and_keeps_what_was_typed(client: FlaskClient, rt: Runtime,
                                                                            clock: FrozenClock) -> None:
    pid, bpmn = "complaint_second_level", "processes/complaint_second_level/complaint_second_level.bpmn"
    files = deploy.read_sources(rt.processes_dir, rt.forms_dir, pid)
    script = ("resolution_deadline = resolution_deadline_for(acceptance_notice['issued_on'], complex_case, "
              "remote_area, regime)")
    assert script in files[bpmn]
    files[bpmn] = files[bpmn].replace(script, "resolution_deadline = resolution_deadline_for(decision_deadline, 1, 2)", 1)
    # decision_deadline exists only once a later step computes it: lint cannot tell (unknown-variable
    # reads "earlier" as "anywhere in the process"), so the script fails when it runs
    deploy.deploy(rt, Principal(0, "analyst", "A", frozenset({"analyst"})), pid, files)
    instance_id = start_case(rt)
    task_id = ready_task_id(rt, instance_id)
    clock.set(vn(2021, 3, 1))
    sign_in(client, "resolver")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    body = {"accepted": "true", "acceptance_notice.number": "45/TB-UBND-typed", "acceptance_notice.issued_on": "2021-03-01",
            **{f"eligibility.{k}": "on" for k in cases.ELIGIBLE}, "_version": re.search(
                r'name="_version" value="(\d+)"', page).group(1)}  # type: ignore[union-attr]
    response = post(client, f"/tasks/{task_id}", body)
    shown = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Quy trình không thực hiện được" in shown and "Hồ sơ giữ nguyên" in shown
    assert 'value="45/TB-UBND-typed"' in shown and 'id="task-form"' in shown  # the form again, as typed
    assert " object at 0x" not in shown and "Traceback" not in shown and "SubWorkflowTask" not in shown
    assert ready_task_id(rt, instance_id) == task_id


def test_a_day_typed_wrong_is_a_vietnamese_field_error_and_stays_as_typed(client: FlaskClient, rt: Runtime,
                                                                         clock: FrozenClock) -> None:
    instance_id = start_case(rt)
    task_id = ready_task_id(rt, instance_id)
    clock.set(vn(2021, 3, 1))
    sign_in(client, "resolver")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'placeholder="ngày/tháng/năm"' in page and 'type="date"' not in page
    body = {"accepted": "true", "acceptance_notice.number": "45/TB-UBND", "acceptance_notice.issued_on": "31/02/2021",
            **{f"eligibility.{k}": "on" for k in cases.ELIGIBLE}, "_version": re.search(
                r'name="_version" value="(\d+)"', page).group(1)}  # type: ignore[union-attr]
    response = post(client, f"/tasks/{task_id}", body)
    shown = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="31/02/2021"' in shown and 'id="f-acceptance_notice-issued_on-error"' in shown
    error = re.search(r'id="f-acceptance_notice-issued_on-error">([^<]*)<', shown).group(1)  # type: ignore[union-attr]
    assert "ngày" in error.lower() and "format" not in error and "date" not in error, error
    body["acceptance_notice.issued_on"] = "01/03/2021"
    assert post(client, f"/tasks/{task_id}", body).status_code == 302  # the nearest lawful entry goes through


def test_the_case_page_names_who_uploaded_a_file_by_full_name_not_account(client: FlaskClient, rt: Runtime) -> None:
    instance_id = start_case(rt)
    sign_in(client, "reception")
    stored = post(client, f"/cases/{instance_id}/attachments", {"_files": (io.BytesIO(b"%PDF-1.4"), "bienban.pdf")},
                  content_type="multipart/form-data")
    assert stored.status_code == 302
    sign_in(client, "auditor")
    page = client.get(f"/cases/{instance_id}").get_data(as_text=True)
    line = re.search(r">bienban\.pdf</a> <small class=\"muted\">([^<]*)</small>", page)
    assert line is not None, page
    assert "Cán bộ tiếp công dân" in line.group(1) and "reception" not in line.group(1), line.group(1)


def test_a_complainants_name_with_asterisks_is_shown_literally_in_the_steps_instructions(
        client: FlaskClient, rt: Runtime) -> None:
    instance_id = start_case(rt, complainant={**cases.petition()["complainant"], "full_name": "Nguyễn **đậm**"})
    sign_in(client, "resolver")
    page = client.get(f"/tasks/{ready_task_id(rt, instance_id)}").get_data(as_text=True)
    assert "người khiếu nại: Nguyễn &#42;&#42;đậm&#42;&#42;." in page
    assert "<strong>đậm</strong>" not in page


def test_a_supplement_with_nothing_ticked_on_the_acceptance_page_takes_nothing_off_the_dossier(
        client: FlaskClient, rt: Runtime, clock: FrozenClock) -> None:
    # The copy of the first decision is on file; the supplement's boxes are left unticked (posted as nothing).
    instance_id = start_case(rt)
    task_id = ready_task_id(rt, instance_id)
    clock.set(vn(2021, 3, 1))
    sign_in(client, "resolver")
    body = {"accepted": "true", "complex_case": "false", "acceptance_notice.issued_on": "01/03/2021",
            "supplement.received_on": "26/02/2021", **{f"eligibility.{k}": "on" for k in cases.ELIGIBLE}}
    response = post(client, f"/tasks/{task_id}", body)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    auditor = users.authenticate_password(rt, "auditor", "demo")
    checked = get_case(rt, auditor, instance_id).data["dossier_checked"]
    assert checked["first_decision_copy"] is True


def test_the_acceptance_page_still_refuses_a_missing_copy_when_the_supplement_does_not_tick_it(
        client: FlaskClient, rt: Runtime, clock: FrozenClock) -> None:
    dossier = {**cases.petition()["dossier"], "first_decision_copy": False}
    instance_id = start_case(rt, dossier=dossier)
    task_id = ready_task_id(rt, instance_id)
    clock.set(vn(2021, 3, 1))
    sign_in(client, "resolver")
    body = {"accepted": "true", "complex_case": "false", "acceptance_notice.issued_on": "01/03/2021",
            "supplement.received_on": "26/02/2021", **{f"eligibility.{k}": "on" for k in cases.ELIGIBLE}}
    response = post(client, f"/tasks/{task_id}", body)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "bản sao quyết định giải quyết khiếu nại lần đầu" in page
    assert 'value="26/02/2021"' in page  # what was typed stays
    ticked = post(client, f"/tasks/{task_id}", {**body, "supplement.first_decision_copy": "on"})
    assert ticked.status_code == 302


def test_the_department_is_picked_by_name_a_refused_one_keeps_the_form_and_the_case_page_shows_the_name(
        client: FlaskClient, rt: Runtime, clock: FrozenClock) -> None:
    clock.set(vn(2026, 7, 15))
    sign_in(client, "reception")
    page = client.get("/cases/new/complaint_second_level").get_data(as_text=True)
    assert '<option value="so_nong_nghiep_moi_truong">Sở Nông nghiệp và Môi trường</option>' in page
    assert 'value="so_tai_nguyen_moi_truong"' not in page  # ended on 28/02/2025: not offered
    petition = cases.petition_2026(submitted_to="department_head")
    petition["first_decision"].update(issuer="Chi cục trưởng Chi cục Quản lý đất đai", issuer_level="department_unit_head",
                                      department="so_nong_nghiep_moi_truong")
    body = _petition_posted(rt, petition)
    assert body["first_decision.department"] == "so_nong_nghiep_moi_truong"
    ended = post(client, "/cases/new/complaint_second_level", {**body, "first_decision.department": "so_tai_nguyen_moi_truong"})
    shown = ended.get_data(as_text=True)
    assert ended.status_code == 422 and "Sở Tài nguyên và Môi trường" in shown and "không còn" in shown
    assert 'id="f-first_decision-department-error"' in shown
    assert 'value="Chi cục trưởng Chi cục Quản lý đất đai"' in shown and 'value="Nguyễn Văn A"' in shown
    response = post(client, "/cases/new/complaint_second_level", body)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    case_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<dt>Sở, ban, ngành</dt><dd>Sở Nông nghiệp và Môi trường</dd>" in case_page
    assert "so_nong_nghiep_moi_truong" not in case_page
