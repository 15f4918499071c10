"""The organisation catalogue: kept by the admin alone, in the account log, a tree, never losing history."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select, update

from app.clock import FrozenClock
from app.errors import Conflict, Forbidden, FormValidationError, InvalidInput
from app.persistence.models import AccountEvent, Instance
from app.roles import ROLES
from app.services import admin, cases, organisation_seed, organisations, users
from app.services.organisation_seed import Seed
from app.services.organisations import OrganisationChange
from app.services.principal import Principal
from app.services.runtime import Runtime
from tests.conftest import vn
from tests.services.test_case_numbers import petition, plan


def _who(rt: Runtime, name: str) -> Principal:
    return users.authenticate_password(rt, name, "demo")


def _log(rt: Runtime, action: str) -> list[dict[str, object]]:
    with rt.db.reading() as session:
        events = session.scalars(select(AccountEvent).where(AccountEvent.action == action).order_by(AccountEvent.seq))
        return [{"actor": e.actor, **json.loads(e.data)} for e in events]


def _add(rt: Runtime, code: str, name: str, parent: str | None = None, **dates: date) -> int:
    return organisations.create_organisation(rt, _who(rt, "admin"), code, OrganisationChange(name, parent, **dates)).id


def test_the_admin_adds_renames_and_ends_an_entry_each_change_in_the_account_log(rt: Runtime) -> None:
    boss = _who(rt, "admin")
    entry = _add(rt, "so_ngoai_vu", "Sở Ngoại vụ", "ubnd_tinh", valid_from=date(2020, 1, 1))
    organisations.update_organisation(rt, boss, entry, OrganisationChange("Sở Ngoại vụ tỉnh", "ubnd_tinh",
                                                                         date(2020, 1, 1), date(2021, 2, 16)))
    assert _log(rt, "organisation_created")[-1] == {
        "actor": "admin", "code": "so_ngoai_vu", "name": "Sở Ngoại vụ", "parent": "ubnd_tinh",
        "valid_from": "2020-01-01", "valid_to": None}
    assert _log(rt, "organisation_changed") == [{"actor": "admin", "code": "so_ngoai_vu",
                                                 "name": ["Sở Ngoại vụ", "Sở Ngoại vụ tỉnh"],
                                                 "valid_to": [None, "2021-02-16"]}]
    assert "so_ngoai_vu" not in dict(organisations.choices(rt))  # ended yesterday: no longer offered
    assert organisations.names(rt)["so_ngoai_vu"] == "Sở Ngoại vụ tỉnh"  # but still named


@pytest.mark.parametrize("role", sorted(set(ROLES) - {"admin"}))
def test_only_the_admin_changes_the_catalogue_every_role_reads_it(rt: Runtime, role: str) -> None:
    who, entry = _who(rt, role), _add(rt, "phong_x", "Phòng X")
    assert "Phòng X" in {e.name for e in organisations.list_organisations(rt, who)}
    refused = [
        lambda: organisations.create_organisation(rt, who, "phong_y", OrganisationChange("Phòng Y")),
        lambda: organisations.create_organisation(rt, who, "", OrganisationChange("")),  # refused before checks
        lambda: organisations.update_organisation(rt, who, entry, OrganisationChange("Đổi tên")),
        lambda: organisations.delete_organisation(rt, who, entry),
        lambda: organisations.workbook(rt, who),
        lambda: organisations.usage_of(rt, who, entry),
    ]
    for attempt in refused:
        with pytest.raises(Forbidden, match="Chỉ quản trị mới quản lý danh mục cơ quan"):
            attempt()
    assert [e.name for e in organisations.list_organisations(rt, _who(rt, "admin")) if e.code == "phong_x"] == ["Phòng X"]


@pytest.mark.parametrize(("code", "name", "field", "message"), [
    ("so\x00x", "Sở X", "code", "ký tự điều khiển"),
    ("so_x", "Sở\x00X", "name", "ký tự điều khiển"),
    ("so_x", "Sở X\u202e", "name", "ký tự điều khiển"),
    ("so_x", "\ud800", "name", "nửa cặp thay thế"),
    ("x" * 101, "Sở X", "code", "dài quá 100"),
    ("so_x", "Sở " * 101, "name", "dài quá 300"),
    (" so_x", "Sở X", "code", "khoảng trắng"),
    ("so_x", "=HYPERLINK(\"http://x\")", "name", "bắt đầu bằng dấu ="),
    ("so_x", "  +1", "name", "bắt đầu bằng dấu ="),
    ("@so_x", "Sở X", "code", "bắt đầu bằng dấu ="),
    ("so_x", "   ", "name", "Chưa nhập"),
    ("ubnd_tinh", "Trùng mã", "code", "đã có trong danh mục"),
])
def test_hostile_codes_and_names_are_refused_beside_their_field(rt: Runtime, code: str, name: str, field: str,
                                                                 message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        organisations.create_organisation(rt, _who(rt, "admin"), code, OrganisationChange(name))
    assert message in refused.value.fields[field]
    assert "so_x" not in organisations.names(rt)


def test_dates_and_parents_are_checked(rt: Runtime) -> None:
    boss = _who(rt, "admin")
    with pytest.raises(InvalidInput) as backwards:
        organisations.create_organisation(rt, boss, "so_x", OrganisationChange("Sở X", None, date(2021, 1, 2),
                                                                                date(2021, 1, 1)))
    assert backwards.value.fields == {"valid_to": "Ngày kết thúc không được trước ngày bắt đầu."}
    for parent in ("khong_co", "x\x00"):
        with pytest.raises(InvalidInput) as unknown:
            organisations.create_organisation(rt, boss, "so_x", OrganisationChange("Sở X", parent))
        assert set(unknown.value.fields) == {"parent"}


def test_no_entry_becomes_its_own_ancestor(rt: Runtime) -> None:
    boss = _who(rt, "admin")
    top = _add(rt, "a", "Cơ quan A")
    middle = _add(rt, "b", "Cơ quan B", "a")
    _add(rt, "c", "Cơ quan C", "b")
    for parent in ("a", "c"):  # itself; its grandchild
        with pytest.raises(InvalidInput) as cycle:
            organisations.update_organisation(rt, boss, top, OrganisationChange("Cơ quan A", parent))
        assert "chính nó hoặc một cơ quan trực thuộc nó" in cycle.value.fields["parent"]
    with pytest.raises(InvalidInput):
        organisations.update_organisation(rt, boss, middle, OrganisationChange("Cơ quan B", "c"))
    organisations.update_organisation(rt, boss, middle, OrganisationChange("Cơ quan B", "ubnd_tinh"))  # a move is fine


def test_an_entry_in_use_is_never_deleted_and_ended_only_once_nobody_acts_for_it(rt: Runtime) -> None:
    boss = _who(rt, "admin")
    entry = _add(rt, "so_x", "Sở X", "ubnd_tinh")
    user = admin.create_user(rt, boss, "giamdoc_x", admin.UserChange("Giám đốc Sở X", frozenset({"resolver"}), "so_x",
                                                                       True, "matkhau-dai"))
    with pytest.raises(Conflict, match="1 người dùng còn gắn với cơ quan này"):
        organisations.delete_organisation(rt, boss, entry)
    with pytest.raises(Conflict, match="Còn 1 người dùng đang hoạt động"):
        organisations.update_organisation(rt, boss, entry, OrganisationChange("Sở X", "ubnd_tinh", None, date(2021, 3, 1)))
    child = _add(rt, "phong_x1", "Phòng thuộc Sở X", "so_x")
    admin.update_user(rt, boss, user.user_id, admin.UserChange("Giám đốc Sở X", frozenset({"resolver"}), None, True))
    with pytest.raises(Conflict, match="1 cơ quan trực thuộc"):
        organisations.update_organisation(rt, boss, entry, OrganisationChange("Sở X", "ubnd_tinh", None, date(2021, 3, 1)))
    organisations.update_organisation(rt, boss, child, OrganisationChange("Phòng thuộc Sở X", "so_x", None,
                                                                          date(2021, 2, 28)))
    organisations.update_organisation(rt, boss, entry, OrganisationChange("Sở X", "ubnd_tinh", None, date(2021, 3, 1)))
    with pytest.raises(Conflict):  # ended, still referred to by the child and the user's log: kept
        organisations.delete_organisation(rt, boss, entry)
    unused = _add(rt, "nham", "Nhập nhầm")
    organisations.delete_organisation(rt, boss, unused)
    assert "nham" not in organisations.names(rt)
    assert _log(rt, "organisation_deleted")[-1]["code"] == "nham"


def test_a_case_of_an_organisation_keeps_it_from_deletion(rt: Runtime) -> None:
    case = cases.start_case(rt, _who(rt, "reception"), "complaint_second_level", petition(1)).instance
    entry = _add(rt, "so_y", "Sở Y")
    with rt.db.writing() as session:  # as the DMN would route a department's case
        session.execute(update(Instance).where(Instance.id == case.id).values(organisation="so_y"))
    with pytest.raises(Conflict, match="1 hồ sơ"):
        organisations.delete_organisation(rt, _who(rt, "admin"), entry)


def test_users_are_given_only_current_entries_and_keep_one_that_ended(rt: Runtime, clock: FrozenClock) -> None:
    boss = _who(rt, "admin")
    _add(rt, "so_cu", "Sở cũ", valid_to=date(2021, 6, 30))
    _add(rt, "so_moi", "Sở mới", valid_from=date(2021, 7, 1))
    change = admin.UserChange("Giám đốc", frozenset({"resolver"}), "so_cu", True, "matkhau-dai")
    user = admin.create_user(rt, boss, "giamdoc_cu", change)
    for code, message in (("so_moi", "không còn (hoặc chưa) hoạt động"), ("khong_co", "Chọn cơ quan trong danh mục"),
                          ("x\x00", "ký tự điều khiển")):
        with pytest.raises(InvalidInput) as refused:
            admin.create_user(rt, boss, "giamdoc_2", admin.UserChange("Giám đốc", frozenset({"resolver"}), code, True,
                                                                      "matkhau-dai"))
        assert message in refused.value.fields["organisation"]
    clock.set(vn(2021, 7, 5))
    admin.update_user(rt, boss, user.user_id, admin.UserChange("Giám đốc Sở cũ", frozenset({"resolver"}), "so_cu", True))
    assert dict(organisations.choices(rt, keep="so_cu"))["so_cu"] == "Sở cũ (đã kết thúc)"
    assert "so_cu" not in dict(organisations.choices(rt))
    admin.update_user(rt, boss, user.user_id, admin.UserChange("Giám đốc Sở mới", frozenset({"resolver"}), "so_moi",
                                                               True))
    with pytest.raises(InvalidInput):
        admin.update_user(rt, boss, user.user_id, admin.UserChange("Giám đốc", frozenset({"resolver"}), "so_cu", True))


def test_a_plans_units_must_be_current_entries(rt: Runtime) -> None:
    inspectorate = _who(rt, "inspectorate")
    _add(rt, "da_ket_thuc", "UBND huyện đã giải thể", valid_to=date(2021, 1, 31))
    data = plan()
    data["units"] = [{**data["units"][0], "organisation": "khong_co"},
                     {**data["units"][0], "code": "U02", "organisation": "da_ket_thuc"},
                     {**data["units"][0], "code": "U03", "organisation": "unit-03"}]
    with pytest.raises(FormValidationError) as refused:
        cases.start_case(rt, inspectorate, "na_session_reception", data)
    assert refused.value.fields == {
        "units.0.organisation": "Chọn cơ quan trong danh mục cơ quan.",
        "units.1.organisation": "Cơ quan «UBND huyện đã giải thể» không còn (hoặc chưa) hoạt động ở thời điểm này."}
    data["units"] = data["units"][2:]
    assert cases.start_case(rt, inspectorate, "na_session_reception", data).instance.case_number == "TCD-2021-000001"


def test_the_start_form_offers_the_current_entries_by_name(rt: Runtime) -> None:

    spec = cases.start_form(rt, _who(rt, "inspectorate"), "na_session_reception")
    options = spec.schema["properties"]["units"]["items"]["properties"]["organisation"]["oneOf"]
    titles = {o["const"]: o["title"] for o in options}
    assert titles["ubnd_tinh"] == "UBND tỉnh" and titles["so_tai_chinh"] == "Sở Tài chính"
    assert titles["ubnd_h_chu_prong"] == "UBND huyện Chư Prông"  # 2021: the districts still exist
    assert "so_nong_nghiep_moi_truong" not in titles  # from 01/03/2025 only
    assert [o["const"] for o in options].index("ubnd_tinh") < [o["const"] for o in options].index("thanh_tra_tinh")


def test_codes_in_use_get_an_entry_named_after_them_at_setup(rt: Runtime) -> None:
    users.create_user(rt, "truongphong", "Trưởng phòng", "pw", ["resolver"], "Phòng Tiếp dân huyện")
    assert organisation_seed.adopt_used(rt) == ["Phòng Tiếp dân huyện"]
    assert organisation_seed.adopt_used(rt) == []
    assert organisations.names(rt)["Phòng Tiếp dân huyện"] == "Phòng Tiếp dân huyện"
    assert _log(rt, "organisation_created")[-1]["actor"] == "setup"


def test_the_catalogue_reaches_the_spreadsheet_as_text_never_as_a_formula(rt: Runtime) -> None:
    organisation_seed.ensure(rt, [Seed("=cmd|' /C calc'!A0", "=cmd|' /C calc'!A0"),  # a legacy value, unchecked
                                  Seed("so_z", "@SUM(A1)", None, date(2020, 1, 1))])
    book = load_workbook(io.BytesIO(organisations.workbook(rt, _who(rt, "admin"))))
    sheet = book["Danh mục cơ quan"]
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and c.value[:1] in "=@"]
    assert {c.value for c in cells} == {"=cmd|' /C calc'!A0", "@SUM(A1)"}
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "so_z")
    assert row[3].date() == date(2020, 1, 1) and row[5] == "Đang hoạt động"


def test_the_display_helper_names_and_never_invents() -> None:
    names = {"ubnd_tinh": "UBND tỉnh"}
    assert organisations.display_name(names, "ubnd_tinh") == "UBND tỉnh"
    assert organisations.display_name(names, "Sở Nông nghiệp và PTNT") == "Sở Nông nghiệp và PTNT"  # typed text
    assert organisations.display_name(names, None) == ""


def test_the_cli_creates_a_user_only_for_a_current_entry(app: Flask, rt: Runtime) -> None:
    runner = app.test_cli_runner()
    base = ["create-user", "truong_phong", "--name", "Trưởng phòng", "--role", "resolver", "--password", "matkhau-dai"]
    refused = runner.invoke(args=[*base, "--organisation", "khong_co"])
    assert refused.exit_code == 1 and "Chọn cơ quan trong danh mục." in refused.output
    made = runner.invoke(args=[*base, "--organisation", "so_tu_phap"])
    assert made.exit_code == 0, made.output
    assert users.authenticate_password(rt, "truong_phong", "matkhau-dai").organisation == "so_tu_phap"
