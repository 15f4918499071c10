"""Escalations acknowledged, notes written, and page manners, in the browser as the demo officers use them.

A petition received 40 days ago is registered through the API and the timer worker runs beside
gunicorn (``flask worker --until-idle``), so its acceptance deadline has passed and been escalated.
Every page visited is screenshotted and its visible text scanned for raw codes.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests import cases
from tests.browser.conftest import ROOT, shot, sign_in
from tests.conftest import basic

pytestmark = pytest.mark.browser
RAW = re.compile(r"\b[a-z]+_[a-z_]+\b|\d{4}-\d{2}-\d{2}|\bNone\b|\bnull\b|\{\{|\{%|object at 0x")


def _no_raw_code(page: Page, where: str = "main") -> str:
    """The visible text of a part of the page, with no snake_case key, ISO date, None/null or template code."""
    text = page.locator(where).inner_text()
    found = RAW.search(text)
    assert not found, f"raw code on {page.url}: {found.group(0)!r}"
    return text


def _api(server: str, method: str, path: str, user: str, body: object | None = None) -> dict[str, object]:
    request = urllib.request.Request(f"{server}{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json", **basic(user)})
    with urllib.request.urlopen(request, timeout=30) as response:
        answer: dict[str, object] = json.loads(response.read())
        return answer


@pytest.fixture(scope="module")
def overdue_case(server: str, server_env: dict[str, str]) -> tuple[int, str]:
    """(id, case number) of a petition received 40 days ago whose acceptance deadline was escalated."""
    received = date.today() - timedelta(days=40)
    first = {**cases.petition()["first_decision"], "number": "77/QĐ-UBND",
             "issued_on": (received - timedelta(days=14)).isoformat(),
             "received_on": (received - timedelta(days=10)).isoformat()}
    data = cases.petition(received_on=received.isoformat(), first_decision=first,
                          complainant={"full_name": "Đinh Thị Quá Hạn", "address": "Phường Hội Thương, Pleiku",
                                       "id_number": "064099887766"})
    made = _api(server, "POST", "/api/processes/complaint_second_level/instances", "reception", {"data": data})
    flask = Path(sys.executable).parent / "flask"
    ran = subprocess.run([str(flask), "--app", "app", "worker", "--until-idle"], cwd=ROOT, env=server_env,
                         capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr
    return int(made["id"]), str(made["case_number"])  # type: ignore[call-overload]


def test_the_inspectorate_filters_escalations_and_acknowledges_one_with_a_note(
        page: Page, server: str, overdue_case: tuple[int, str]) -> None:
    instance_id, number = overdue_case
    sign_in(page, server, "inspectorate")
    link = page.locator("#site-menu nav").get_by_role("link", name=re.compile("^Cảnh báo quá hạn"))
    expect(link.locator(".count")).to_have_text(re.compile(r"^[1-9]\d*$"))
    before = int(link.locator(".count").inner_text())
    link.click()
    expect(page.locator("h1")).to_have_text("Cảnh báo quá hạn")
    page.get_by_label("Bước bị quá hạn").select_option(label="Xem xét thụ lý đơn khiếu nại")
    page.get_by_label("Số ngày quá hạn").select_option(label="Từ 15 ngày")
    page.get_by_role("button", name="Lọc").click()
    row = page.locator("table.escalations tbody tr", has_text=number)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Quá hạn thụ lý")
    expect(row).to_contain_text(re.compile(r"Quá hạn \d+ ngày"))
    _no_raw_code(page)
    shot(page, "escalations")
    row.get_by_label("Ghi chú").fill("=Đã đề nghị Chủ tịch UBND tỉnh chỉ đạo thụ lý ngay.")
    row.get_by_role("button", name=re.compile("^Xác nhận cảnh báo")).click()
    expect(page.locator(".flash-ok")).to_contain_text(f"Đã xác nhận cảnh báo «Quá hạn thụ lý» của hồ sơ {number}")
    expect(page.get_by_label("Bước bị quá hạn")).to_have_value("review_acceptance")  # the filters are kept
    counted = page.locator("#site-menu nav").get_by_role("link", name=re.compile("^Cảnh báo quá hạn")).locator(".count")
    if before > 1:
        expect(counted).to_have_text(str(before - 1))
    else:
        expect(counted).to_have_count(0)
    page.get_by_label("Trạng thái").select_option(label="Đã xác nhận")
    page.get_by_role("button", name="Lọc").click()
    row = page.locator("table.escalations tbody tr", has_text=number)
    expect(row).to_contain_text("=Đã đề nghị Chủ tịch UBND tỉnh chỉ đạo thụ lý ngay.")
    expect(row).to_contain_text("Thanh tra tỉnh (demo)")
    _no_raw_code(page)
    shot(page, "escalations-acknowledged")
    row.get_by_role("link", name=number).click()
    expect(page).to_have_url(re.compile(rf"/cases/{instance_id}$"))
    expect(page.locator("#history")).to_contain_text("Xác nhận cảnh báo")
    expect(page.locator("#summary")).to_contain_text("đã xác nhận bởi Thanh tra tỉnh (demo): «=Đã đề nghị")


def test_an_officer_writes_a_note_and_reaches_it_from_the_table_of_contents(
        page: Page, server: str, overdue_case: tuple[int, str]) -> None:
    instance_id, _number = overdue_case
    sign_in(page, server, "resolver")
    page.goto(f"{server}/cases/{instance_id}")
    expect(page.locator("#diagram svg").first).to_be_visible()  # the sections' anchors left the viewer its id
    page.locator("nav.toc").get_by_role("link", name=re.compile("^Ghi chú")).click()
    expect(page).to_have_url(re.compile(r"#notes$"))
    typed = "Đã gọi cho bà Quá Hạn: bổ sung bản sao quyết định 77 vào thứ Hai.\nLưu ý: đơn đến qua bưu điện."
    page.get_by_label("Thêm ghi chú").fill(typed)
    page.get_by_role("button", name="Lưu ghi chú").click()
    expect(page.locator(".flash-ok")).to_have_text("Đã thêm ghi chú nội bộ vào hồ sơ.")
    expect(page).to_have_url(re.compile(r"#notes$"))
    notes = page.locator("#notes ol.notes li")
    expect(notes.last).to_contain_text("Người có thẩm quyền giải quyết lần hai (demo)")
    expect(notes.last).to_contain_text(re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}"))
    expect(notes.last.locator(".note-text")).to_have_text(typed)
    expect(page.locator("#history")).to_contain_text("Thêm ghi chú nội bộ")
    page.get_by_label("Thêm ghi chú").fill("trước\u202esau")
    page.get_by_role("button", name="Lưu ghi chú").click()
    expect(page.locator("#note-text-error")).to_contain_text("ký tự điều khiển")
    expect(page.get_by_label("Thêm ghi chú")).to_have_value("trước\u202esau")  # what was typed is kept
    page.locator("#notes").scroll_into_view_if_needed()
    shot(page, "case-notes")
    _no_raw_code(page, "#notes")
    _no_raw_code(page, "nav.toc")
    listed = _api(server, "GET", f"/api/instances/{instance_id}/notes", "auditor")
    assert [n["author"] for n in listed["notes"]] == ["resolver"]  # type: ignore[index, union-attr]


def test_read_only_pages_offer_no_action_and_the_reception_page_only_petitions(
        page: Page, server: str, overdue_case: tuple[int, str]) -> None:
    instance_id, _number = overdue_case
    sign_in(page, server, "inspectorate")
    expect(page.locator("#site-menu nav").get_by_role("link", name="Tiếp nhận đơn")).to_have_count(0)
    page.goto(f"{server}/cases/new")
    expect(page.locator("main")).to_contain_text("Vai trò của bạn không tiếp nhận đơn.")
    shot(page, "reception-inspectorate")
    page.goto(f"{server}/cases/{instance_id}")
    expect(page.locator("main")).to_contain_text("Chế độ chỉ xem.")
    expect(page.get_by_role("link", name="Đơn rút khiếu nại")).to_have_count(0)
    expect(page.get_by_role("button", name="Tải lên")).to_have_count(0)
    expect(page.locator("#summary").get_by_role("link", name="Xem biểu mẫu")).to_have_count(1)
    shot(page, "case-inspectorate", height=900)
    sign_in(page, server, "reception")
    page.goto(f"{server}/cases/{instance_id}")
    expect(page.get_by_role("link", name="Đơn rút khiếu nại")).to_have_count(1)


def test_a_phone_gets_a_compact_header_labelled_figures_and_a_case_in_sections(
        browser: Browser, server: str, overdue_case: tuple[int, str]) -> None:
    instance_id, _number = overdue_case
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="vi-VN")
    page = context.new_page()
    sign_in(page, server, "resolver")
    header = page.locator("header.top").bounding_box()
    assert header is not None and header["height"] <= 64, header
    expect(page.locator("#site-menu")).to_be_hidden()
    shot(page, "phone-header", full_page=False)
    page.get_by_role("button", name=re.compile("^Menu")).click()
    expect(page.get_by_role("button", name=re.compile("^Menu"))).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#site-menu").get_by_role("link", name="Tổng hợp")).to_be_visible()
    shot(page, "phone-menu", full_page=False)
    page.locator("#site-menu").get_by_role("link", name="Tổng hợp").click()
    expect(page.locator("#site-menu")).to_be_hidden()
    labels = page.evaluate("""() => [...document.querySelectorAll('table.by-step tbody td.num')]
        .map(td => getComputedStyle(td, '::before').content)""")
    assert labels and all(label in ('"Đang chờ"', '"Quá hạn"') for label in labels), labels
    for stat in page.locator(".stat").all():
        expect(stat.locator(".lbl")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _no_raw_code(page)
    shot(page, "phone-dashboard")
    page.goto(f"{server}/cases/{instance_id}")
    page.locator("nav.toc").get_by_role("link", name="Nhật ký").click()
    expect(page).to_have_url(re.compile(r"#history$"))
    expect(page.locator("#h-history")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "phone-case-history", full_page=False)
    context.close()
