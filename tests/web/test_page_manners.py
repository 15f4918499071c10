"""Page manners: a page offers only what its reader may do, the reception page only petitions, the dashboard
counts by the day received, sign-ins are in the account log, a phone gets a menu and the case page its sections."""

from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient

from app.clock import FrozenClock
from app.services import cases, dashboard, tasks, users
from app.services.runtime import Runtime
from tests import cases as payloads
from tests.conftest import vn
from tests.web.helpers import post, ready_task_id, sign_in, start_case
from tests.web.test_escalations_page import _complainant

PLAN = {"session_name": "Kỳ họp thứ 11, Quốc hội khóa XIV", "window_start": "2021-03-24", "window_end": "2021-04-07",
        "reception_start": "2021-03-24", "reception_end": "2021-04-07", "receive_on_weekends": False,
        "reception_office": "Trụ sở Tiếp công dân tỉnh Gia Lai",
        "units": [{"code": "U01", "name": "Sở Tài chính", "kind": "department", "organisation": "Sở Tài chính"}],
        "documents": [{"number": "930/UBND-TD", "issued_on": "2021-03-22", "title": "Về việc tiếp công dân"}]}


def test_the_inspectorates_case_page_offers_nothing_it_may_not_do(client: FlaskClient, rt: Runtime) -> None:
    instance_id = start_case(rt)
    sign_in(client, "inspectorate")
    page = client.get(f"/cases/{instance_id}").get_data(as_text=True)
    assert "Chế độ chỉ xem." in page
    assert "Đơn rút khiếu nại" not in page and f"/cases/{instance_id}/messages/withdrawal" not in page
    assert f'action="/cases/{instance_id}/attachments"' not in page and "Xử lý</a>" not in page
    assert "Xem biểu mẫu</a>" in page  # it may read the waiting step, not do it
    assert client.get(f"/cases/{instance_id}/messages/withdrawal").status_code == 403  # the action says the same
    sign_in(client, "reception")
    page = client.get(f"/cases/{instance_id}").get_data(as_text=True)
    assert "Đơn rút khiếu nại" in page and f'action="/cases/{instance_id}/attachments"' in page


def test_a_step_someone_else_holds_is_shown_read_only_to_a_colleague_of_the_same_role(
        client: FlaskClient, rt: Runtime) -> None:
    instance_id = start_case(rt)
    task_id = ready_task_id(rt, instance_id)
    users.create_user(rt, "pho_chu_tich", "Phó Chủ tịch UBND tỉnh", "matkhau123", ["resolver"])
    tasks.claim_task(rt, users.authenticate_password(rt, "pho_chu_tich", "matkhau123"), task_id)
    sign_in(client, "resolver")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Hoàn thành bước" not in page and "Chỉ xem" in page
    case_page = client.get(f"/cases/{instance_id}").get_data(as_text=True)
    assert "Xem biểu mẫu</a>" in case_page and "Xử lý</a>" not in case_page
    assert post(client, f"/tasks/{task_id}", {}).status_code == 403
    sign_in(client, "pho_chu_tich", "matkhau123")
    assert "Hoàn thành bước" in client.get(f"/tasks/{task_id}").get_data(as_text=True)


def test_the_reception_page_offers_only_petitions_the_role_registers(client: FlaskClient, rt: Runtime) -> None:
    sign_in(client, "inspectorate")  # starts reception plans, registers no petition
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "Tiếp nhận đơn" not in inbox.split("</nav>", 1)[0]
    choice = client.get("/cases/new")
    page = choice.get_data(as_text=True)
    assert choice.status_code == 200 and "Vai trò của bạn không tiếp nhận đơn." in page
    assert 'href="/plans"' in page and "/cases/new/na_session_reception" not in page
    assert "Lập kế hoạch mới" in client.get("/plans").get_data(as_text=True)  # where a plan is drawn up
    sign_in(client, "reception")
    assert 'href="/cases/new"' in client.get("/inbox").get_data(as_text=True)
    assert client.get("/cases/new").headers["Location"] == "/cases/new/complaint_second_level"
    users.create_user(rt, "tiep_dan", "Cán bộ tiếp dân và thanh tra", "matkhau123", ["reception", "inspectorate"])
    sign_in(client, "tiep_dan", "matkhau123")
    assert client.get("/cases/new").headers["Location"] == "/cases/new/complaint_second_level"


def test_the_dashboard_counts_petitions_by_the_day_they_were_received(client: FlaskClient, rt: Runtime,
                                                                      clock: FrozenClock) -> None:
    clock.set(vn(2021, 3, 2))
    reception = users.authenticate_password(rt, "reception", "demo")
    for number, received in ((1, "2021-02-26"), (2, "2021-03-01"), (3, "2021-03-02")):
        first = {**payloads.petition()["first_decision"], "number": f"{number}/QĐ-UBND", "received_on": "2021-02-10"}
        cases.start_case(rt, reception, "complaint_second_level",
                         payloads.petition(received_on=received, complainant=_complainant(number), first_decision=first))
    clock.set(vn(2021, 3, 22))
    cases.start_case(rt, users.authenticate_password(rt, "inspectorate", "demo"), "na_session_reception", PLAN)
    inspectorate = users.authenticate_password(rt, "inspectorate", "demo")
    board = dashboard.summary(rt, inspectorate)
    assert board.received_this_month == 2  # typed in March, but one came in on 26/02; a plan is no petition
    clock.set(vn(2021, 2, 28))  # the February view: the one received on 26/02, though typed in March
    assert dashboard.summary(rt, inspectorate).received_this_month == 1
    clock.advance(timedelta(days=40))
    assert dashboard.summary(rt, inspectorate).received_this_month == 0


def test_sign_ins_and_failed_sign_ins_are_in_the_account_log(client: FlaskClient, rt: Runtime) -> None:
    sign_in(client, "verifier", "sai-mat-khau")
    sign_in(client, "verifier")
    sign_in(client, "auditor")
    log = client.get("/admin/log").get_data(as_text=True)  # newest first
    rows = re.findall(r"<tr>(.*?)</tr>", log, flags=re.S)
    failed = [r for r in rows if ">Đăng nhập không thành công</td>" in r and '"Tài khoản"><code>verifier</code><' in r]
    signed = [r for r in rows if ">Đăng nhập</td>" in r and '"Tài khoản"><code>verifier</code><' in r]
    assert failed and signed, log
    assert "Trang web" in failed[0] and "Chưa đăng nhập" in failed[0] and "17/02/2021 09:00" in signed[0]
    assert "sign_in_failed" not in log and "signed_in" not in log


def test_a_phone_gets_a_menu_button_the_dashboard_labels_its_figures_and_the_case_page_its_sections(
        client: FlaskClient, rt: Runtime) -> None:
    instance_id = start_case(rt)
    sign_in(client, "resolver")
    page = client.get(f"/cases/{instance_id}").get_data(as_text=True)
    header = page.split("</header>", 1)[0]
    assert '<button type="button" class="menu-toggle" aria-expanded="false" aria-controls="site-menu">' in header
    assert 'id="site-menu"' in header
    toc = page.split('<nav class="toc"', 1)[1].split("</nav>", 1)[0]
    anchors = re.findall(r'href="#([a-z-]+)"', toc)
    assert anchors == ["summary", "process-diagram", "deadlines", "data", "documents", "attachments", "notes",
                       "history"]
    for anchor in anchors:
        assert f'id="{anchor}"' in page, anchor
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)  # case.js finds #diagram
    board = client.get("/dashboard").get_data(as_text=True)
    assert 'data-label="Đang chờ"' in board and 'data-label="Quá hạn"' in board
