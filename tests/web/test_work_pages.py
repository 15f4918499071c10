"""The pages of work to a named officer, drafts («Để sau») and the duplicate warning at reception."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from app.clock import FrozenClock
from app.services import tasks, users
from app.services.cases import start_form
from app.services.runtime import Runtime
from app.web import forms
from tests import cases
from tests.conftest import vn
from tests.web.helpers import as_posted, post, ready_task_id, sign_in, start_case

PASSWORD = "matkhau-123"


def _petition_posted(rt: Runtime, data: dict[str, Any]) -> dict[str, Any]:
    spec = start_form(rt, users.authenticate_password(rt, "reception", "demo"), "complaint_second_level")
    return dict(as_posted(forms.build(spec.schema, spec.ui_schema, data, {})))


def test_the_resolver_assigns_a_step_from_its_page_and_the_officer_finds_it_under_my_work(
        client: FlaskClient, rt: Runtime) -> None:
    users.create_user(rt, "pho_gd", "Trần Văn Phó", PASSWORD, ["resolver"])
    task_id = ready_task_id(rt, start_case(rt))
    sign_in(client, "resolver")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'id="assign"' in page and '<option value="pho_gd">Trần Văn Phó</option>' in page
    assigned = post(client, f"/tasks/{task_id}/assign", {"assignee": "pho_gd"})
    assert assigned.status_code == 302 and assigned.headers["Location"] == f"/tasks/{task_id}"
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Đã giao «Xem xét thụ lý đơn khiếu nại» cho Trần Văn Phó." in page
    assert '<strong id="holder">Trần Văn Phó</strong>' in page and 'id="read-only-note"' in page
    assert "Hoàn thành bước</button>" not in page and "Thu hồi (trả về cho vai trò)" in page
    assert post(client, f"/tasks/{task_id}", {"accepted": "true"}).status_code == 403
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "Trần Văn Phó" in inbox and ">pho_gd<" not in inbox  # colleagues see who holds it, by name

    sign_in(client, "pho_gd", PASSWORD)
    mine = client.get("/inbox?scope=mine").get_data(as_text=True)
    assert "Việc của tôi" in mine and f'href="/tasks/{task_id}"' in mine and ">Tôi<" in mine
    own = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Hoàn thành bước</button>" in own and 'id="assign"' in own  # a resolver may assign too

    sign_in(client, "resolver")
    taken = post(client, f"/tasks/{task_id}/release", {"next": f"/tasks/{task_id}"})
    assert taken.status_code == 302
    assert "Hoàn thành bước</button>" in client.get(f"/tasks/{task_id}").get_data(as_text=True)
    nobody = post(client, f"/tasks/{task_id}/assign", {"assignee": "clerk"})
    assert nobody.status_code == 422 and "Hãy chọn một cán bộ đang hoạt động" in nobody.get_data(as_text=True)


def test_the_verification_page_offers_the_verifiers_by_name_and_routes_their_steps(
        client: FlaskClient, rt: Runtime, clock: FrozenClock) -> None:
    users.create_user(rt, "xacminh_b", "Lê Thị Xác Minh", PASSWORD, ["verifier"])
    instance_id = start_case(rt)
    resolver = users.authenticate_password(rt, "resolver", "demo")
    tasks.complete_task(rt, resolver, ready_task_id(rt, instance_id), cases.acceptance())
    task_id = ready_task_id(rt, instance_id)
    clock.set(vn(2021, 3, 2))  # the day of the verification decision (a session ends after an idle hour)
    sign_in(client, "resolver")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="verifier.officer".*?</select>', page, re.S)
    assert select is not None and '<option value="xacminh_b">Lê Thị Xác Minh</option>' in select.group(0)
    body = {f"verifier.{k}": str(v) for k, v in cases.assignment()["verifier"].items()}
    body["verifier.officer"] = "xacminh_b"
    assert post(client, f"/tasks/{task_id}", body).status_code == 302
    verify = f'href="/tasks/{ready_task_id(rt, instance_id)}"'
    sign_in(client, "xacminh_b", PASSWORD)
    assert verify in client.get("/inbox?scope=mine").get_data(as_text=True)
    sign_in(client, "verifier")
    assert verify not in client.get("/inbox?scope=mine").get_data(as_text=True)
    assert "Lê Thị Xác Minh" in client.get("/inbox").get_data(as_text=True)


def test_later_keeps_what_was_typed_and_the_next_visit_restores_it(client: FlaskClient, rt: Runtime,
                                                                   clock: FrozenClock) -> None:
    instance_id = start_case(rt)
    task_id = ready_task_id(rt, instance_id)
    sign_in(client, "resolver")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert f'formaction="/tasks/{task_id}/draft"' in page and ">Để sau</button>" in page
    typed = {"acceptance_notice.number": "45/TB-UBND viết dở", "eligibility.no_court_case": "on", "_version": "1"}
    later = post(client, f"/tasks/{task_id}/draft", typed)
    assert later.status_code == 302 and later.headers["Location"] == "/inbox"
    assert "Đã lưu nháp" in client.get("/inbox").get_data(as_text=True)
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'value="45/TB-UBND viết dở"' in page and 'id="draft-note"' in page
    sign_in(client, "auditor")
    assert "45/TB-UBND viết dở" not in client.get(f"/tasks/{task_id}").get_data(as_text=True)  # the resolver's own
    sign_in(client, "resolver")
    discarded = post(client, f"/tasks/{task_id}/draft/discard")
    assert discarded.status_code == 302
    assert "viết dở" not in client.get(f"/tasks/{task_id}").get_data(as_text=True)
    post(client, f"/tasks/{task_id}/draft", typed)
    clock.set(vn(2021, 3, 1))
    sign_in(client, "resolver")  # the next working day: a new session
    body = {"accepted": "true", "acceptance_notice.number": "45/TB-UBND", "acceptance_notice.issued_on": "2021-03-01",
            **{f"eligibility.{k}": "on" for k in cases.ELIGIBLE}}
    assert post(client, f"/tasks/{task_id}", body).status_code == 302
    with rt.db.reading() as session:
        from app.persistence.worklist import TaskDraft

        assert session.query(TaskDraft).count() == 0  # the draft went with the task


def test_a_draft_with_a_control_character_or_too_large_is_refused_and_the_wrong_role_gets_403(
        client: FlaskClient, rt: Runtime) -> None:
    task_id = ready_task_id(rt, start_case(rt))
    sign_in(client, "resolver")
    refused = post(client, f"/tasks/{task_id}/draft", {"acceptance_notice.number": "45\x00TB"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "ký tự điều khiển" in text
    huge = post(client, f"/tasks/{task_id}/draft", {"acceptance_notice.number": "x" * (10 * 1024 * 1024)})
    assert huge.status_code == 413
    sign_in(client, "clerk")
    assert post(client, f"/tasks/{task_id}/draft", {}).status_code == 403
    assert post(client, f"/tasks/{task_id}/assign", {"assignee": "clerk"}).status_code == 403
    assert post(client, "/tasks/-1/draft", {}).status_code == 404
    assert post(client, "/tasks/%D9%A3/assign", {}).status_code == 404


def test_another_organisations_step_is_not_found_from_its_pages(client: FlaskClient, rt: Runtime) -> None:
    first = {**cases.petition()["first_decision"], "issuer_level": "department_unit_head", "issuer": "Chi cục trưởng",
             "department": "Sở Tài chính"}
    task_id = ready_task_id(rt, start_case(rt, first_decision=first, submitted_to="department_head"))
    users.create_user(rt, "giamdoc_nn", "Giám đốc Sở NN", PASSWORD, ["resolver"], "Sở Nông nghiệp và PTNT")
    sign_in(client, "giamdoc_nn", PASSWORD)
    for path, body in ((f"/tasks/{task_id}/assign", {"assignee": "giamdoc_nn"}), (f"/tasks/{task_id}/draft", {}),
                       (f"/tasks/{task_id}/release", {}), (f"/tasks/{task_id}/draft/discard", {})):
        assert post(client, path, body).status_code == 404, path


def test_reception_is_warned_of_the_same_petition_and_may_still_register_it(client: FlaskClient, rt: Runtime) -> None:
    sign_in(client, "reception")
    body = _petition_posted(rt, cases.petition())
    assert post(client, "/cases/new/complaint_second_level", body).status_code == 302
    warned = post(client, "/cases/new/complaint_second_level", body)
    page = warned.get_data(as_text=True)
    assert warned.status_code == 409 and 'id="duplicate-warning"' in page
    assert '<a href="/cases/1" target="_blank" rel="noopener">Hồ sơ KN2-2021-000001</a>' in page
    assert "cùng số CMND/CCCD, cùng họ tên và địa chỉ" in page and 'value="Nguyễn Văn A"' in page
    assert 'name="_confirm_duplicate" value="1"' in page
    confirmed = post(client, "/cases/new/complaint_second_level", {**body, "_confirm_duplicate": "1"})
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == "/cases/2"
    assert "Vẫn tiếp nhận dù có hồ sơ trùng" in client.get("/cases/2").get_data(as_text=True)


def test_a_duplicate_of_another_organisation_shows_no_number_and_no_link(client: FlaskClient, rt: Runtime) -> None:
    first = {**cases.petition()["first_decision"], "issuer_level": "department_unit_head", "issuer": "Chi cục trưởng"}
    start_case(rt, first_decision={**first, "department": "Sở Nông nghiệp và PTNT"}, submitted_to="department_head")
    users.create_user(rt, "tiepdan_tc", "Tiếp dân Sở TC", PASSWORD, ["reception"], "Sở Tài chính")
    sign_in(client, "tiepdan_tc", PASSWORD)
    data = cases.petition(first_decision={**first, "department": "Sở Tài chính"}, submitted_to="department_head")
    warned = post(client, "/cases/new/complaint_second_level", _petition_posted(rt, data))
    page = warned.get_data(as_text=True)
    assert warned.status_code == 409 and "1 hồ sơ trùng thuộc cơ quan khác" in page
    assert "KN2-" not in page and 'href="/cases/1"' not in page
