"""Organisations picked by name in the browser: the admin's catalogue, a user's organisation, a plan's unit.

Every screen is read as a person reads it (the visible text): organisations appear by their Vietnamese
names, never by a code, and dates as dd/mm/yyyy.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import shot, sign_in

pytestmark = pytest.mark.browser

CODES = re.compile(r"\b(ubnd_tinh|thanh_tra_tinh|so_[a-z_]+|ubnd_[a-z_]+)\b")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _readable(page: Page) -> str:
    text = page.locator("body").inner_text()
    assert not CODES.search(text), CODES.search(text)
    assert not ISO_DATE.search(text), ISO_DATE.search(text)
    return text


def test_the_admin_adds_an_organisation_and_gives_it_to_a_user_by_name(page: Page, server: str) -> None:
    sign_in(page, server, "admin")
    page.get_by_role("link", name="Người dùng", exact=True).click()
    page.get_by_role("link", name="Danh mục cơ quan").click()
    expect(page.get_by_role("heading", name="Danh mục cơ quan")).to_be_visible()
    page.get_by_role("link", name="+ Thêm cơ quan").click()
    page.get_by_label("Mã").fill("so_ngoai_vu")
    page.get_by_label("Tên cơ quan").fill("Sở Ngoại vụ")
    page.get_by_label("Cơ quan cấp trên").select_option(label="UBND tỉnh")
    page.get_by_label("Hoạt động từ ngày").fill("2020-01-01")  # what the date widget posts
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".flash-ok")).to_contain_text("Đã thêm «Sở Ngoại vụ» vào danh mục cơ quan.")
    row = page.locator("tr", has=page.get_by_role("link", name="Sở Ngoại vụ", exact=True))
    expect(row).to_contain_text("01/01/2020")
    expect(row).to_contain_text("Đang hoạt động")
    expect(page.locator("tr", has_text="UBND huyện Chư Prông")).to_contain_text("30/06/2025")
    _readable(page)
    shot(page, "organisations-catalogue")

    page.goto(f"{server}/admin/users/new")
    picker = page.get_by_label("Cơ quan", exact=True)
    labels = picker.locator("option").all_inner_texts()
    assert "Sở Ngoại vụ" in labels and "Thanh tra tỉnh" in labels and labels[0].startswith("Toàn tỉnh")
    assert "UBND huyện Chư Prông" not in labels  # ended on 30/06/2025
    page.get_by_label("Tên đăng nhập").fill("giamdoc_sngv")
    page.get_by_label("Họ và tên").fill("Giám đốc Sở Ngoại vụ")
    page.get_by_label("Người có thẩm quyền giải quyết lần hai").check()
    picker.select_option(label="Sở Ngoại vụ")
    page.get_by_label("Mật khẩu").fill("matkhau-dai")
    _readable(page)
    shot(page, "organisations-user-picker")
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator("tr", has_text="giamdoc_sngv")).to_contain_text("Sở Ngoại vụ")
    _readable(page)
    shot(page, "organisations-users")

    sign_in(page, server, "giamdoc_sngv", "matkhau-dai")
    expect(page.locator("header .roles")).to_contain_text("Sở Ngoại vụ")


def test_the_inspectorate_picks_a_plans_unit_from_the_catalogue_by_name(page: Page, server: str) -> None:
    sign_in(page, server, "inspectorate")
    page.goto(f"{server}/cases/new/na_session_reception")
    units = page.locator('fieldset[data-array="units"]')
    units.locator(":scope > [data-add]").click()
    picker = units.locator("select[name$='.organisation']").first
    labels = picker.locator("option").all_inner_texts()
    assert {"Sở Tài chính", "Thanh tra tỉnh", "UBND xã Chư Prông"} <= set(labels)
    assert "UBND huyện Chư Prông" not in labels
    picker.select_option(label="Sở Tài chính")
    units.locator("input[name$='.name']").first.fill("Sở Tài chính")
    assert picker.input_value() == "so_tai_chinh"  # the code travels in the form, the name is what is shown
    _readable(page)
    units.scroll_into_view_if_needed()
    shot(page, "organisations-plan-unit-picker")
