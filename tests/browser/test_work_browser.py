"""In the browser: a step handed to a named officer, a long form kept for later («Để sau»), a petition registered twice.

Each test registers its own complainant (an ID number of its own), so they run in any order on the
session's server. The pages they leave are screenshot and their visible text is checked for what no
officer should read: snake_case codes, English option values, ISO dates, ``null``/``None``.
"""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests import cases
from tests.browser.conftest import fill, shot, sign_in
from tests.conftest import basic

pytestmark = pytest.mark.browser

RAW = re.compile(r"\b[a-z]+_[a-z_]+\b|\b\d{4}-\d{2}-\d{2}\b|\bnull\b|\bNone\b|\b(?:true|false)\b")


def _no_raw_codes(page: Page, *parts: str) -> None:
    """What this feature adds to a page shows no code (the whole-page scan of every page is issue 14's own test)."""
    for selector in parts or ("main",):
        for text in page.locator(selector).all_inner_texts():
            found = sorted(set(RAW.findall(text)))
            assert not found, f"codes shown to the officer in {selector} on {page.url}: {found}"


def _api(server: str, method: str, path: str, user: str, body: dict[str, Any] | None = None) -> Any:
    request = urllib.request.Request(f"{server}{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json", **basic(user)})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def _petition(name: str, id_number: str) -> dict[str, Any]:
    """A petition received two days ago (the server runs on today's clock) by a complainant of its own."""
    received = date.today() - timedelta(days=2)
    first = {**cases.petition()["first_decision"], "issued_on": (received - timedelta(days=14)).isoformat(),
             "received_on": (received - timedelta(days=10)).isoformat()}
    return cases.petition(received_on=received.isoformat(), first_decision=first,
                          complainant={"full_name": name, "address": "Phường Hoa Lư, Pleiku", "id_number": id_number})


def _waiting(server: str, instance_id: int) -> dict[str, Any]:
    [task] = _api(server, "GET", f"/api/instances/{instance_id}", "auditor")["tasks"]
    return dict(task)


def _create_verifier(page: Page, server: str, username: str, full_name: str) -> None:
    sign_in(page, server, "admin")
    page.goto(f"{server}/admin/users/new")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Họ và tên").fill(full_name)
    page.locator('input[name="roles"][value="verifier"]').check()
    page.get_by_label("Mật khẩu").fill("matkhau-123")
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".flash-ok")).to_be_visible()


def test_the_resolver_hands_the_verification_to_a_named_officer_who_finds_it_as_theirs(page: Page,
                                                                                     server: str) -> None:
    _create_verifier(page, server, "xacminh_le", "Lê Thị Xác Minh")
    today = date.today().isoformat()
    started = _api(server, "POST", "/api/processes/complaint_second_level/instances", "reception",
                   {"data": _petition("Đinh Văn Giao", "064099000001")})
    case_id, case_number = started["id"], started["case_number"]
    _api(server, "POST", f"/api/tasks/{_waiting(server, case_id)['id']}/complete", "resolver",
         {"data": cases.acceptance(issued_on=today)})

    sign_in(page, server, "resolver")
    page.goto(f"{server}/tasks/{_waiting(server, case_id)['id']}")
    expect(page.locator("h1")).to_have_text("Giao nhiệm vụ xác minh")
    picker = page.locator('select[name="verifier.officer"]')
    expect(picker.locator("option", has_text="Lê Thị Xác Minh")).to_have_count(1)
    data = cases.assignment(decision_date=today)
    del data["verifier"]["officer"]
    fill(page, data)
    picker.select_option(label="Lê Thị Xác Minh")
    shot(page, "work-01-verification-picker")
    _no_raw_codes(page, ".page-head", "form#task-form", "#assign")
    page.get_by_role("button", name="Hoàn thành bước").click()
    expect(page.locator(".flash-ok")).to_contain_text("Đã hoàn thành bước")

    sign_in(page, server, "xacminh_le", "matkhau-123")
    page.goto(f"{server}/inbox?scope=mine")
    row = page.locator("table.inbox tbody tr", has_text=case_number)
    expect(row).to_contain_text("Xác minh nội dung khiếu nại")
    expect(row.locator("td[data-label='Người xử lý']")).to_have_text("Tôi")
    shot(page, "work-02-my-work", full_page=False)
    _no_raw_codes(page, "table.inbox", "form.filters")

    sign_in(page, server, "verifier")
    page.goto(f"{server}/inbox?q={case_number}")
    row = page.locator("table.inbox tbody tr", has_text=case_number)
    expect(row.locator("td[data-label='Người xử lý']")).to_have_text("Lê Thị Xác Minh")
    row.get_by_role("link", name=re.compile("^Xử lý")).click()
    expect(page.locator("#read-only-note")).to_contain_text("đã được giao cho Lê Thị Xác Minh")
    expect(page.get_by_role("button", name="Hoàn thành bước")).to_have_count(0)
    shot(page, "work-03-held-by-a-colleague")
    _no_raw_codes(page, ".page-head", "#read-only-note")

    sign_in(page, server, "resolver")  # the resolver reassigns it to the other verifier, then takes it back
    page.goto(f"{server}/tasks/{_waiting(server, case_id)['id']}")
    page.locator("#assignee").select_option(label="Cơ quan, bộ phận được giao xác minh (demo)")
    page.get_by_role("button", name="Giao lại").click()
    expect(page.locator(".flash-ok")).to_contain_text("Đã giao «Xác minh nội dung khiếu nại» cho Cơ quan")
    expect(page.locator("#holder")).to_have_text("Cơ quan, bộ phận được giao xác minh (demo)")
    shot(page, "work-04-reassigned")
    _no_raw_codes(page, ".page-head", "#assign", ".flash")
    page.get_by_role("button", name="Thu hồi (trả về cho vai trò)").click()
    expect(page.locator("#holder")).to_have_count(0)
    page.goto(f"{server}/cases/{case_id}")
    expect(page.locator(".timeline")).to_contain_text("Giao việc cho cán bộ")
    shot(page, "work-05-case-history")


def test_later_keeps_a_half_typed_form_and_brings_it_back(page: Page, server: str) -> None:
    started = _api(server, "POST", "/api/processes/complaint_second_level/instances", "reception",
                   {"data": _petition("Phan Thị Nháp", "064099000002")})
    task_id = _waiting(server, started["id"])["id"]
    sign_in(page, server, "resolver")
    page.goto(f"{server}/tasks/{task_id}")
    page.locator('[name="acceptance_notice.number"]').fill("45/TB-UBND (đang soạn)")
    page.get_by_role("button", name="Để sau").click()
    page.wait_for_url(f"{server}/inbox")
    expect(page.locator(".flash-ok")).to_contain_text("Đã lưu nháp")
    shot(page, "work-06-draft-saved", full_page=False)
    page.goto(f"{server}/tasks/{task_id}")
    expect(page.locator('[name="acceptance_notice.number"]')).to_have_value("45/TB-UBND (đang soạn)")
    expect(page.locator("#draft-note")).to_contain_text("Đang hiển thị bản nháp bạn lưu lúc")
    shot(page, "work-07-draft-restored")
    _no_raw_codes(page, ".page-head", "#draft-note", "form#task-form")
    page.get_by_role("button", name="Bỏ bản nháp").click()
    expect(page.locator('[name="acceptance_notice.number"]')).to_have_value("")


def test_reception_is_warned_of_a_petition_already_registered_and_goes_on(page: Page, server: str) -> None:
    petition = _petition("Vũ Văn Trùng", "064099000003")
    first = _api(server, "POST", "/api/processes/complaint_second_level/instances", "reception", {"data": petition})
    sign_in(page, server, "reception")
    page.goto(f"{server}/cases/new/complaint_second_level")
    fill(page, petition)
    page.get_by_role("button", name="Tiếp nhận đơn").click()
    warning = page.locator("#duplicate-warning")
    expect(warning).to_contain_text("Có thể đơn này đã được tiếp nhận")
    expect(warning.get_by_role("link", name=f"Hồ sơ {first['case_number']}")).to_have_attribute(
        "href", f"/cases/{first['id']}")
    expect(page.locator('[name="complainant.full_name"]')).to_have_value("Vũ Văn Trùng")
    shot(page, "work-08-duplicate-warning")
    _no_raw_codes(page, "#duplicate-warning")
    page.get_by_role("button", name="Vẫn tiếp nhận đơn này").click()
    expect(page.locator(".flash-ok")).to_contain_text("Đã tạo hồ sơ KN2-")
    expect(page.locator(".timeline")).to_contain_text("Vẫn tiếp nhận dù có hồ sơ trùng")
    shot(page, "work-09-registered-anyway")
