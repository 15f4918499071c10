"""The catalogue's pages (the admin's only), and organisations shown by name wherever a page shows one."""

from __future__ import annotations

import html
import io
import re

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from app.roles import ROLES
from app.services import admin, document_numbers, organisations, users
from app.services.runtime import Runtime
from tests.web.helpers import post, sign_in, start_case

LIST = "/admin/organisations"


def visible(page: str) -> str:
    """The text a person reads: no tags, no attribute values (where codes legitimately travel)."""
    body = re.sub(r"<(script|style|template)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def _id(rt: Runtime, code: str) -> int:
    return next(e.id for e in organisations.list_organisations(rt, users.authenticate_password(rt, "admin", "demo"))
                if e.code == code)


def test_the_admin_keeps_the_catalogue_on_its_pages(client: FlaskClient, rt: Runtime) -> None:
    sign_in(client, "admin")
    listing = client.get(LIST).get_data(as_text=True)
    assert "UBND tỉnh" in listing and "Thanh tra tỉnh" in listing and "30/06/2025" in listing
    assert "ubnd_tinh" not in visible(listing) and "2025-06-30" not in visible(listing)
    created = post(client, f"{LIST}/new", {"code": "so_ngoai_vu", "name": "Sở Ngoại vụ", "parent": "ubnd_tinh",
                                           "valid_from": "01/01/2020"}, token_from=f"{LIST}/new")
    assert created.status_code == 302
    entry = _id(rt, "so_ngoai_vu")
    form = client.get(f"{LIST}/{entry}").get_data(as_text=True)
    assert 'value="01/01/2020"' in form and '<option value="ubnd_tinh" selected>UBND tỉnh</option>' in form
    assert "Xóa khỏi danh mục" in form  # nothing refers to it yet
    ended = post(client, f"{LIST}/{entry}", {"name": "Sở Ngoại vụ tỉnh", "parent": "ubnd_tinh",
                                             "valid_from": "2020-01-01", "valid_to": "2021-02-16"}, token_from=LIST)
    assert ended.status_code == 302
    row = re.search(r"<tr[^>]*><td data-label=\"Tên cơ quan\"[^>]*><a [^>]+>Sở Ngoại vụ tỉnh</a>.*?</tr>",
                    client.get(LIST).get_data(as_text=True), re.S)
    assert row and "16/02/2021" in row.group(0) and "Đã kết thúc" in row.group(0)
    assert post(client, f"{LIST}/{entry}/delete", token_from=LIST).status_code == 302
    after = client.get(LIST).get_data(as_text=True)
    assert "Đã xóa «Sở Ngoại vụ tỉnh» khỏi danh mục." in after and ">Sở Ngoại vụ tỉnh</a>" not in after


def test_bad_entries_come_back_with_each_field_explained_and_kept(client: FlaskClient, rt: Runtime) -> None:
    sign_in(client, "admin")
    refused = post(client, f"{LIST}/new", {"code": "ubnd_tinh", "name": "=HYPERLINK(\"x\")", "valid_from": "32/01/2021",
                                           "parent": ""}, token_from=f"{LIST}/new")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Ngày chưa đúng (ngày/tháng/năm)." in page
    assert 'value="ubnd_tinh"' in page
    nul = post(client, f"{LIST}/new", {"code": "so_x", "name": "Sở\x00X"}, token_from=f"{LIST}/new")
    assert nul.status_code in (400, 422)
    long = post(client, f"{LIST}/new", {"code": "so_x", "name": "Sở " * 200}, token_from=f"{LIST}/new")
    assert long.status_code == 422 and "dài quá 300 ký tự" in long.get_data(as_text=True)
    formula = post(client, f"{LIST}/new", {"code": "so_x", "name": "=1+1"}, token_from=f"{LIST}/new")
    assert formula.status_code == 422 and "bảng tính đọc thành công thức" in formula.get_data(as_text=True)
    top, child = _id(rt, "ubnd_tinh"), "thanh_tra_tinh"
    cycle = post(client, f"{LIST}/{top}", {"name": "UBND tỉnh", "parent": child}, token_from=LIST)
    assert cycle.status_code == 422 and "chính nó hoặc một cơ quan trực thuộc nó" in cycle.get_data(as_text=True)


def test_an_entry_in_use_cannot_be_deleted_and_the_page_says_why(client: FlaskClient, rt: Runtime) -> None:
    start_case(rt)  # a provincial case: it belongs to ubnd_tinh
    sign_in(client, "admin")
    top = _id(rt, "ubnd_tinh")
    form = client.get(f"{LIST}/{top}").get_data(as_text=True)
    assert "Xóa khỏi danh mục" not in form and "1 hồ sơ (1 đang giải quyết)" in form
    refused = post(client, f"{LIST}/{top}/delete", token_from=LIST)
    assert refused.status_code == 409 and "Hãy ghi ngày kết thúc hoạt động thay vì xóa" in refused.get_data(as_text=True)


def test_the_catalogue_downloads_as_a_spreadsheet(client: FlaskClient) -> None:
    sign_in(client, "admin")
    response = client.get(f"{LIST}.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data))["Danh mục cơ quan"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Mã", "Tên cơ quan", "Cơ quan cấp trên")
    assert ("thanh_tra_tinh", "Thanh tra tỉnh", "UBND tỉnh") in {r[:3] for r in rows}


@pytest.mark.parametrize("role", sorted(set(ROLES) - {"admin"}))
def test_no_other_role_reaches_the_catalogue_pages(client: FlaskClient, rt: Runtime, role: str) -> None:
    entry = _id(rt, "ubnd_tinh")
    sign_in(client, role)
    for path in (LIST, f"{LIST}/new", f"{LIST}/{entry}", f"{LIST}.xlsx"):
        assert client.get(path).status_code == 403, path
    for path, data in ((f"{LIST}/new", {"code": "x", "name": "X"}), (f"{LIST}/{entry}", {"name": "Đổi tên"}),
                       (f"{LIST}/{entry}/delete", {})):
        refused = post(client, path, data)
        assert refused.status_code == 403 and "Chỉ quản trị mới quản lý danh mục cơ quan." in refused.get_data(as_text=True)
    assert [e.name for e in organisations.list_organisations(rt, users.authenticate_password(rt, "admin", "demo"))
            if e.id == entry] == ["UBND tỉnh"]


def test_a_users_organisation_is_picked_by_name_and_shown_by_name(client: FlaskClient, rt: Runtime) -> None:
    sign_in(client, "admin")
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert '<option value="so_tai_chinh">Sở Tài chính</option>' in form
    assert "so_tai_chinh" not in visible(form) and "so_nong_nghiep_moi_truong" not in form  # from 2025 only
    created = post(client, "/admin/users/new", {"username": "giamdoc_stc", "full_name": "Giám đốc Sở Tài chính",
                                                "roles": ["resolver"], "organisation": "so_tai_chinh",
                                                "is_active": "on", "password": "matkhau-dai"}, token_from="/admin/users")
    assert created.status_code == 302
    refused = post(client, "/admin/users/new", {"username": "giamdoc_2", "full_name": "Giám đốc", "roles": ["resolver"],
                                                "organisation": "khong_co", "password": "matkhau-dai"},
                   token_from="/admin/users")
    assert refused.status_code == 422 and "Chọn cơ quan trong danh mục." in refused.get_data(as_text=True)
    listing = visible(client.get("/admin/users").get_data(as_text=True))
    assert "Sở Tài chính" in listing and "so_tai_chinh" not in listing
    log = visible(client.get("/admin/log").get_data(as_text=True))
    assert re.search(r"Cơ quan:\s+Sở Tài chính", log) and "so_tai_chinh" not in log
    sign_in(client, "giamdoc_stc", "matkhau-dai")
    assert "Người có thẩm quyền giải quyết lần hai · Sở Tài chính" in visible(client.get("/inbox").get_data(as_text=True))


def test_case_pages_and_the_inbox_name_the_organisation(client: FlaskClient, rt: Runtime) -> None:
    instance_id = start_case(rt)
    sign_in(client, "resolver")
    inbox = visible(client.get("/inbox").get_data(as_text=True))
    assert "UBND tỉnh" in inbox and "ubnd_tinh" not in inbox
    case = visible(client.get(f"/cases/{instance_id}").get_data(as_text=True))
    assert "Cơ quan giải quyết" in case and "UBND tỉnh" in case and "ubnd_tinh" not in case


def test_the_plan_form_offers_the_units_organisation_by_name(client: FlaskClient) -> None:
    sign_in(client, "inspectorate")
    page = client.get("/cases/new/na_session_reception").get_data(as_text=True)
    assert re.search(r'<select id="[^"]+" name="units\.[^"]+\.organisation"', page)  # the new row's template
    assert '<option value="thanh_tra_tinh">Thanh tra tỉnh</option>' in page


def test_an_ended_organisation_is_still_named_on_its_users_page(client: FlaskClient, rt: Runtime) -> None:
    boss = users.authenticate_password(rt, "admin", "demo")
    admin.create_user(rt, boss, "giamdoc_cu", admin.UserChange("Giám đốc", frozenset({"resolver"}), "unit-05", True,
                                                               "matkhau-dai"))
    user = next(u for u in admin.list_users(rt, boss) if u.username == "giamdoc_cu")
    admin.update_user(rt, boss, user.id, admin.UserChange("Giám đốc", frozenset({"resolver"}), None, False))
    entry = _id(rt, "unit-05")
    organisations.update_organisation(rt, boss, entry, organisations.OrganisationChange("Đơn vị 05", None, None,
                                                                                         None))
    sign_in(client, "admin")
    assert "Đơn vị 05" in client.get(f"/admin/users/{user.id}").get_data(as_text=True)


def test_the_account_log_shows_a_body_abbreviation_set_without_codes(client: FlaskClient, rt: Runtime) -> None:
    document_numbers.set_body_symbol(rt, users.authenticate_password(rt, "admin", "demo"), "ubnd_tinh", "UBT")
    sign_in(client, "admin")
    log = visible(client.get("/admin/log").get_data(as_text=True))
    assert "Đặt ký hiệu văn bản của cơ quan" in log and "Ký hiệu viết tắt của cơ quan" in log
    assert re.search(r"Giá trị:\s+UBND\s+→\s+UBT\s", log)  # from the demo seed's
    assert "organisation_symbol_set" not in log and "ubnd_tinh" not in log
