"""In the browser: an auditor searches the record by kind of act and period, reads rows named for officers, and
follows one to that moment of the case; a wrong date keeps what was typed and says why."""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import Page, expect

from tests import cases as payloads
from tests.browser.conftest import shot, sign_in
from tests.conftest import basic

pytestmark = pytest.mark.browser

RAW = re.compile(r"\b[a-z]+_[a-z_]+\b|\b\d{4}-\d{2}-\d{2}\b|\bnull\b|\bNone\b|\b(?:true|false)\b")


def _api(base: str, path: str, body: dict[str, object], user: str) -> dict[str, object]:
    request = urllib.request.Request(f"{base}{path}", data=json.dumps(body).encode(), method="POST",
                                     headers={**basic(user), "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        answer: dict[str, object] = json.loads(response.read())
        return answer


def _get(base: str, path: str, user: str) -> dict[str, object]:
    request = urllib.request.Request(f"{base}{path}", headers=basic(user))
    with urllib.request.urlopen(request, timeout=60) as response:
        answer: dict[str, object] = json.loads(response.read())
        return answer


def test_an_auditor_finds_the_acceptances_of_today_and_opens_the_case_at_that_moment(server: str, page: Page) -> None:
    started = _api(server, "/api/processes/complaint_second_level/instances", {"data": payloads.petition(complainant={
        "full_name": "Mai Văn Kiểm", "address": "Xã Ia Lâu", "id_number": "064055000001"})},
                   "reception")
    case_id = started["id"]
    task = _get(server, f"/api/instances/{case_id}", "auditor")["tasks"][0]  # type: ignore[index]
    _api(server, f"/api/tasks/{task['id']}/complete", {"data": payloads.acceptance()}, "resolver")
    today = datetime.now(timezone(timedelta(hours=7))).strftime("%d/%m/%Y")

    sign_in(page, server, "auditor")
    page.get_by_role("link", name="Kiểm tra", exact=True).click()
    page.get_by_label("Loại việc").select_option(label="Thụ lý")
    page.get_by_label("Từ ngày").fill("31/02/2021")
    page.get_by_role("button", name="Tìm").click()
    expect(page.locator("#from-error")).to_contain_text("ngày/tháng/năm")
    expect(page.get_by_label("Từ ngày")).to_have_value("31/02/2021")
    page.get_by_label("Từ ngày").fill(today)
    page.get_by_label("Đến hết ngày").fill(today)
    page.get_by_role("button", name="Tìm").click()
    rows = page.locator("table.audit-events tbody tr")
    expect(rows.first).to_contain_text("Xem xét thụ lý đơn khiếu nại")
    expect(rows.first).to_contain_text("Hoàn thành bước")
    expect(rows.first).to_contain_text("Thụ lý giải quyết")
    shot(page, "audit-search")
    text = page.locator("main").inner_text()
    assert not RAW.findall(text), RAW.findall(text)
    link = rows.first.get_by_role("link")
    link.click()
    page.wait_for_url(re.compile(rf"/cases/{case_id}#event-\d+$"))
    seq = page.url.rsplit("-", 1)[1]
    expect(page.locator(f"#event-{seq}")).to_contain_text("Hoàn thành bước")


def test_the_deadlines_report_reads_as_an_inspector_would(server: str, page: Page) -> None:
    sign_in(page, server, "inspectorate")
    page.get_by_role("link", name="Kiểm tra", exact=True).click()
    page.get_by_role("link", name="Kiểm tra thời hạn").click()
    expect(page.get_by_role("heading", name="Kiểm tra thời hạn")).to_be_visible()
    page.get_by_label("Việc làm từ ngày").fill("01/01/2021")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_role("heading", name=re.compile("Việc làm sau thời hạn"))).to_be_visible()
    shot(page, "audit-deadlines")
    text = page.locator("main").inner_text()
    assert not RAW.findall(text), RAW.findall(text)
    workbook = page.get_by_role("link", name="Tải bảng tính (.xlsx)").get_attribute("href") or ""
    assert workbook.startswith("/audit/deadlines.xlsx?") and "from=01" in workbook, workbook
