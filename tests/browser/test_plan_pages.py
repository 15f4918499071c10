"""A reception plan in the browser: a reception that opens a case, a central call, dashboard, register, report.

The server runs on today's real clock, so the plan's window is set around today: the register
takes the entry form's default day (today, when it is a reception day), and the call is timed now.
"""

from __future__ import annotations

import io
import json
import re
import urllib.request
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from app.clock import VIETNAM
from app.engine import LegalCalendar
from app.engine.calendar import load_default_overrides
from app.engine.deadlines import reception_days
from tests.browser.conftest import fill, shot, sign_in
from tests.conftest import basic
from tests.services.test_reception_plan import group_complaint, record

pytestmark = pytest.mark.browser

UNITS = [{"code": "SNNMT", "name": "Sở Nông nghiệp và Môi trường", "kind": "department",
          "organisation": "so_nong_nghiep_moi_truong"},  # codes of the demo catalogue current today
         {"code": "CHUPRONG", "name": "UBND huyện Chư Prông", "kind": "district", "organisation": "ubnd_x_chu_prong"},
         {"code": "PLEIKU", "name": "UBND thành phố Pleiku", "kind": "district", "organisation": "ubnd_p_pleiku"}]


def _plan(now: datetime) -> dict[str, Any]:
    """A session window of three weeks around today, weekends included (holidays stay closed)."""
    today = now.date()
    return {"session_name": "Kỳ họp thứ 10, Quốc hội khóa XV", "window_start": (today - timedelta(days=10)).isoformat(),
            "window_end": (today + timedelta(days=10)).isoformat(), "receive_on_weekends": True,
            "reception_start": (today - timedelta(days=10)).isoformat(),
            "reception_end": (today + timedelta(days=10)).isoformat(),
            "reception_office": "Trụ sở Tiếp công dân tỉnh Gia Lai", "units": UNITS,
            "documents": [{"number": "930/UBND-TD", "issued_on": (today - timedelta(days=12)).isoformat(),
                           "issuer": "UBND tỉnh Gia Lai", "title": "Về việc tiếp công dân phục vụ kỳ họp"}]}


def _group_complaint(now: datetime) -> dict[str, Any]:
    entry = group_complaint()
    received = (now.date() - timedelta(days=15)).isoformat()
    issued = (now.date() - timedelta(days=20)).isoformat()
    entry["complaint"]["first_decision"].update(issued_on=issued, received_on=received)
    return entry


def _api(server: str, path: str, user: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(f"{server}{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", **basic(user)})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def test_a_plan_is_run_from_its_pages(page: Page, server: str) -> None:
    """The plan and a first reception come through the API (fast); the rest is done on the pages.

    What the web tests check page by page (the links both ways, the navigation, every role) is not
    repeated here: each page load costs seconds on a busy 2-core host.
    """
    now = datetime.now(VIETNAM)
    plan_id = _api(server, "/api/processes/na_session_reception/instances", "inspectorate", {"data": _plan(now)})["id"]
    plan_url = f"{server}/plans/{plan_id}"
    window = _plan(now)
    open_days = reception_days(LegalCalendar(load_default_overrides()), date.fromisoformat(window["window_start"]),
                               date.fromisoformat(window["window_end"]), True)
    day = max(d for d in open_days if d <= now.date())  # today, unless today is a holiday (e.g. 24/11 from 2026)
    first = _api(server, f"/api/plans/{plan_id}/records", "reception", {
        "received_on": day.isoformat(), "record": record(content="Phản ánh chậm cấp giấy chứng nhận.")})
    assert first["sequence"] == 1

    sign_in(page, server, "reception")
    page.goto(f"{plan_url}/register/new")  # the register's «Ghi lượt tiếp công dân»
    fill(page, _group_complaint(now))
    page.get_by_role("button", name="Ghi vào sổ").click()
    flash = page.locator(".flash-ok")
    expect(flash).to_contain_text("Đã ghi lượt tiếp số 2")
    number = re.search(r"đã mở hồ sơ (KN2-\d{4}-\d{6})", flash.inner_text())
    assert number, flash.inner_text()
    row = page.locator("table.register tbody tr", has_text="Rơ Châm H")
    expect(row.get_by_role("link", name=number.group(1))).to_be_visible()
    expect(page.locator("#register-count")).to_contain_text("2 lượt tiếp · 13 người")
    shot(page, "plan-register")

    sign_in(page, server, "inspectorate")
    page.goto(plan_url)
    expect(page.locator("#stat-units")).to_have_text("0/3")
    page.get_by_role("link", name="Ghi nhận thông báo của cơ quan Trung ương").click()
    fill(page, {"reported_by": "central_reception_board", "reported_at": now.strftime("%Y-%m-%dT%H:%M"),
                "channel": "phone", "location": "Trụ sở Tiếp công dân Trung ương, số 1 Ngô Thì Nhậm, Hà Nội",
                "people_count": 8, "home_area": "Huyện Chư Prông", "content": "Đề nghị giải quyết bồi thường đất rẫy."})
    page.get_by_role("button", name="Ghi nhận", exact=True).click()
    page.wait_for_url(plan_url)
    central = page.locator("#central")
    central.get_by_role("link", name="Thông báo đơn vị có trách nhiệm").click()
    fill(page, {"alert": {"unit_code": "CHUPRONG", "alerted_at": now.strftime("%Y-%m-%dT%H:%M"),
                          "instructions": "Cử lãnh đạo huyện ra Hà Nội phối hợp vận động công dân về địa phương"}})
    page.get_by_role("button", name="Hoàn thành bước").click()
    page.wait_for_url(plan_url)
    expect(central).to_contain_text("Đơn vị có trách nhiệm: UBND huyện Chư Prông")
    expect(page.locator("#stat-central")).to_have_text("1")
    if day == now.date():  # today is a reception day: its receptions are on the dashboard
        expect(page.locator("#today table.register tbody tr")).to_have_count(2)
    else:
        expect(page.locator("#today")).to_contain_text("Hôm nay không phải ngày tiếp công dân của kế hoạch.")
    shot(page, "plan-dashboard")
    shot(page, "plan", height=1100)  # docs/screenshots/plan.png

    page.get_by_role("link", name="Báo cáo tổng hợp").click()
    expect(page.locator("#stat-receptions")).to_have_text("2")
    expect(page.locator("#stat-people")).to_have_text("13")
    expect(page.locator("#stat-opened")).to_have_text("1")
    shot(page, "plan-report")
    with page.expect_download() as download:
        page.locator("#xlsx").click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    summary = {row[0]: row[1] for row in book["Tổng hợp"].iter_rows(min_row=7, values_only=True) if row[0]}
    assert (summary["Lượt tiếp"], summary["Số người"], summary["Hồ sơ khiếu nại lần hai đã mở"]) == (2, 13, 1)
    assert summary["Thông báo của Trung ương"] == 1
