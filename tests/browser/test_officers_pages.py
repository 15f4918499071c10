"""A whole complaint in the browser: from the new-case page to publication, by the demo users.

Each officer signs in for their own step, finds the case in their inbox, opens the task and
fills the form the server rendered from its JSON Schema; one form is first sent with an error,
which comes back in Vietnamese beside the field with what was typed still there.
"""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests import cases
from tests.browser.conftest import ARTIFACTS, fill, shot, sign_in
from tests.conftest import basic

pytestmark = pytest.mark.browser


def _open_from_inbox(page: Page, base: str, case_number: str, step_name: str | None = None) -> None:
    page.goto(f"{base}/inbox")
    page.get_by_label("Tìm theo số hồ sơ hoặc tên người khiếu nại").fill(case_number)
    page.get_by_role("button", name="Lọc").click()
    row = page.locator("table.inbox tbody tr", has_text=case_number)
    expect(row).to_have_count(1)
    row.get_by_role("link", name=re.compile("^Xử lý")).click()
    if step_name:
        expect(page.locator("h1")).to_have_text(step_name)


def _complete(page: Page) -> None:
    page.get_by_role("button", name="Hoàn thành bước").click()
    expect(page.locator(".flash-ok")).to_contain_text("Đã hoàn thành bước")


def _resolved_this_month(page: Page, server: str) -> int:
    sign_in(page, server, "auditor")
    page.goto(f"{server}/dashboard")
    return int(page.locator("#stat-resolved").inner_text())


def _own_petition() -> dict[str, Any]:
    """The default petition from a complainant no other browser test files (same name, own ID and address):
    the tests share a server, and the duplicate check would otherwise stop this journey at its first page."""
    complainant = {**cases.petition()["complainant"], "id_number": "064077000001",
                   "address": "Thôn Plei Ơi, xã Ia Mơ, huyện Chư Prông, tỉnh Gia Lai"}
    return cases.petition(complainant=complainant)


def test_a_complaint_is_carried_from_reception_to_publication(page: Page, server: str) -> None:
    resolved = _resolved_this_month(page, server)  # other tests share the server
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto(f"{server}/login")
    shot(page, "01-login")
    sign_in(page, server, "reception")
    page.get_by_role("link", name="Tiếp nhận đơn").click()
    expect(page.locator("h1")).to_have_text("Tiếp nhận đơn khiếu nại lần hai")
    fill(page, _own_petition())
    shot(page, "02-new-case")
    page.locator("#f-files").set_input_files(files=[{"name": "don-khieu-nai.pdf", "mimeType": "application/pdf",
                                                     "buffer": b"%PDF-1.4\n% scan of the petition\n"}])
    page.get_by_role("button", name="Tiếp nhận đơn").click()
    expect(page.locator(".flash-ok")).to_contain_text("Đã tạo hồ sơ KN2-")
    case_number = re.search(r"KN2-\d{4}-\d{6}", page.locator(".flash-ok").inner_text()).group(0)  # type: ignore[union-attr]
    case_url = page.url
    expect(page.locator("#attachments")).to_contain_text("don-khieu-nai.pdf")

    signed_in = None
    for index, (bpmn_id, role, payload) in enumerate(cases.RESOLVED_PATH):
        if role != signed_in:  # the same officer goes on to their next step without signing in again
            sign_in(page, server, role)
            signed_in = role
        if index == 0:
            shot(page, "03-inbox-resolver", full_page=False)
        _open_from_inbox(page, server, case_number)
        expect(page.locator("form#task-form")).to_have_attribute("data-step", bpmn_id)
        if bpmn_id == "record_dialogue":
            _dialogue_with_an_error_then_corrected(page)
            continue
        fill(page, payload())
        shot(page, f"04-task-{index + 1}-{bpmn_id}")
        _complete(page)

    sign_in(page, server, "auditor")
    page.goto(case_url)
    expect(page.locator("h1")).to_contain_text("Đã kết thúc: Đã giải quyết")
    expect(page.locator("#diagram")).to_have_attribute("data-ready", "true", timeout=15000)
    expect(page.locator("#diagram .djs-element.done").first).to_be_visible()
    expect(page.locator(".chain")).to_contain_text("Kiểm tra toàn vẹn: chuỗi")
    expect(page.locator(".timeline")).to_contain_text("Công khai quyết định")
    expect(page.get_by_role("button", name="Hoàn thành bước")).to_have_count(0)
    shot(page, "05-case-auditor")
    shot(page, "case", height=1400)  # docs/screenshots/case.png
    history = page.locator("#history")
    for opener in history.locator("details summary").all()[:4]:  # the first steps' changes, opened
        opener.click()
    expect(history).not_to_contain_text("null")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    history.screenshot(path=str(ARTIFACTS / "history.png"))  # docs/screenshots/history.png
    page.goto(f"{server}/dashboard")
    expect(page.locator("#stat-resolved")).to_have_text(str(resolved + 1))
    shot(page, "06-dashboard")


def _dialogue_with_an_error_then_corrected(page: Page) -> None:
    """The minutes name a participant who refused to sign but give no reason: refused, then fixed."""
    fill(page, cases.dialogue(refusal_reason=None))
    page.get_by_role("button", name="Hoàn thành bước").click()
    error = page.locator("#f-dialogue-participants-2-refusal_reason-error")
    expect(error).to_contain_text("Lý do không ký")
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator('[name="dialogue.place"]')).to_have_value(cases.dialogue()["dialogue"]["place"])
    expect(page.locator('[name="dialogue.participants.2.full_name"]')).to_have_value("Trần Thị B")
    shot(page, "04-task-record_dialogue-error")
    page.locator('[name="dialogue.participants.2.refusal_reason"]').fill("Không đồng ý với kết quả xác minh")
    _complete(page)


def test_the_wrong_role_gets_a_vietnamese_403_page(page: Page, server: str) -> None:
    sign_in(page, server, "reception")
    page.get_by_role("link", name="Tiếp nhận đơn").click()
    fill(page, cases.petition(complainant={"full_name": "Lê Thị C", "address": "Xã Ia Mơ"}))
    page.get_by_role("button", name="Tiếp nhận đơn").click()
    expect(page.locator(".waiting li")).to_have_count(1)
    expect(page.locator(".waiting a")).to_have_count(0)  # reception does not act on the resolver's step
    sign_in(page, server, "resolver")
    page.goto(f"{server}/inbox?q=L%C3%AA+Th%E1%BB%8B+C")
    href = page.locator("table.inbox tbody tr").first.get_by_role("link", name=re.compile("^Xử lý")).get_attribute("href")
    sign_in(page, server, "clerk")
    response = page.goto(f"{server}{href}")
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_have_text("Không có quyền truy cập")
    shot(page, "07-forbidden")
    response = page.goto(f"{server}/admin/users")
    assert response is not None and response.status == 403


def _start_by_api(server: str, name: str, days_ago: int) -> None:
    """A petition received some days ago (the server runs on today's clock), registered through the API."""
    received = date.today() - timedelta(days=days_ago)
    first = {**cases.petition()["first_decision"], "issued_on": (received - timedelta(days=14)).isoformat(),
             "received_on": (received - timedelta(days=10)).isoformat()}
    data = cases.petition(received_on=received.isoformat(), first_decision=first,
                          complainant={"full_name": name, "address": "Pleiku, Gia Lai"})
    request = urllib.request.Request(f"{server}/api/processes/complaint_second_level/instances",
                                     data=json.dumps({"data": data}).encode(),
                                     headers={"Content-Type": "application/json", **basic("reception")})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201


def test_the_inbox_sorts_many_cases_overdue_first(page: Page, server: str) -> None:
    for name, days_ago in (("Trần Thị Bình", 2), ("Lê Văn Cường", 12), ("Phạm Thị Dung", 6), ("Hoàng Văn Em", 9),
                           ("Võ Thị Hoa", 0)):
        _start_by_api(server, name, days_ago)
    sign_in(page, server, "resolver")
    dates = page.locator("table.inbox tbody tr td[data-label='Hạn'] small").all_inner_texts()
    parsed = [tuple(reversed(d.split("/"))) for d in dates]
    assert len(parsed) >= 5 and parsed == sorted(parsed)
    expect(page.locator("table.inbox tbody tr.due-over").first).to_be_visible()
    expect(page.locator("table.inbox tbody tr.due-ok").first).to_be_visible()
    shot(page, "inbox", full_page=False)  # docs/screenshots/inbox.png


def test_pages_fit_a_phone(browser: Browser, server: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, server, "resolver")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the inbox scrolls sideways on a phone ({width}px)"
    shot(page, "08-inbox-phone")
    context.close()
