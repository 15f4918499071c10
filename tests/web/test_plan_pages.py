"""The reception plan's pages: dashboard, register with its entry form, report and spreadsheet, the central call.

A plan for the 2021 window (24/03–07/04/2021) with three units, on the test clock; records go in
through the register page's form, rendered and parsed by the one generic renderer, so what the
officer posts is what the daily entry's record schema validates.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

from flask.testing import FlaskClient
from openpyxl import load_workbook

from app.clock import FrozenClock
from app.procedures.na_session_reception import plans, register
from app.procedures.na_session_reception.pages import _entry_schema
from app.services import cases, tasks, timers, users
from app.services.runtime import Runtime
from app.web import forms
from tests import cases as payloads
from tests.conftest import vn
from tests.services.test_reception_plan import group_complaint, record, unit_report
from tests.web.helpers import as_posted, post, sign_in

UNITS = [{"code": f"U{i:02d}", "name": f"Đơn vị {i:02d}", "kind": "district", "organisation": f"unit-{i:02d}"}
         for i in range(1, 4)]


def _who(rt: Runtime, name: str) -> Any:
    return users.authenticate_password(rt, name, "demo")


START = {"session_name": "Kỳ họp thứ 11, Quốc hội khóa XIV", "window_start": "2021-03-24", "window_end": "2021-04-07",
         "reception_start": "2021-03-24", "reception_end": "2021-04-07",
         "receive_on_weekends": False, "reception_office": "Trụ sở Tiếp công dân tỉnh Gia Lai", "units": UNITS,
         "documents": [{"number": "930/UBND-TD", "issued_on": "2021-03-22", "title": "Về việc tiếp công dân"}]}


def _start_plan(rt: Runtime, clock: FrozenClock) -> int:
    clock.set(_vn(date(2021, 3, 22)))
    return cases.start_case(rt, _who(rt, "inspectorate"), "na_session_reception", START).instance.id


def _vn(day: date, hour: int = 9, minute: int = 0) -> Any:
    return vn(day.year, day.month, day.day, 7) + timedelta(hours=hour - 7, minutes=minute)


def _night_to(rt: Runtime, clock: FrozenClock, day: date) -> None:
    """Just past midnight of ``day``: the day's timers fire (reception day opens, late units flagged)."""
    clock.set(_vn(day, 0, 30))
    timers.run_worker(rt, "test-worker", until_idle=True)
    clock.set(_vn(day))


def _entry_posted(rt: Runtime, plan_id: int, day: str, data: dict[str, Any]) -> dict[str, str]:
    """What the browser posts for ``data`` in the register's entry form, drawn by the same renderer."""
    schema, ui = _entry_schema(plans.entry_form(rt, _who(rt, "reception"), plan_id))
    return dict(as_posted(forms.build(schema, ui, {"received_on": day, **data}, {})))


def test_each_plan_page_renders_for_the_plan_roles_and_a_wrong_role_gets_403(client: FlaskClient, rt: Runtime,
                                                                            clock: FrozenClock) -> None:
    clock.set(_vn(date(2021, 3, 22)))
    sign_in(client, "inspectorate")
    spec = cases.start_form(rt, _who(rt, "inspectorate"), "na_session_reception")
    assert "Lập kế hoạch" in client.get("/cases/new/na_session_reception").get_data(as_text=True)
    started = post(client, "/cases/new/na_session_reception", dict(as_posted(forms.build(spec.schema, spec.ui_schema,
                                                                                         START, {}))))
    assert started.status_code == 302 and re.fullmatch(r"/plans/\d+", started.headers["Location"])  # to the dashboard
    base = started.headers["Location"]
    listing = client.get("/plans").get_data(as_text=True)
    assert '<a href="/plans" aria-current="page">Kế hoạch tiếp công dân</a>' in listing and f'href="{base}">TCD-2021-' in listing
    assert 'href="/cases/new/na_session_reception"' in listing  # the inspectorate starts plans
    for path in (base, f"{base}/register", f"{base}/register/new", f"{base}/report"):
        assert client.get(path).status_code == 200, path
    for role, allowed in {"reception": (base, f"{base}/register", f"{base}/register/new", f"{base}/report"),
                          "unit_head": (base, f"{base}/register"), "auditor": (base, f"{base}/register", f"{base}/report")
                          }.items():
        sign_in(client, role)
        for path in allowed:
            assert client.get(path).status_code == 200, (role, path)
    sign_in(client, "unit_head")
    refused = client.get(f"{base}/report")
    assert refused.status_code == 403 and "Bạn không có quyền xem báo cáo" in refused.get_data(as_text=True)
    assert client.get(f"{base}/register/new").status_code == 403
    sign_in(client, "verifier")
    assert 'href="/plans"' not in client.get("/inbox").get_data(as_text=True)
    for path in ("/plans", base, f"{base}/register", f"{base}/report", f"{base}/report.xlsx"):
        response = client.get(path)
        assert response.status_code == 403 and "Không có quyền truy cập" in response.get_data(as_text=True), path
    sign_in(client, "auditor")
    assert client.get("/plans/99999").status_code == 404
    case_id = cases.start_case(rt, _who(rt, "reception"), "complaint_second_level",
                                payloads.petition(received_on="2021-03-22")).instance.id
    assert client.get(f"/plans/{case_id}").status_code == 404  # a complaint is not a plan


def test_the_dashboard_shows_units_late_today_and_the_waiting_steps(client: FlaskClient, rt: Runtime,
                                                                    clock: FrozenClock) -> None:
    plan_id = _start_plan(rt, clock)
    unit_task = next(t for t in cases.get_case(rt, _who(rt, "auditor"), plan_id).tasks if t.organisation == "unit-01")
    tasks.complete_task(rt, _who(rt, "unit_head"), unit_task.id, unit_report("2021-03-22"))
    _night_to(rt, clock, date(2021, 3, 25))  # 24/03 was the due day: U02 and U03 are flagged
    register.add_record(rt, _who(rt, "reception"), plan_id, "2021-03-25", record(kind="denunciation"))
    register.add_record(rt, _who(rt, "reception"), plan_id, "2021-03-24", record(content="Hôm qua"))
    sign_in(client, "inspectorate")
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "Kỳ họp thứ 11, Quốc hội khóa XIV" in page and "Kỳ họp từ 24/03/2021 đến 07/04/2021" in page
    assert '<span class="num" id="stat-units">1/3</span>' in page and '<span class="num" id="stat-late">2</span>' in page
    units = re.findall(r'<tr class="([^"]*)" id="unit-(U\d\d)">(.*?)</tr>', page, re.S)
    assert [(cls, code, "Chậm báo cáo" in row, "Đã báo cáo" in row) for cls, code, row in units] == [
        ("", "U01", False, True), ("due-over", "U02", True, False), ("due-over", "U03", True, False)]
    today = page.split('id="today"')[1].split("</section>")[0]
    assert "Tiếp công dân hôm nay, 25/03/2021" in today and "Tố cáo" in today and "Hôm qua" not in today
    assert "Xây dựng kế hoạch tiếp công dân" in page and "/tasks/" in page  # the plan's own step, with its link
    assert f'href="/plans/{plan_id}/register"' in page and f'href="/plans/{plan_id}/report"' in page
    assert f'href="/plans/{plan_id}/register/new"' in page
    assert f'href="/cases/{plan_id}/messages/central_coordination"' in page
    assert "Ghi nhận thông báo của cơ quan Trung ương" in page
    sign_in(client, "auditor")  # reads, records nothing
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "central_coordination" not in page and "/register/new" not in page


def test_the_inspectorate_records_a_central_call_and_the_competent_units_head_gets_the_task(
        client: FlaskClient, rt: Runtime, clock: FrozenClock) -> None:
    plan_id = _start_plan(rt, clock)
    clock.set(_vn(date(2021, 3, 30)))
    sign_in(client, "inspectorate")
    call = f"/cases/{plan_id}/messages/central_coordination"
    form = client.get(call).get_data(as_text=True)
    assert "Thông báo của cơ quan Trung ương về công dân của tỉnh" in form
    assert 'placeholder="ngày/tháng/năm giờ:phút"' in form and 'name="reported_by"' in form and f'href="/plans/{plan_id}"' in form
    body = {"reported_by": "central_reception_board", "reported_at": "2021-03-30T08:30", "channel": "phone",
            "location": "Trụ sở Tiếp công dân Trung ương, số 1 Ngô Thì Nhậm, Hà Nội", "people_count": "8",
            "home_area": "Huyện Chư Prông", "content": "Đề nghị giải quyết bồi thường đất rẫy."}
    outside = post(client, call, {**body, "reported_at": "2021-04-20T08:30"})
    assert outside.status_code == 422 and "Thông báo phải trong thời gian kỳ họp" in outside.get_data(as_text=True)
    assert 'value="Huyện Chư Prông"' in outside.get_data(as_text=True)
    response = post(client, call, body)
    assert response.status_code == 302 and response.headers["Location"] == f"/plans/{plan_id}"
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    central = page.split('id="central"')[1].split("</section>")[0]
    assert "30/03/2021 08:30" in central and "8 công dân (Huyện Chư Prông)" in central
    assert "Chờ Thanh tra tỉnh xác định đơn vị có trách nhiệm" in central
    events = plans.dashboard(rt, _who(rt, "inspectorate"), plan_id).central_events
    assert [e.notice["reported_at"] for e in events] == ["2021-03-30T08:30:00+07:00"]
    alert = re.search(r'href="/tasks/([^"]+)">Thông báo đơn vị có trách nhiệm', central).group(1)  # type: ignore[union-attr]
    done = post(client, f"/tasks/{alert}", {"alert.unit_code": "U02", "alert.alerted_at": "2021-03-30T09:00",
                                            "alert.instructions": "Cử cán bộ ra Hà Nội"})
    assert done.status_code == 302 and done.headers["Location"] == f"/plans/{plan_id}"  # back to the plan
    central = client.get(f"/plans/{plan_id}").get_data(as_text=True).split('id="central"')[1].split("</section>")[0]
    assert "Đơn vị có trách nhiệm: Đơn vị 02" in central
    users.create_user(rt, "head02", "Chủ tịch UBND huyện 02", "demo", ["unit_head"], organisation="unit-02")
    users.create_user(rt, "head03", "Chủ tịch UBND huyện 03", "demo", ["unit_head"], organisation="unit-03")
    (bring,) = [t for t in cases.get_case(rt, _who(rt, "auditor"), plan_id).tasks if t.bpmn_id == "bring_citizens_back"]
    assert (bring.role, bring.organisation) == ("unit_head", "unit-02")
    sign_in(client, "head02")
    assert f'href="/tasks/{bring.id}"' in client.get("/inbox").get_data(as_text=True)
    assert client.get(f"/tasks/{bring.id}").status_code == 200
    sign_in(client, "head03")
    assert f'href="/tasks/{bring.id}"' not in client.get("/inbox").get_data(as_text=True)


def test_an_entry_with_an_error_comes_back_beside_the_field_with_what_was_typed_and_nothing_is_saved(
        client: FlaskClient, rt: Runtime, clock: FrozenClock) -> None:
    plan_id = _start_plan(rt, clock)
    clock.set(_vn(date(2021, 3, 25)))
    sign_in(client, "reception")
    page = client.get(f"/plans/{plan_id}/register/new").get_data(as_text=True)
    assert '<option value="2021-03-25" selected>Thứ Năm, 25/03/2021</option>' in page  # today is a reception day
    assert "2021-03-27" not in page  # a Saturday: not a reception day of this plan
    assert 'name="persons.0.full_name"' in page and 'name="handling"' in page and 'name="complaint.reasons"' in page
    body = _entry_posted(rt, plan_id, "2021-03-25", record(people=6))  # 6 people and no representative
    del body["address"]
    response = post(client, f"/plans/{plan_id}/register/new", body)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<p class="field-error" id="f-address-error">Chưa nhập «Địa chỉ».</p>' in html
    assert 'id="f-representatives-error">Chưa nhập «Người đại diện».</p>' in html
    assert 'name="persons.0.full_name" value="Lê Văn C"' in html and 'name="people_count" value="6"' in html
    assert '<option value="2021-03-25" selected>' in html
    wrong_day = post(client, f"/plans/{plan_id}/register/new", {**_entry_posted(rt, plan_id, "2021-03-25", record()),
                                                                "received_on": "2021-03-27"})
    assert wrong_day.status_code == 422 and "không phải ngày tiếp của kế hoạch" in wrong_day.get_data(as_text=True)
    assert register.list_records(rt, _who(rt, "auditor"), plan_id) == []
    saved = post(client, f"/plans/{plan_id}/register/new", _entry_posted(rt, plan_id, "2021-03-25", record()))
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/register?day=2021-03-25#record-1")
    assert [r.sequence for r in register.list_records(rt, _who(rt, "auditor"), plan_id)] == [1]


def test_a_record_that_opens_a_case_shows_its_number_and_is_linked_both_ways(client: FlaskClient, rt: Runtime,
                                                                            clock: FrozenClock) -> None:
    plan_id = _start_plan(rt, clock)
    clock.set(_vn(date(2021, 3, 25)))
    sign_in(client, "reception")
    wrong = group_complaint()
    wrong["representatives"][0]["id_number"] = "12345"  # the register takes it; the petition's form does not
    refused = post(client, f"/plans/{plan_id}/register/new", _entry_posted(rt, plan_id, "2021-03-25", wrong))
    assert refused.status_code == 422 and register.list_records(rt, _who(rt, "auditor"), plan_id) == []
    assert 'id="f-representatives-0-id_number-error">«Số CMND/CCCD» không đúng định dạng.</p>' in refused.get_data(
        as_text=True)
    response = post(client, f"/plans/{plan_id}/register/new", _entry_posted(rt, plan_id, "2021-03-25", group_complaint()))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    number = re.search(r"Đã ghi lượt tiếp số 1 ngày 25/03/2021 vào sổ; đã mở hồ sơ (KN2-2021-\d{6})\.", page)
    assert number, page
    (row,) = register.list_records(rt, _who(rt, "auditor"), plan_id)
    assert row.case_instance_id is not None and row.group_case
    line = page.split(f'id="record-{row.id}"')[1].split("</tr>")[0]
    assert f'<a href="/cases/{row.case_instance_id}">{number.group(1)}</a>' in line
    assert "Rơ Châm H; Ksor Y; Nguyễn Thị K" in line and "Đông người" in line and ">12<" in line
    case_page = client.get(f"/cases/{row.case_instance_id}").get_data(as_text=True)
    link = case_page.split('id="from-register"')[1].split("</dd>")[0]
    assert f'href="/plans/{plan_id}/register#record-{row.id}"' in link and "Lượt tiếp số 1 của kế hoạch TCD-2021-" in link
    assert cases.get_case(rt, _who(rt, "auditor"), row.case_instance_id).data["reception_record"]["id"] == row.id


def test_the_report_page_and_its_spreadsheet_give_the_registers_numbers(client: FlaskClient, rt: Runtime,
                                                                      clock: FrozenClock) -> None:
    plan_id = _start_plan(rt, clock)
    clock.set(_vn(date(2021, 3, 26)))
    reception = _who(rt, "reception")
    for day, entry in [("2021-03-24", record()), ("2021-03-25", group_complaint()),
                       ("2021-03-25", record("complaint", people=6, bypassing=True, handling="guided",
                                             representatives=[{"full_name": "Đinh Văn M"}])),
                       ("2021-03-26", record("denunciation", protracted=True))]:
        register.add_record(rt, reception, plan_id, day, entry)
    sign_in(client, "inspectorate")
    register_page = client.get(f"/plans/{plan_id}/register").get_data(as_text=True)
    assert '<p class="muted" role="status" id="register-count">4 lượt tiếp · 20 người</p>' in register_page
    filtered = client.get(f"/plans/{plan_id}/register?day=2021-03-25&kind=complaint&q=Rơ").get_data(as_text=True)
    assert "1 lượt tiếp · 12 người (đã lọc)" in filtered
    assert "0 lượt tiếp" in client.get(f"/plans/{plan_id}/register?kind=petition&day=2021-03-26").get_data(as_text=True)
    assert client.get(f"/plans/{plan_id}/register?day=not-a-day&kind=bogus").status_code == 200
    page = client.get(f"/plans/{plan_id}/report").get_data(as_text=True)
    report = reports_numbers(page)
    assert report["Lượt tiếp"] == 4 and report["Số người"] == 20
    assert (report["Loại: Khiếu nại"], report["Loại: Tố cáo"], report["Loại: Kiến nghị, phản ánh"]) == (2, 1, 1)
    assert (report["Vụ việc đông người (từ 5 người)"], report["Vượt cấp"], report["Kéo dài"]) == (2, 1, 1)
    assert report["Hồ sơ khiếu nại lần hai đã mở"] == 1 and report["Đơn vị trong kế hoạch"] == 3
    opened = register.list_records(rt, _who(rt, "auditor"), plan_id, q="Rơ Châm")[0].case_instance_id
    assert f'href="/cases/{opened}">KN2-2021-' in page and f'href="/plans/{plan_id}/report.xlsx"' in page
    assert "Thứ Năm, 25/03/2021</a></th><td class=\"num\">2</td><td class=\"num\">18</td>" in page

    download = client.get(f"/plans/{plan_id}/report.xlsx")
    assert download.status_code == 200 and download.mimetype.endswith("spreadsheetml.sheet")
    assert f'filename="bao-cao-tiep-cong-dan-{plan_id}.xlsx"' in download.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(download.data))
    assert book.sheetnames == ["Tổng hợp", "Theo ngày", "Hồ sơ đã mở", "Phối hợp Trung ương", "Sổ tiếp công dân",
                               "Đơn vị chậm báo cáo"]
    assert [c.value for c in book["Theo ngày"][1]] == ["Ngày", "Lượt tiếp", "Số người", "Vụ việc đông người", "Hồ sơ đã mở"]
    summary = {row[0]: row[1] for row in book["Tổng hợp"].iter_rows(min_row=7, values_only=True) if row[0]}
    assert {k: summary[k] for k in report} == report  # the page and the workbook say the same


def reports_numbers(page: str) -> dict[str, int]:
    """The summary table of the report page as {heading: number}."""
    table = page.split('id="report-summary"')[1].split("</table>")[0]
    return {name: int(value) for name, value in re.findall(r'<th scope="row">([^<]+)</th><td class="num">(\d+)</td>', table)}


def test_bad_input_on_the_plan_pages_gets_a_vietnamese_4xx_page_never_a_500(client: FlaskClient, rt: Runtime,
                                                                            clock: FrozenClock) -> None:
    plan_id = _start_plan(rt, clock)
    complaint_id = cases.start_case(rt, _who(rt, "reception"), "complaint_second_level",
                                    payloads.petition(received_on="2021-03-22")).instance.id
    sign_in(client, "reception")
    good = _entry_posted(rt, plan_id, "2021-03-24", record())
    for changes in ({"people_count": "mười"}, {"people_count": "3000000000", "representatives.0.full_name": "Siu N"},
                    {"handling": "bogus", "kind": "x"}, {"received_on": "2021-02-30"},
                    {"representatives.7.full_name": "Ai đó", "complaint.first_decision.issued_on": "hôm qua"}):
        response = post(client, f"/plans/{plan_id}/register/new", {**good, **changes})
        assert response.status_code == 422, (changes, response.status_code)
        assert '<p class="field-error"' in response.get_data(as_text=True), changes
    for path, status in ((f"/plans/{complaint_id}", 404), (f"/plans/{complaint_id}/register/new", 404),
                         (f"/plans/{complaint_id}/report.xlsx", 404), ("/plans/abc", 404),
                         (f"/plans/{plan_id}/register?day=2021-99-01&kind=xx&q=" + "x" * 3000, 200),
                         (f"/plans/{plan_id}/register?q=" + "x" * 5000, 414),  # app.limits.MAX_URL, in Vietnamese
                         (f"/plans/{plan_id}/register?kind=%00", 400), (f"/plans/{plan_id}?page=%C2%B2", 200),
                         (f"/cases/{plan_id}/messages/withdrawal", 404), ("/plans?page=-3", 400)):  # as the API
        assert client.get(path).status_code == status, path
    assert register.list_records(rt, _who(rt, "auditor"), plan_id) == []
