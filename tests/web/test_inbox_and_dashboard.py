"""The inbox (filters, search, paging, claim and release) and the dashboard's figures."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from app.clock import FrozenClock
from app.services import dashboard, tasks, users
from app.services.runtime import Runtime
from tests import cases
from tests.web.helpers import post, ready_task_id, sign_in, start_case

ROWS = re.compile(r'<tr class="due-[a-z]+">')


def _case_numbers(page: str) -> list[str]:
    return re.findall(r">(KN2-\d{4}-\d{6})</a></td>", page)


def test_the_inbox_shows_my_roles_tasks_with_case_number_complainant_step_and_days_left(
        client: FlaskClient, rt: Runtime) -> None:
    start_case(rt)
    sign_in(client, "resolver")
    page = client.get("/inbox").get_data(as_text=True)
    assert "KN2-2021-000001" in page and "Nguyễn Văn A" in page and "Xem xét thụ lý đơn khiếu nại" in page
    assert "Còn 14 ngày" in page and 'class="due due-ok"' in page and "Nhận việc" in page
    sign_in(client, "clerk")
    assert "Không có việc nào" in client.get("/inbox").get_data(as_text=True)


def test_overdue_tasks_come_first_in_red(client: FlaskClient, rt: Runtime, clock: FrozenClock) -> None:
    early = start_case(rt, complainant={"full_name": "Trần Văn Sớm", "address": "Pleiku"})
    clock.advance(timedelta(days=20))
    start_case(rt, received_on="2021-03-05", complainant={"full_name": "Lê Thị Muộn", "address": "Pleiku"})
    sign_in(client, "resolver")
    page = client.get("/inbox").get_data(as_text=True)
    assert page.index("Trần Văn Sớm") < page.index("Lê Thị Muộn")
    assert "Quá hạn 6 ngày" in page and '<tr class="due-over">' in page
    overdue = client.get("/inbox?status=overdue").get_data(as_text=True)
    assert "Trần Văn Sớm" in overdue and "Lê Thị Muộn" not in overdue
    assert early


def test_search_by_case_number_or_name_and_filter_by_step(client: FlaskClient, rt: Runtime) -> None:
    first = start_case(rt)
    start_case(rt, complainant={"full_name": "Phạm Thị Hoa", "address": "Kon Tum"})
    resolver = users.authenticate_password(rt, "resolver", "demo")
    tasks.complete_task(rt, resolver, ready_task_id(rt, first), cases.acceptance())
    sign_in(client, "resolver")
    assert _case_numbers(client.get("/inbox?q=Hoa").get_data(as_text=True)) == ["KN2-2021-000002"]
    assert _case_numbers(client.get("/inbox?q=000001").get_data(as_text=True)) == ["KN2-2021-000001"]
    for typed in ("phạm thị hoa", "PHAM THI", "pham  thi hoa", "kn2-2021-000002"):  # any case, marks or none
        assert _case_numbers(client.get("/inbox", query_string={"q": typed}).get_data(as_text=True)) == \
            ["KN2-2021-000002"], typed
    assert _case_numbers(client.get("/inbox?q=%25").get_data(as_text=True)) == []  # LIKE's wildcard is literal
    by_step = client.get("/inbox?step=assign_verification").get_data(as_text=True)
    assert _case_numbers(by_step) == ["KN2-2021-000001"] and '<option value="assign_verification" selected>' in by_step


def test_the_inbox_is_paged(client: FlaskClient, rt: Runtime) -> None:
    for _ in range(27):
        start_case(rt)
    sign_in(client, "resolver")
    first = client.get("/inbox").get_data(as_text=True)
    assert len(ROWS.findall(first)) == 25 and "Trang 1/2" in first and "27 việc" in first
    assert 'href="/inbox?page=2" rel="next"' in first
    filtered = client.get("/inbox?scope=unassigned").get_data(as_text=True)
    assert 'href="/inbox?scope=unassigned&amp;page=2" rel="next"' in filtered  # the filters go with the link
    second = client.get("/inbox?page=2").get_data(as_text=True)
    assert len(ROWS.findall(second)) == 2 and "Trang 2/2" in second and 'href="/inbox?page=1" rel="prev"' in second
    assert not set(_case_numbers(first)) & set(_case_numbers(second))


def test_claim_and_release_show_who_is_on_a_task(client: FlaskClient, rt: Runtime) -> None:
    task_id = ready_task_id(rt, start_case(rt))
    sign_in(client, "resolver")
    response = post(client, f"/tasks/{task_id}/claim", {"next": "/inbox?scope=mine"})
    assert response.status_code == 302 and response.headers["Location"] == "/inbox?scope=mine"
    mine = client.get("/inbox?scope=mine").get_data(as_text=True)
    assert "KN2-2021-000001" in mine and "Trả việc" in mine and ">Tôi<" in mine
    assert "KN2-2021-000001" not in client.get("/inbox?scope=unassigned").get_data(as_text=True)
    post(client, f"/tasks/{task_id}/release", {"next": "/inbox"})
    assert "KN2-2021-000001" not in client.get("/inbox?scope=mine").get_data(as_text=True)
    actions = [e.label for e in __import__("app.services.casefile", fromlist=["x"]).open_case(
        rt, users.authenticate_password(rt, "auditor", "demo"), 1).timeline]
    assert "Nhận việc" in actions and "Trả việc" in actions


def test_a_task_claimed_by_someone_else_cannot_be_taken(client: FlaskClient, rt: Runtime) -> None:
    task_id = ready_task_id(rt, start_case(rt))
    users.create_user(rt, "pho_chu_tich", "Phó Chủ tịch UBND tỉnh", "matkhau123", ["resolver"])
    tasks.claim_task(rt, users.authenticate_password(rt, "pho_chu_tich", "matkhau123"), task_id)
    sign_in(client, "resolver")
    refused = post(client, f"/tasks/{task_id}/claim")
    assert refused.status_code == 403 and "đã được giao cho cán bộ khác" in refused.get_data(as_text=True)


@pytest.mark.fixed_clock
def test_dashboard_counts_open_and_overdue_work_by_step_and_this_months_cases(
        client: FlaskClient, rt: Runtime, clock: FrozenClock) -> None:
    first, second = start_case(rt), start_case(rt)
    start_case(rt)
    resolver = users.authenticate_password(rt, "resolver", "demo")
    tasks.complete_task(rt, resolver, ready_task_id(rt, first), cases.acceptance(issued_on="2021-02-17"))
    tasks.complete_task(rt, resolver, ready_task_id(rt, second),
                        cases.rejection(6, "filed_in_time_with_right_authority", "Quá thời hạn khiếu nại", "2021-02-17"))
    clock.advance(timedelta(days=15))  # past the acceptance deadline of 03/03/2021
    board = dashboard.summary(rt, users.authenticate_password(rt, "inspectorate", "demo"))
    steps = {s.bpmn_id: (s.open, s.overdue) for s in board.steps}
    assert steps["review_acceptance"] == (1, 1) and steps["assign_verification"][0] == 1
    assert board.running == 2 and board.received_this_month == 0  # it is March now; they came in February
    sign_in(client, "inspectorate")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Tháng 03/2021" in page and '<span class="num" id="stat-running">2</span>' in page
    clock.advance(timedelta(days=-15))
    board = dashboard.summary(rt, users.authenticate_password(rt, "inspectorate", "demo"))
    assert board.received_this_month == 3 and board.finished_this_month == {"not_accepted": 1}
    assert board.resolved_this_month == 0
