"""The register page and its entry form as NĐ154/2026 Mẫu số 03/TCD asks, on SQLite and PostgreSQL.

The page prints every column of the form (ID number, guided to with the guidance letter, the
receiving body with the transfer letter, the follow-up) and a refusal's ground and notice, all in
Vietnamese: no code, no snake_case, no ISO date in what an officer reads. The entry form takes the
new parts and puts a refusal beside the field it concerns; a role that keeps no register is refused
and nothing changes.
"""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.clock import FrozenClock
from app.persistence.models import AuditEvent, ReceptionRecord
from app.procedures.na_session_reception import register
from app.services.runtime import Runtime
from tests.services.test_reception_plan import person, record
from tests.services.test_register_law import complaint_record, on, start_plan, who
from tests.web.helpers import post, sign_in
from tests.web.test_plan_pages import _entry_posted


def _visible(page: str) -> str:
    """The text an officer reads: scripts, tags and attribute values left out."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _counts(rt: Runtime) -> tuple[int, int]:
    with rt.db.reading() as session:
        return (session.scalar(select(func.count()).select_from(ReceptionRecord)) or 0,
                session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def _register_of_one_day(rt: Runtime, clock: FrozenClock) -> int:
    plan = start_plan(rt, clock, reception_start="2021-03-22", reception_end="2021-04-07")
    on(clock, "2021-03-24")
    reception = who(rt, "reception")
    entries: list[dict[str, Any]] = [
        record(handling="guided", persons=[{**person("Lê Văn C"), "id_number": "064012345678"}],
               guided_to={"body": "UBND huyện Chư Prông", "letter_number": "12/HD-TCD"},
               follow_up="UBND huyện đã trả lời ngày 02/04/2021.", handling_note="Công dân đồng ý"),
        record("denunciation", handling="transferred",
               transferred_to={"body": "Thanh tra tỉnh Gia Lai", "letter_number": "15/CĐ-TCD"}),
        record("complaint", handling="refused", protracted=True,
               refusal={"ground": "protracted", "notice": {"number": "03/TB-TCD", "issued_on": "2021-03-10"}}),
        complaint_record("district_chair"),
    ]
    for entry in entries:
        register.add_record(rt, reception, plan, "2021-03-24", entry)
    return plan


def test_the_register_page_prints_the_columns_of_mau_03_tcd_in_vietnamese(client: FlaskClient, rt: Runtime,
                                                                          clock: FrozenClock) -> None:
    plan = _register_of_one_day(rt, clock)
    sign_in(client, "auditor")
    page = client.get(f"/plans/{plan}/register").get_data(as_text=True)
    table = page.split('<table class="register">')[1].split("</table>")[0]
    headings = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', table)
    assert headings == ["STT", "Ngày tiếp", "Họ tên, địa chỉ", "Số CCCD/CMND/Hộ chiếu", "Nội dung vụ việc",
                        "Phân loại", "Số người cùng nội dung", "Cơ quan đã giải quyết", "Thuộc thẩm quyền",
                        "Cách xử lý", "Hướng dẫn đến cơ quan có thẩm quyền", "Cơ quan, đơn vị thụ lý", "Từ chối tiếp",
                        "Theo dõi kết quả giải quyết", "Ghi chú", "Hồ sơ"]
    rows = {r.sequence: _visible(page.split(f'id="record-{r.id}"')[1].split("</tr>")[0])
            for r in register.list_records(rt, who(rt, "auditor"), plan)}
    assert "064012345678" in rows[1] and "24/03/2021" in rows[1]
    assert "UBND huyện Chư Prông (văn bản hướng dẫn số 12/HD-TCD)" in rows[1]
    assert "UBND huyện đã trả lời ngày 02/04/2021." in rows[1] and "Công dân đồng ý" in rows[1]
    assert "Thanh tra tỉnh Gia Lai (văn bản chuyển đơn số 15/CĐ-TCD)" in rows[2]
    assert "cố tình khiếu nại, tố cáo kéo dài (khoản 3 Điều 9 Luật Tiếp công dân)" in rows[3]
    assert "Thông báo số 03/TB-TCD ngày 10/03/2021" in rows[3]
    assert re.search(r"KN2-2021-\d{6}", rows[4]) and "Thuộc thẩm quyền" in rows[4]
    text = _visible(page)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text), re.findall(r".{30}\d{4}-\d{2}-\d{2}.{10}", text)
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), re.findall(r"\b[a-z]+_[a-z_]+\b", text)
    for code in ("guided", "transferred", "refused", "protracted", "open_case", "complaint", "petition"):
        assert not re.search(rf"\b{code}\b", text), code
    assert "Kỳ họp từ 24/03/2021 đến 07/04/2021 · tiếp công dân từ 22/03/2021 đến 07/04/2021" in text
    dashboard = _visible(client.get(f"/plans/{plan}").get_data(as_text=True))
    assert "Kỳ họp từ 24/03/2021" in dashboard and not re.search(r"\d{4}-\d{2}-\d{2}", dashboard)


def test_a_refusal_entered_on_the_page_without_its_notice_comes_back_beside_that_field(
        client: FlaskClient, rt: Runtime, clock: FrozenClock) -> None:
    plan = start_plan(rt, clock)
    on(clock, "2021-03-25")
    sign_in(client, "reception")
    form = client.get(f"/plans/{plan}/register/new").get_data(as_text=True)
    for name in ("guided_to.body", "guided_to.letter_number", "transferred_to.letter_number", "refusal.ground",
                 "refusal.notice.number", "refusal.notice.issued_on", "follow_up",
                 "complaint.first_decision.department", "complaint.dossier.petition_signature"):
        assert f'name="{name}"' in form, name
    before = _counts(rt)
    refusal = record("complaint", handling="refused", refusal={"ground": "protracted"})
    response = post(client, f"/plans/{plan}/register/new", _entry_posted(rt, plan, "2021-03-25", refusal))
    assert response.status_code == 422
    assert 'id="f-refusal-notice-error">Chưa nhập «Thông báo từ chối tiếp công dân».</p>' in response.get_data(as_text=True)
    assert _counts(rt) == before
    refusal["refusal"]["notice"] = {"number": "03/TB-TCD", "issued_on": "2021-03-25"}
    saved = post(client, f"/plans/{plan}/register/new", _entry_posted(rt, plan, "2021-03-25", refusal))
    assert saved.status_code == 302, re.findall(r'class="field-error"[^>]*>([^<]+)<', saved.get_data(as_text=True))
    (row,) = register.list_records(rt, who(rt, "auditor"), plan)
    assert row.details["refusal"] == refusal["refusal"]


def test_a_case_opened_from_the_page_asks_the_officer_each_dossier_fact(client: FlaskClient, rt: Runtime,
                                                                        clock: FrozenClock) -> None:
    plan = start_plan(rt, clock)
    on(clock, "2021-03-25")
    sign_in(client, "reception")
    entry = complaint_record("department_unit_head", department="Sở Tài chính")
    del entry["complaint"]["dossier"]["first_decision_copy"]  # the radio left unanswered
    response = post(client, f"/plans/{plan}/register/new", _entry_posted(rt, plan, "2021-03-25", entry))
    assert response.status_code == 422 and register.list_records(rt, who(rt, "auditor"), plan) == []
    assert "Chưa nhập «Bản sao quyết định lần đầu»." in response.get_data(as_text=True)
    entry["complaint"]["dossier"]["first_decision_copy"] = False  # answered «no»: the case opens, without the copy
    saved = post(client, f"/plans/{plan}/register/new", _entry_posted(rt, plan, "2021-03-25", entry))
    assert saved.status_code == 302
    (row,) = register.list_records(rt, who(rt, "auditor"), plan)
    assert row.case_instance_id is not None and row.details["complaint"]["dossier"]["first_decision_copy"] is False


def test_a_role_that_keeps_no_register_is_refused_on_the_page_and_control_characters_on_the_field(
        client: FlaskClient, rt: Runtime, clock: FrozenClock) -> None:
    plan = start_plan(rt, clock)
    on(clock, "2021-03-25")
    sign_in(client, "reception")
    good = _entry_posted(rt, plan, "2021-03-25", record(handling="guided"))
    before = _counts(rt)
    for user, path, status in (("unit_head", "/register/new", 403), ("verifier", "/register", 403),
                               ("resolver", "/register/new", 403)):
        sign_in(client, user)
        assert client.get(f"/plans/{plan}{path}").status_code == status, (user, path)
        assert post(client, f"/plans/{plan}/register/new", good).status_code in {403, 400}, user
    sign_in(client, "reception")
    for field, value in (("content", "Nội dung\x00ẩn"), ("guided_to.body", "UBND\x1b[2J"),
                         ("guided_to.letter_number", "1\x07")):
        response = post(client, f"/plans/{plan}/register/new", {**good, field: value})
        assert response.status_code == 422, (field, response.status_code)
        assert f'id="f-{field.replace(".", "-")}-error">' in response.get_data(as_text=True), field
    assert _counts(rt) == before
    assert post(client, f"/plans/{plan}/register/new", good).status_code == 302  # the same record, clean
    assert date(2021, 3, 25) == register.list_records(rt, who(rt, "auditor"), plan)[0].received_on
