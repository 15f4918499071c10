"""Sessions, tokens and sign-in locks as the officers and the admin meet them in the browser."""

from __future__ import annotations

import re
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import shot, sign_in

pytestmark = pytest.mark.browser


def _bearer_status(base: str, token: str) -> int:
    request = urllib.request.Request(f"{base}/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_an_officer_makes_and_revokes_a_token_then_signing_out_ends_the_copied_session(page: Page,
                                                                                     server: str) -> None:
    sign_in(page, server, "verifier")
    page.get_by_role("link", name="Cơ quan, bộ phận được giao xác minh (demo)").click()
    expect(page.get_by_role("heading", name="Tài khoản của tôi")).to_be_visible()
    expect(page.get_by_text("(phiên này)")).to_be_visible()
    page.get_by_label("Tên gợi nhớ").fill("đồng bộ số liệu")
    page.get_by_label("Số ngày hiệu lực").fill("45")
    page.get_by_role("button", name="Tạo mã truy cập").click()
    expect(page.get_by_text("Thời hạn là từ 1 đến 30 ngày.")).to_be_visible()
    expect(page.get_by_label("Tên gợi nhớ")).to_have_value("đồng bộ số liệu")  # what was typed survives the error
    page.get_by_label("Số ngày hiệu lực").fill("7")
    page.get_by_role("button", name="Tạo mã truy cập").click()
    token = page.locator("code.token").inner_text()
    assert _bearer_status(server, token) == 200
    shot(page, "account")
    text = page.locator("main").inner_text()
    assert not re.search(r"\d{4}-\d{2}-\d{2}|None|null|\{\{|\{%", text), text
    cookies = page.context.cookies()
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_text("Bạn đã đăng xuất khỏi mọi phiên đăng nhập")).to_be_visible()
    assert _bearer_status(server, token) == 401
    page.context.add_cookies(cookies)  # the cookie someone copied before the sign-out
    page.goto(f"{server}/inbox")
    expect(page).to_have_url(re.compile(r"/login"))


def test_five_wrong_passwords_lock_the_name_and_the_admin_lifts_the_lock(page: Page, server: str) -> None:
    page.goto(f"{server}/login")
    for _ in range(5):
        page.get_by_label("Tên đăng nhập").fill("unit_head")
        page.get_by_label("Mật khẩu").fill("sai-mat-khau")
        page.get_by_role("button", name="Đăng nhập").click()
        expect(page.locator("#login-error")).to_have_text("Sai tên đăng nhập hoặc mật khẩu.")
    page.get_by_label("Mật khẩu").fill("demo")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("#login-error")).to_contain_text("Đăng nhập sai quá nhiều lần với tên này")
    expect(page.get_by_label("Tên đăng nhập")).to_have_value("unit_head")
    shot(page, "login-locked")
    sign_in(page, server, "admin")
    page.goto(f"{server}/admin/users")
    page.get_by_role("link", name="unit_head").click()
    expect(page.locator("#locked")).to_contain_text("Tạm khóa đăng nhập đến")
    shot(page, "admin-user-locked")
    page.get_by_role("button", name="Mở khóa ngay").click()
    expect(page.get_by_text("Đã mở khóa đăng nhập cho unit_head.")).to_be_visible()
    page.goto(f"{server}/admin/log")
    log = page.locator("main").inner_text()
    assert "Tạm khóa do đăng nhập sai nhiều lần" in log and "Mở khóa đăng nhập" in log
    assert not re.search(r"\d{4}-\d{2}-\d{2}T|sign_in_failed|account_locked|None|null", log)
    shot(page, "account-log")
    sign_in(page, server, "unit_head")
