"""The 2021 National Assembly session plan (24/03–07/04/2021) run for its whole window through the pages.

Every step an officer takes goes through the page a browser would use, on the test clock: the
inspectorate starts the plan from the new-plan page; each unit's head (a user limited to that
unit's organisation) sends the unit report from its task page, one of them late; the plan is
drafted, approved and staffed; every reception day's entry (empty days too, and the 12-person
group whose complaint opens one case) is completed from its task page; a central call is recorded
through the message form and the unit brings the citizens back; after the window the consolidated
report ends the plan. Only the nightly timers are fired by the timer service, as the worker would.
The dashboard, register, report page and spreadsheet are then read back against the register.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

from flask.testing import FlaskClient
from openpyxl import load_workbook

from app.clock import FrozenClock, local_date
from app.persistence import queries
from app.procedures.na_session_reception import register
from app.services import casefile, cases, tasks, timers, users
from app.services.runtime import Runtime
from app.web import forms
from tests.services.test_reception_plan import DAY_RECORDS, WINDOW_DAYS, unit_report
from tests.web.helpers import as_posted, post, sign_in
from tests.web.test_plan_pages import START, _vn, _who, reports_numbers

HEADS = {"unit-01": "head01", "unit-02": "head02", "unit-03": "head03"}


def _nights_until(rt: Runtime, clock: FrozenClock, day: date) -> None:
    """Each night up to ``day`` its timers fire (reception days open, late units flagged); then 9:00 of ``day``."""
    current = local_date(clock.now())
    while current < day:
        current += timedelta(days=1)
        clock.set(_vn(current, 0, 30))
        timers.run_worker(rt, "night-worker", until_idle=True)
    clock.set(_vn(day))


def _waiting(rt: Runtime, plan_id: int, bpmn_id: str, organisation: str | None = None) -> Any:
    with rt.db.reading() as session:
        rows = [t for t in queries.instance_tasks(session, plan_id)
                if t.bpmn_id == bpmn_id and (organisation is None or t.organisation == organisation)]
    assert len(rows) == 1, (bpmn_id, organisation, rows)
    return rows[0]


def _instructions(client: FlaskClient, user: str, task_id: str) -> str:
    """The step's instructions as its page shows them, tags removed."""
    sign_in(client, user)
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    found = re.search(r'<div class="instructions">(.*?)</div>', page, re.S)
    assert found, (user, task_id)
    return re.sub(r"<[^>]+>", "", found.group(1))


def _complete(client: FlaskClient, rt: Runtime, user: str, task_id: str, data: dict[str, Any]) -> str:
    """Sign in as ``user``, open the task page and post ``data`` as its form, drawn by the same renderer."""
    sign_in(client, user)
    page = client.get(f"/tasks/{task_id}")
    assert page.status_code == 200, (user, task_id, page.status_code)
    view = tasks.get_task(rt, _who(rt, user), task_id)
    body = dict(as_posted(forms.build(view.schema, view.ui_schema, data, {})))
    version = re.search(r'name="_version" value="(\d+)"', page.get_data(as_text=True))
    if version:
        body["_version"] = version.group(1)
    done = post(client, f"/tasks/{task_id}", body)
    assert done.status_code == 302, (task_id, done.status_code, re.findall(
        r'class="field-error"[^>]*>([^<]+)<', done.get_data(as_text=True)))
    return str(done.headers["Location"])


def test_the_2021_session_plan_runs_its_whole_window_through_the_pages(client: FlaskClient, rt: Runtime,
                                                                       clock: FrozenClock) -> None:
    for organisation, name in HEADS.items():
        users.create_user(rt, name, f"Thủ trưởng {organisation}", "demo", ["unit_head"], organisation=organisation)

    # 22/03: the inspectorate starts the plan from the new-plan page, drafts it; the resolver approves
    clock.set(_vn(date(2021, 3, 22)))
    sign_in(client, "inspectorate")
    spec = casefile.start_form(rt, _who(rt, "inspectorate"), "na_session_reception")
    started = post(client, "/cases/new/na_session_reception",
                   dict(as_posted(forms.build(spec.schema, spec.ui_schema, START, {}))))
    assert started.status_code == 302 and re.fullmatch(r"/plans/\d+", started.headers["Location"])
    base = started.headers["Location"]
    plan_id = int(base.rsplit("/", 1)[1])
    draft = _waiting(rt, plan_id, "draft_plan")
    assert f'href="/tasks/{draft.id}"' in client.get(base).get_data(as_text=True)
    assert _complete(client, rt, "inspectorate", draft.id, {"plan": {
        "number": "15/KH-TTr", "drafted_on": "2021-03-22", "purpose": "Bảo đảm an ninh trật tự trong kỳ họp",
        "coordination": "Công an tỉnh, Ban Tiếp công dân tỉnh", "group_case_handling": "Lãnh đạo tiếp ngay",
        "reporting": "Báo cáo hằng ngày"}}) == base
    _complete(client, rt, "resolver", _waiting(rt, plan_id, "approve_plan").id,
              {"plan_approval": {"approved": True, "decided_on": "2021-03-22"}})

    # 23/03: staff assigned; two of the three units report on time, each from its own head's inbox
    _nights_until(rt, clock, date(2021, 3, 23))
    _complete(client, rt, "inspectorate", _waiting(rt, plan_id, "assign_staff").id, {"staffing": {
        "assigned_on": "2021-03-23", "officers": [{"full_name": "Trần Văn T", "agency": "Thanh tra tỉnh"}]}})
    for organisation in ("unit-01", "unit-02"):
        task = _waiting(rt, plan_id, "report_unit", organisation)
        assert _instructions(client, HEADS[organisation], task.id).startswith(f"Đơn vị {organisation[-2:]}: rà soát")
        sign_in(client, HEADS[organisation])
        assert f'href="/tasks/{task.id}"' in client.get("/inbox").get_data(as_text=True)
        _complete(client, rt, HEADS[organisation], task.id, unit_report("2021-03-23"))
    sign_in(client, "head01")  # a head sees only its own unit's step
    assert f'href="/tasks/{_waiting(rt, plan_id, "report_unit", "unit-03").id}"' not in client.get(
        "/inbox").get_data(as_text=True)

    for day in WINDOW_DAYS:
        d = date.fromisoformat(day)
        _nights_until(rt, clock, d)
        entry = _waiting(rt, plan_id, "record_reception_day")
        assert entry.due_on == d  # opened on its own day, at midnight
        said = _instructions(client, "reception", entry.id)  # that entry's own day, as officers write it
        assert said.startswith(f"Ngày {d:%d/%m/%Y} — Trụ sở Tiếp công dân tỉnh Gia Lai."), said
        if day == "2021-03-25":  # 24/03 was the due day: U03 is flagged on the dashboard
            sign_in(client, "inspectorate")
            page = client.get(base).get_data(as_text=True)
            assert '<span class="num" id="stat-units">2/3</span>' in page
            assert '<span class="num" id="stat-late">1</span>' in page
            row = re.search(r'<tr class="due-over" id="unit-U03">(.*?)</tr>', page, re.S)
            assert row and "Chậm báo cáo" in row.group(1)
        if day == "2021-03-26":  # the late unit reports
            _complete(client, rt, "head03", _waiting(rt, plan_id, "report_unit", "unit-03").id, unit_report(day))
        if day == "2021-03-30":  # the central reception board calls; unit 02 brings its citizens home
            sign_in(client, "inspectorate")
            call = post(client, f"/cases/{plan_id}/messages/central_coordination", {
                "reported_by": "central_reception_board", "reported_at": "2021-03-30T08:30", "channel": "phone",
                "location": "Trụ sở Tiếp công dân Trung ương, số 1 Ngô Thì Nhậm, Hà Nội", "people_count": "8",
                "home_area": "Huyện Chư Prông", "content": "Đề nghị giải quyết bồi thường đất rẫy."})
            assert call.status_code == 302 and call.headers["Location"] == base
            central = client.get(base).get_data(as_text=True).split('id="central"')[1].split("</section>")[0]
            assert "30/03/2021 08:30" in central and "Chờ Thanh tra tỉnh xác định đơn vị có trách nhiệm" in central
            alert = _waiting(rt, plan_id, "alert_competent_unit").id
            said = _instructions(client, "inspectorate", alert)
            assert said.startswith("8 công dân (Huyện Chư Prông) đang ở Trụ sở Tiếp công dân Trung ương"), said
            _complete(client, rt, "inspectorate", alert, {"alert": {
                "unit_code": "U02", "alerted_at": "2021-03-30T09:00:00+07:00", "instructions": "Cử cán bộ ra Hà Nội"}})
            bring = _waiting(rt, plan_id, "bring_citizens_back", "unit-02")
            said = _instructions(client, "head02", bring.id)
            assert said == ("8 công dân đang ở Trụ sở Tiếp công dân Trung ương, số 1 Ngô Thì Nhậm, Hà Nội. "
                            "Yêu cầu của Thanh tra tỉnh: Cử cán bộ ra Hà Nội"), said
            sign_in(client, "head02")
            assert f'href="/tasks/{bring.id}"' in client.get("/inbox").get_data(as_text=True)
            _complete(client, rt, "head02", bring.id, {"central_outcome": {
                "officers_sent": ["Phó Chủ tịch UBND huyện"], "met_on": "2021-03-30", "result": "returned",
                "returned_on": "2021-03-31", "dialogue_on": "2021-04-06", "report": "Công dân đã về địa phương"}})
        _complete(client, rt, "reception", entry.id,
                  {"reception_day": {"officers_on_duty": ["Trần Văn T"], "records": DAY_RECORDS[day]}})

    # after the window: the consolidated report is waiting; read the pages back against the register
    _nights_until(rt, clock, date(2021, 4, 8))
    final = _waiting(rt, plan_id, "consolidated_report")
    records = register.list_records(rt, _who(rt, "auditor"), plan_id)
    all_records = [r for day in WINDOW_DAYS for r in DAY_RECORDS[day]]
    people = sum(r["people_count"] for r in all_records)
    assert len(records) == len(all_records) == 8 and sum(r.people_count for r in records) == people == 24

    sign_in(client, "inspectorate")
    page = client.get(base).get_data(as_text=True)
    assert '<span class="num" id="stat-units">3/3</span>' in page and f'href="/tasks/{final.id}"' in page
    assert "Không có thông báo nào của cơ quan Trung ương đang xử lý." in page  # the call was resolved
    register_page = client.get(f"{base}/register").get_data(as_text=True)
    assert f'id="register-count">{len(records)} lượt tiếp · {people} người</p>' in register_page
    report_page = client.get(f"{base}/report").get_data(as_text=True)
    report = reports_numbers(report_page)
    assert (report["Lượt tiếp"], report["Số người"]) == (len(records), people)
    kinds = {"complaint": "Khiếu nại", "denunciation": "Tố cáo", "petition": "Kiến nghị, phản ánh"}
    for kind, title in kinds.items():
        assert report[f"Loại: {title}"] == sum(r.kind == kind for r in records), kind
    assert report["Vụ việc đông người (từ 5 người)"] == sum(r.group_case for r in records) == 2
    opened = [r for r in records if r.case_instance_id is not None]
    assert report["Hồ sơ khiếu nại lần hai đã mở"] == len(opened) == 1 and report["Đơn vị trong kế hoạch"] == 3
    assert f'href="/cases/{opened[0].case_instance_id}">KN2-2021-' in report_page
    central = report_page.split('id="h-central"')[1].split("</section>")[0]
    assert "30/03/2021 08:30" in central and "Đã về địa phương" in central and "31/03/2021" in central
    late = report_page.split('id="h-late"')[1].split("</section>")[0]
    assert "<li>Đơn vị 03</li>" in late

    download = client.get(f"{base}/report.xlsx")
    assert download.status_code == 200 and str(download.mimetype).endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(download.data))
    summary = {row[0]: row[1] for row in book["Tổng hợp"].iter_rows(min_row=7, values_only=True) if row[0]}
    assert {k: summary[k] for k in report} == report  # the page and the workbook say the same
    assert summary["Đơn vị chậm báo cáo"] == 1 and summary["Công dân đã được đưa về địa phương"] == 1
    by_day = [(row[0], row[1]) for row in book["Theo ngày"].iter_rows(min_row=2, values_only=True)]
    assert [n for _, n in by_day] == [len(DAY_RECORDS[day]) for day in WINDOW_DAYS]

    # the case opened from the register proceeds: its first step is in the resolver's inbox
    (step,) = cases.get_case(rt, _who(rt, "resolver"), opened[0].case_instance_id).tasks  # type: ignore[arg-type]
    assert step.bpmn_id == "review_acceptance"
    sign_in(client, "resolver")
    assert f'href="/tasks/{step.id}"' in client.get("/inbox").get_data(as_text=True)

    # 09/04: the consolidated report ends the plan
    _nights_until(rt, clock, date(2021, 4, 9))
    _complete(client, rt, "inspectorate", final.id, {"final_report": {
        "number": "20/BC-TTr", "issued_on": "2021-04-09", "assessment": "Tình hình ổn định"}})
    assert cases.get_case(rt, _who(rt, "auditor"), plan_id).instance.status == "completed"
    sign_in(client, "auditor")
    assert reports_numbers(client.get(f"{base}/report").get_data(as_text=True)) == report  # nothing changed
