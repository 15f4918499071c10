"""The auditor's search and the deadlines report return exactly what the record holds, within the auditor's scope."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from app.clock import FrozenClock, local_date
from app.persistence import queries
from app.persistence.models import AccountEvent, AuditEvent, Instance
from app.services import cases, tasks, users
from app.services.casefile import payload
from app.services.runtime import Runtime
from tests import cases as payloads
from tests.conftest import basic, vn
from tests.web.helpers import sign_in

ORG_A, ORG_B = "Sở Tài chính", "Sở Nông nghiệp và PTNT"
PASSWORD = "matkhau-123"
FORMULA = "=HYPERLINK(\"http://x\",\"bấm\")"


@dataclass(frozen=True)
class World:
    a1: int  # ORG_A, accepted on time (01/03)
    a2: int  # ORG_A, never accepted: its acceptance deadline (03/03) still running past due
    b1: int  # ORG_B, accepted late (10/03, 7 days) by an officer whose name starts with «=»
    p1: int  # province-level, not accepted, late (05/03, 2 days)


def _start(rt: Runtime, department: str | None) -> int:
    reception = users.authenticate_password(rt, "reception", "demo")
    if department is None:
        petition = payloads.petition()
    else:
        first = {**payloads.petition()["first_decision"], "issuer_level": "department_unit_head",
                 "issuer": "Chi cục trưởng", "department": department}
        petition = payloads.petition(first_decision=first, submitted_to="department_head")
    return cases.start_case(rt, reception, "complaint_second_level", petition).instance.id


def _do(rt: Runtime, who: str, instance_id: int, data: dict[str, Any], password: str = "demo") -> None:
    officer = users.authenticate_password(rt, who, password)
    auditor = users.authenticate_password(rt, "auditor", "demo")
    task = cases.get_case(rt, auditor, instance_id).tasks[0]
    tasks.complete_task(rt, officer, task.id, data)


def _world(rt: Runtime, clock: FrozenClock) -> World:
    clock.set(vn(2021, 2, 17))
    a1, a2, b1, p1 = _start(rt, ORG_A), _start(rt, ORG_A), _start(rt, ORG_B), _start(rt, None)
    users.create_user(rt, "resolver2", FORMULA, PASSWORD, ["resolver"])
    users.create_user(rt, "auditor_a", "Kiểm tra viên Sở Tài chính", PASSWORD, ["auditor"], ORG_A)
    _do(rt, "resolver", a1, payloads.acceptance(issued_on="2021-03-01"))
    _do(rt, "resolver", p1, payloads.rejection(6, "filed_in_time_with_right_authority", "Quá hạn.", "2021-03-05"))
    _do(rt, "resolver2", b1, payloads.acceptance(issued_on="2021-03-10"), PASSWORD)
    return World(a1, a2, b1, p1)


@pytest.fixture
def world(rt: Runtime, clock: FrozenClock) -> World:
    return _world(rt, clock)


def _events(rt: Runtime) -> list[AuditEvent]:
    with rt.db.reading() as session:
        return list(session.scalars(select(AuditEvent)))


def _organisations(rt: Runtime) -> dict[int, str | None]:
    with rt.db.reading() as session:
        return {row.id: row.organisation for row in session.execute(select(Instance.id, Instance.organisation))}


def _all(client: FlaskClient, query: str, user: str = "auditor", password: str = "demo",
         per_page: int = 200) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        response = client.get(f"/api/audit/events?{query}&per_page={per_page}&page={page}", headers=basic(user, password))
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        items += body["items"]
        if page * per_page >= body["total"]:
            assert len(items) == body["total"]
            return items
        page += 1


def _keys(items: list[dict[str, Any]]) -> set[tuple[int, int]]:
    return {(i["instance_id"], i["seq"]) for i in items if i["source"] == "case"}


def test_each_filter_returns_exactly_the_matching_events(client: FlaskClient, rt: Runtime, world: World) -> None:
    events = _events(rt)
    orgs = _organisations(rt)
    by_resolver = _all(client, "actor=resolver")
    assert _keys(by_resolver) == {(e.instance_id, e.seq) for e in events if e.actor == "resolver"}
    assert all(i["actor"] == "resolver" and i["actor_name"] for i in by_resolver)
    in_a = _all(client, f"organisation={ORG_A}")
    assert _keys(in_a) == {(e.instance_id, e.seq) for e in events if orgs[e.instance_id] == ORG_A}
    assert all(i["source"] == "case" for i in in_a), "a case filter leaves the account log out"
    one_case = _all(client, f"case={world.p1}")
    assert _keys(one_case) == {(e.instance_id, e.seq) for e in events if e.instance_id == world.p1}
    assert {i["process_name"] for i in one_case} == {"Giải quyết khiếu nại lần hai"}
    day = _all(client, "from=2021-03-05&to=2021-03-05")
    assert _keys(day) == {(e.instance_id, e.seq) for e in events if local_date(e.at) == date(2021, 3, 5)}
    with rt.db.reading() as session:
        accounts = [e for e in session.scalars(select(AccountEvent)) if local_date(e.at) == date(2021, 3, 5)]
    assert len([i for i in day if i["source"] == "account"]) == len(accounts)


def test_kinds_of_act_are_the_procedures_steps_and_the_generic_actions(client: FlaskClient, world: World) -> None:
    accepted = _all(client, "action=accepted")
    assert {(i["instance_id"], i["step"]) for i in accepted} == {
        (world.a1, "Xem xét thụ lý đơn khiếu nại"), (world.b1, "Xem xét thụ lý đơn khiếu nại")}
    rejected = _all(client, "action=rejected")
    assert [i["instance_id"] for i in rejected] == [world.p1]
    assert {"Thụ lý giải quyết", "Lý do không thụ lý", "Kết quả"} <= set(rejected[0]["fields"])  # the forms' titles
    assert not any("_" in f for f in rejected[0]["fields"]), rejected[0]["fields"]
    registered = _all(client, "action=registered")
    assert {i["instance_id"] for i in registered} == {world.a1, world.a2, world.b1, world.p1}
    assert {i["label"] for i in registered} == {"Tạo hồ sơ"}
    combined = _all(client, f"actor=resolver2&action=accepted&organisation={ORG_B}&from=2021-03-10&to=2021-03-10")
    assert [i["instance_id"] for i in combined] == [world.b1]
    assert _all(client, f"actor=resolver2&action=accepted&organisation={ORG_A}") == []
    signins = _all(client, "action=sign_in")
    assert all(i["source"] == "account" for i in signins)


def test_pages_are_newest_first_and_together_the_whole_result(client: FlaskClient, rt: Runtime, world: World) -> None:
    whole = _all(client, "organisation=" + ORG_A)
    paged = _all(client, "organisation=" + ORG_A, per_page=2)
    assert [(i["instance_id"], i["seq"]) for i in paged] == [(i["instance_id"], i["seq"]) for i in whole]
    assert paged == whole and len(whole) > 4
    moments = [i["at"] for i in whole]
    assert moments == sorted(moments, reverse=True)
    beyond = client.get("/api/audit/events?page=999&per_page=3", headers=basic("auditor")).get_json()
    assert beyond["items"] == [] and beyond["total"] > 0


def test_an_auditor_of_one_organisation_sees_nothing_of_another(client: FlaskClient, rt: Runtime, world: World) -> None:
    orgs = _organisations(rt)
    seen = _all(client, "", "auditor_a", PASSWORD)
    assert _keys(seen) == {(e.instance_id, e.seq) for e in _events(rt) if orgs[e.instance_id] == ORG_A}
    assert _all(client, f"case={world.b1}", "auditor_a", PASSWORD) == []
    assert _all(client, f"organisation={ORG_B}", "auditor_a", PASSWORD) == []
    report = client.get("/api/audit/deadlines", headers=basic("auditor_a", PASSWORD)).get_json()
    assert report["late"] == [] and [r["instance_id"] for r in report["running"]] == [world.a2]


@pytest.mark.parametrize("user", ["reception", "resolver", "verifier", "clerk", "unit_head", "analyst", "admin"])
def test_other_roles_are_refused_alike_on_the_api_and_the_pages(client: FlaskClient, world: World, user: str) -> None:
    for path in ("/api/audit/events", "/api/audit/deadlines", "/api/audit/deadlines.xlsx"):
        answer = client.get(path, headers=basic(user))
        assert answer.status_code == 403 and answer.get_json()["error"] == "forbidden", path
    sign_in(client, user)
    for path in ("/audit", "/audit/deadlines", "/audit/deadlines.xlsx"):
        page = client.get(path)
        assert page.status_code == 403 and "Thanh tra tỉnh và kiểm tra, giám sát" in page.get_data(as_text=True)
    assert "Kiểm tra</a>" not in client.get("/inbox").get_data(as_text=True)


@pytest.mark.parametrize("query", [
    "case=99999999999999", "case=-1", "case=0", "case=%D9%A1%D9%A2", "case=1e3", "page=-5", "per_page=100000",
    "from=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%91-01-01", "from=2021-02-30", "from=1900-01-01", "to=9999-12-31",
    "from=2021-03-10&to=2021-03-01", "actor=%00", "actor=a%07b", "organisation=%01", "action=nope",
    "action=%E2%80%AEaccepted", "process=DROP%20TABLE", "from=21-3-2021",
])
def test_hostile_queries_are_a_clear_4xx_never_a_500(client: FlaskClient, world: World, query: str) -> None:
    answer = client.get(f"/api/audit/events?{query}", headers=basic("auditor"))
    assert 400 <= answer.status_code < 500, (query, answer.status_code)
    assert answer.get_json()["message"], query
    report = client.get(f"/api/audit/deadlines?{query}", headers=basic("auditor"))
    assert report.status_code in {200} | set(range(400, 500)), (query, report.status_code)


def test_the_page_keeps_what_was_typed_and_says_what_is_wrong(client: FlaskClient, world: World) -> None:
    sign_in(client, "auditor")
    page = client.get("/audit?from=31/02/2021&to=%D9%A1/03/2021&case=KN2")
    text = page.get_data(as_text=True)
    assert page.status_code == 400
    assert 'value="31/02/2021"' in text and 'value="KN2"' in text and "Ngày phải có dạng ngày/tháng/năm" in text
    assert client.get("/audit?from=01/01/1900").status_code == 400
    assert client.get("/audit?page=%D9%A1").status_code == 400  # a page number the API refuses, as the API does
    assert client.get("/audit?case=%00").status_code == 400


def test_the_page_names_rows_for_an_auditor_and_links_to_that_moment(client: FlaskClient, rt: Runtime,
                                                                     world: World) -> None:
    sign_in(client, "auditor")
    text = client.get("/audit?action=rejected").get_data(as_text=True)
    with rt.db.reading() as session:
        number = queries.case_numbers(session, [world.p1])[world.p1]
        seq = session.scalar(select(AuditEvent.seq).where(AuditEvent.instance_id == world.p1,
                                                          AuditEvent.action == "task_completed"))
    assert f'/cases/{world.p1}#event-{seq}">{number}</a>' in text
    assert "Xem xét thụ lý đơn khiếu nại" in text and "Hoàn thành bước" in text
    assert "task_completed" not in text and "review_acceptance" not in text and "None" not in text
    assert f'id="event-{seq}"' in client.get(f"/cases/{world.p1}").get_data(as_text=True)


def test_the_late_acts_report_equals_what_the_events_say(client: FlaskClient, rt: Runtime, clock: FrozenClock,
                                                         world: World) -> None:
    # independently: each case's acceptance deadline as its registration recorded it, and the day the step was done
    expected = {}
    for instance_id in (world.a1, world.a2, world.b1, world.p1):
        events = [e for e in _events(rt) if e.instance_id == instance_id]
        due = date.fromisoformat(payload(events[0].data)["changes"]["set"]["acceptance_deadline"])
        for e in events:
            if e.action == "task_completed" and e.bpmn_id == "review_acceptance" and local_date(e.at) > due:
                expected[instance_id] = (local_date(e.at) - due).days
    assert expected == {world.b1: 7, world.p1: 2}
    report = client.get("/api/audit/deadlines", headers=basic("auditor")).get_json()
    assert {a["instance_id"]: a["days_late"] for a in report["late"]} == expected
    assert [(f["count"], f["max_days"], f["total_days"]) for f in report["by_step"]] == [(2, 7, 9)]
    with rt.db.reading() as session:
        resolver = queries.user_names(session, ["resolver"])["resolver"]
    assert {f["label"]: f["count"] for f in report["by_officer"]} == {FORMULA: 1, resolver: 1}
    assert {f["key"]: f["count"] for f in report["by_organisation"]} == {ORG_B: 1, _organisations(rt)[world.p1]: 1}
    assert [(r["instance_id"], r["days_late"]) for r in report["running"]] == [(world.a2, 7)]
    period = client.get("/api/audit/deadlines?from=2021-03-06&to=2021-03-31", headers=basic("auditor")).get_json()
    assert [a["instance_id"] for a in period["late"]] == [world.b1]
    drill = client.get("/api/audit/deadlines?actor=resolver2", headers=basic("auditor")).get_json()
    assert [a["instance_id"] for a in drill["late"]] == [world.b1]
    sign_in(client, "inspectorate")
    page = client.get("/audit/deadlines").get_data(as_text=True)
    assert "7 ngày" in page and "Xem xét thụ lý đơn khiếu nại" in page and "?step=review_acceptance" in page


def test_the_workbook_keeps_text_as_text(client: FlaskClient, world: World) -> None:
    answer = client.get("/api/audit/deadlines.xlsx", headers=basic("auditor"))
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.data))
    sheet = book["Làm sau thời hạn"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == FORMULA]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert not any(c.data_type == "f" for s in book.worksheets for row in s.iter_rows() for c in row)
    summary = [c.value for row in book["Tổng hợp"].iter_rows() for c in row if isinstance(c.value, str)]
    assert FORMULA in summary


def test_a_case_change_names_the_fields_by_the_forms_titles(app: Flask, client: FlaskClient, world: World) -> None:
    registered = _all(client, f"action=registered&case={world.a1}")
    assert registered[0]["fields"] and "Người khiếu nại" in registered[0]["fields"]
    assert not any("_" in f for f in registered[0]["fields"])


def test_every_act_a_procedure_declares_names_a_step_and_a_kind_that_exist() -> None:
    from pathlib import Path

    from app.engine import compile_process
    from app.procedures import complaint_second_level
    from app.services.audit_search import KINDS
    from app.services.deploy import read_sources

    root = Path(__file__).resolve().parents[2]
    process = compile_process(complaint_second_level.PROCESS_ID,
                              read_sources(root / "processes", root / "forms", complaint_second_level.PROCESS_ID))
    for kind, matches in complaint_second_level.ACTS.items():
        assert kind in KINDS, kind
        for match in matches:
            assert match.step is None or match.step in process.user_tasks, match
            assert match.step is not None or match.data_contains, "a letter is told apart by its JSON"


def test_the_deadlines_page_keeps_a_wrong_date_and_the_openapi_lists_the_kinds(client: FlaskClient,
                                                                                 world: World) -> None:
    sign_in(client, "auditor")
    page = client.get("/audit/deadlines?from=32/01/2021")
    assert page.status_code == 400 and 'value="32/01/2021"' in page.get_data(as_text=True)
    assert client.get("/audit/deadlines.xlsx?to=%D9%A1%D9%A2/01/2021").status_code == 400
    spec = client.get("/api/openapi.json").get_json()
    assert {"/api/audit/events", "/api/audit/deadlines", "/api/audit/deadlines.xlsx"} <= set(spec["paths"])
    described = json.dumps(spec["paths"]["/api/audit/events"], ensure_ascii=False)
    assert "accepted: Thụ lý" in described and "document_issued: Ban hành văn bản" in described
