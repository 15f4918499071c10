"""The reception register and plan against the law (rules.md §7), through the services, on SQLite and PostgreSQL.

One vocabulary with the petition (the record decides where the case goes); nothing the officer did
not check is written into the case; Mẫu 03/TCD's guidance, transfer and follow-up; a refusal to
receive only on a ground the law of the day lists, with its notice where the law asks for one; the
plan's own reception window, before and during the session; each central-office notice paired with
its own outcome. Every rule has the record it refuses and the nearest record it lets through.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.clock import FrozenClock
from app.errors import FormValidationError
from app.procedures.na_session_reception import plans, register, reports
from app.procedures.na_session_reception.register_rules import COMPETENT_AUTHORITY
from app.services import cases, tasks, timers
from app.services.deploy import deploy, read_sources
from app.services.runtime import Runtime
from app.services.users import authenticate_password
from tests.conftest import vn
from tests.services.test_reception_plan import dossier, group_complaint, person, record

ROOT = Path(__file__).resolve().parents[2]
REGISTER_FORM = ROOT / "forms/na_session_reception/record_reception_day.schema.json"
PETITION_FORM = ROOT / "forms/complaint_second_level/register_petition.schema.json"
UNITS = [{"code": "U01", "name": "UBND huyện Chư Prông", "kind": "district", "organisation": "chu-prong"},
         {"code": "U02", "name": "UBND thành phố Pleiku", "kind": "district", "organisation": "pleiku"}]
SESSION_2021 = {"session_name": "Kỳ họp thứ 11, Quốc hội khóa XIV", "window_start": "2021-03-24",
                "window_end": "2021-04-07", "reception_start": "2021-03-24", "reception_end": "2021-04-07",
                "receive_on_weekends": False, "reception_office": "Trụ sở Tiếp công dân tỉnh Gia Lai", "units": UNITS,
                "documents": [{"number": "930/UBND-TD", "issued_on": "2021-03-22", "title": "Về việc tiếp công dân"}]}
# A 2026 session (dates of our own), reception opening a week before it: NĐ154/2026 applies.
SESSION_2026 = {**SESSION_2021, "session_name": "Kỳ họp thứ hai, Quốc hội khóa XVI", "window_start": "2026-10-20",
                "window_end": "2026-11-27", "reception_start": "2026-10-12", "reception_end": "2026-11-27",
                "documents": [{"number": "1250/UBND-TD", "issued_on": "2026-10-01", "title": "Về việc tiếp công dân"}]}


def who(rt: Runtime, name: str) -> Any:
    return authenticate_password(rt, name, "demo")


def start_plan(rt: Runtime, clock: FrozenClock, start: dict[str, Any] | None = None, **changes: Any) -> int:
    """A plan started by the inspectorate two days before its window (or its reception) opens."""
    data = {**(start or SESSION_2021), **changes}
    first = min(data["window_start"], data.get("reception_start") or data["window_start"])
    clock.set(vn(*date.fromisoformat(first).timetuple()[:3]) - timedelta(days=2))
    return cases.start_case(rt, who(rt, "inspectorate"), "na_session_reception", data).instance.id


def on(clock: FrozenClock, day: str) -> None:
    d = date.fromisoformat(day)
    clock.set(vn(d.year, d.month, d.day, 15))


def complaint_record(level: str, people: int = 1, **first: Any) -> dict[str, Any]:
    """A second-level complaint the desk opens a case for, against a first decision of ``level``."""
    entry = group_complaint() if people >= 5 else record(
        "complaint", handling="open_case", second_level=True, within_competence=True,
        persons=[person("Nguyễn Văn A")], content="Khiếu nại quyết định giải quyết lần đầu về giá đất bồi thường.",
        complaint={**group_complaint()["complaint"], "dossier": dossier(1)})
    entry["complaint"]["first_decision"].update(issuer_level=level, **first)
    return entry


# -- one vocabulary ---------------------------------------------------------------------------------

def _schema(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _register_complaint() -> dict[str, Any]:
    items = _schema(REGISTER_FORM)["properties"]["reception_day"]["properties"]["records"]["items"]
    complaint: dict[str, Any] = items["properties"]["complaint"]
    return complaint


def _choices(schema: dict[str, Any]) -> list[tuple[str, str]]:
    return [(o["const"], o["title"]) for o in schema["oneOf"]]


def _department_rule(first_decision: dict[str, Any]) -> list[Any]:
    return [rule for rule in first_decision.get("allOf", []) if "department" in json.dumps(rule.get("then", {}))]


def test_the_register_offers_exactly_the_issuer_levels_the_petition_accepts_with_the_same_titles() -> None:
    register_first = _register_complaint()["properties"]["first_decision"]
    petition_first = _schema(PETITION_FORM)["properties"]["first_decision"]
    assert _choices(register_first["properties"]["issuer_level"]) == _choices(petition_first["properties"]["issuer_level"])
    assert _department_rule(register_first) == _department_rule(petition_first) != []  # the department, same rule
    assert register_first["properties"]["department"]["title"] == petition_first["properties"]["department"]["title"]


def test_the_register_sends_cases_to_every_authority_the_petition_accepts_and_to_no_other() -> None:
    levels = {const for const, _ in _choices(_register_complaint()["properties"]["first_decision"]["properties"]
                                             ["issuer_level"])}
    authorities = {const for const, _ in _choices(_schema(PETITION_FORM)["properties"]["submitted_to"])}
    assert set(COMPETENT_AUTHORITY) == levels - {"other"}  # «Khác» is refused (tested below), every other level opens
    assert set(COMPETENT_AUTHORITY.values()) == authorities


def test_the_dossier_the_officer_checks_at_the_desk_is_the_petitions_own_dossier() -> None:
    register_dossier = _register_complaint()["properties"]["dossier"]["properties"]
    petition_dossier = _schema(PETITION_FORM)["properties"]["dossier"]["properties"]
    assert set(register_dossier) == set(petition_dossier) - {"evidence"}
    assert {k: v["title"] for k, v in register_dossier.items()} == {k: petition_dossier[k]["title"] for k in register_dossier}
    assert _choices(register_dossier["petition_signature"]) == _choices(petition_dossier["petition_signature"])
    assert all("default" not in v for v in register_dossier.values())  # the officer answers; nothing is pre-ticked


# -- the record decides where the case goes --------------------------------------------------------

@pytest.mark.parametrize("level", ["district_chair", "department_head", "department_unit_head"])
def test_a_record_opens_a_case_addressed_to_the_authority_its_issuer_level_names(rt: Runtime, clock: FrozenClock,
                                                                                 level: str) -> None:
    plan = start_plan(rt, clock)
    on(clock, "2021-03-24")
    department = {"department": "Sở Tài nguyên và Môi trường"} if level == "department_unit_head" else {}
    row = register.add_record(rt, who(rt, "reception"), plan, "2021-03-24", complaint_record(level, **department))
    assert row.case_instance_id is not None
    case = cases.get_case(rt, who(rt, "auditor"), row.case_instance_id)
    assert case.data["submitted_to"] == case.data["competent_authority"] == COMPETENT_AUTHORITY[level]
    assert [t.bpmn_id for t in case.tasks] == ["review_acceptance"]  # straight to acceptance, never guided away
    assert case.instance.organisation == department.get("department", case.instance.organisation)


def test_a_first_decision_of_another_level_opens_no_case_and_the_field_says_why(rt: Runtime, clock: FrozenClock) -> None:
    plan = start_plan(rt, clock)
    on(clock, "2021-03-24")
    with pytest.raises(FormValidationError) as refused:
        register.add_record(rt, who(rt, "reception"), plan, "2021-03-24", complaint_record("other"))
    assert list(refused.value.fields) == ["complaint.first_decision.issuer_level"]
    assert "không thuộc thẩm quyền giải quyết lần hai của tỉnh" in refused.value.fields[
        "complaint.first_decision.issuer_level"]
    assert register.list_records(rt, who(rt, "auditor"), plan) == []
    guided = {**complaint_record("other"), "handling": "guided",
              "guided_to": {"body": "Bộ Tài nguyên và Môi trường", "letter_number": "21/HD-TCD"}}
    kept = register.add_record(rt, who(rt, "reception"), plan, "2021-03-24", guided)  # the nearest lawful record
    assert kept.case_instance_id is None and kept.details["guided_to"]["letter_number"] == "21/HD-TCD"


def test_a_unit_heads_decision_names_the_department_it_belongs_to(rt: Runtime, clock: FrozenClock) -> None:
    plan = start_plan(rt, clock)
    on(clock, "2021-03-24")
    with pytest.raises(FormValidationError) as refused:
        register.add_record(rt, who(rt, "reception"), plan, "2021-03-24", complaint_record("department_unit_head"))
    assert refused.value.fields == {"complaint.first_decision.department": "Chưa nhập «Sở, ban, ngành»."}
    assert register.list_records(rt, who(rt, "auditor"), plan) == []


def test_a_unit_heads_department_not_in_the_catalogue_is_refused_on_the_records_field(rt: Runtime,
                                                                                       clock: FrozenClock) -> None:
    plan = start_plan(rt, clock)
    on(clock, "2021-03-24")
    with pytest.raises(FormValidationError) as refused:
        register.add_record(rt, who(rt, "reception"), plan, "2021-03-24",
                            complaint_record("department_unit_head", department="so_khong_ton_tai"))
    assert "danh mục" in refused.value.fields["complaint.first_decision.department"]
    assert register.list_records(rt, who(rt, "auditor"), plan) == []
    row = register.add_record(rt, who(rt, "reception"), plan, "2021-03-24",  # the nearest lawful record
                              complaint_record("department_unit_head", department="Sở Tài chính"))
    assert row.case_instance_id is not None


# -- nothing invented ------------------------------------------------------------------------------

def test_the_case_carries_the_dossier_the_officer_checked_unchanged(rt: Runtime, clock: FrozenClock) -> None:
    plan = start_plan(rt, clock)
    on(clock, "2021-03-24")
    checked = {"petition_signature": "fingerprinted", "representation_document": False, "first_decision_copy": False,
               "all_complainants_signed": False}
    entry = group_complaint()
    entry["complaint"]["dossier"] = checked
    row = register.add_record(rt, who(rt, "reception"), plan, "2021-03-24", entry)
    case = cases.get_case(rt, who(rt, "auditor"), row.case_instance_id or 0)
    assert case.data["dossier"] == {**checked, "evidence": []}  # no signature, appointment or copy made up


@pytest.mark.parametrize(("drop", "field", "message"), [
    ("dossier", "complaint.dossier", "Chưa nhập «Giấy tờ đã kiểm tra tại nơi tiếp»."),
    ("petition_signature", "complaint.dossier.petition_signature", "Chưa nhập «Chữ ký trên đơn»."),
    ("first_decision_copy", "complaint.dossier.first_decision_copy", "Chưa nhập «Bản sao quyết định lần đầu»."),
    ("all_complainants_signed", "complaint.dossier.all_complainants_signed",
     "Chưa nhập «Đủ chữ ký của tất cả người khiếu nại»."),
])
def test_a_case_opens_only_with_each_fact_the_officer_checked(rt: Runtime, clock: FrozenClock, drop: str, field: str,
                                                              message: str) -> None:
    plan = start_plan(rt, clock)
    on(clock, "2021-03-24")
    entry = group_complaint()
    if drop == "dossier":
        del entry["complaint"]["dossier"]
    else:
        del entry["complaint"]["dossier"][drop]
    with pytest.raises(FormValidationError) as refused:
        register.add_record(rt, who(rt, "reception"), plan, "2021-03-24", entry)
    assert refused.value.fields == {field: message}
    assert register.list_records(rt, who(rt, "auditor"), plan) == []


# -- Mẫu 03/TCD: guided to, transferred to, refused ------------------------------------------------

@pytest.mark.parametrize(("handling", "part", "title"), [
    ("guided", "guided_to", "Hướng dẫn công dân đến cơ quan có thẩm quyền"),
    ("transferred", "transferred_to", "Chuyển đơn đến cơ quan, đơn vị thụ lý"),
    ("refused", "refusal", "Từ chối tiếp công dân"),
])
def test_guidance_transfer_and_refusal_are_each_written_with_their_body_and_letter(
        rt: Runtime, clock: FrozenClock, handling: str, part: str, title: str) -> None:
    plan = start_plan(rt, clock)
    on(clock, "2021-03-24")
    bare = record(handling=handling)
    whole = bare.pop(part)
    with pytest.raises(FormValidationError) as refused:
        register.add_record(rt, who(rt, "reception"), plan, "2021-03-24", bare)
    assert refused.value.fields == {part: f"Chưa nhập «{title}»."}
    assert register.list_records(rt, who(rt, "auditor"), plan) == []
    row = register.add_record(rt, who(rt, "reception"), plan, "2021-03-24",
                              {**bare, part: whole, "follow_up": "Đã nhận văn bản trả lời ngày 30/03/2021."})
    assert row.details[part] == whole and row.details["follow_up"].startswith("Đã nhận")


REFUSED_2021 = [  # reception on 24/03/2021: LTCD Art. 9 as it stood, TT06/2014's written notice
    ({"ground": "protracted"}, "refusal.notice", "Chưa nhập «Thông báo từ chối tiếp công dân»."),
    ({"ground": "other_by_law"}, "refusal.basis", "Chưa nhập «Văn bản quy định trường hợp từ chối»."),
    ({"ground": "weapons"}, "refusal.ground", "chỉ là căn cứ từ chối tiếp từ ngày 01/07/2026"),
    ({"ground": "protracted", "notice": {"number": "03/TB-TCD", "issued_on": "2021-03-25"}}, "refusal.notice.issued_on",
     "trước hoặc trong ngày tiếp (24/03/2021)"),
]
ALLOWED_2021 = [
    {"ground": "threatening"},
    {"ground": "protracted", "notice": {"number": "03/TB-TCD", "issued_on": "2021-03-24"}},
    {"ground": "other_by_law", "basis": "Nội quy Trụ sở Tiếp công dân tỉnh (Quyết định 12/QĐ-UBND)"},
]
REFUSED_2026 = [  # reception on 12/10/2026, before the session opens: LTCD Art. 9 and NĐ154/2026 Art. 4
    ({"ground": "other_by_law", "basis": "Nội quy"}, "refusal.ground", "khoản 1 Điều 4 Nghị định 154/2026/NĐ-CP"),
    ({"ground": "answered_petition"}, "refusal.notice", "Chưa nhập «Thông báo từ chối tiếp công dân»."),
    ({"ground": "answered_petition", "notice": {"number": "07/TB-TCD", "issued_on": "2026-10-16"}},
     "refusal.notice.issued_on", "chậm nhất ngày 15/10/2026"),  # 4 working days after; 3 are allowed
]
ALLOWED_2026 = [
    {"ground": "weapons"},
    {"ground": "answered_petition", "notice": {"number": "07/TB-TCD", "issued_on": "2026-10-15"}},
    {"ground": "protracted", "notice": {"number": "02/TB-TCD", "issued_on": "2026-09-30"}},  # an earlier notice
]


@pytest.mark.parametrize(("session", "day", "refusal", "field", "message"),
                         [(SESSION_2021, "2021-03-24", *case) for case in REFUSED_2021]
                         + [(SESSION_2026, "2026-10-12", *case) for case in REFUSED_2026],
                         ids=[f"2021-{c[0]['ground']}-{c[1]}" for c in REFUSED_2021]
                         + [f"2026-{c[0]['ground']}-{c[1]}" for c in REFUSED_2026])
def test_a_refusal_to_receive_needs_a_ground_of_the_law_of_its_day_and_the_notice_the_law_asks(
        rt: Runtime, clock: FrozenClock, session: dict[str, Any], day: str, refusal: dict[str, Any], field: str,
        message: str) -> None:
    plan = start_plan(rt, clock, session)
    on(clock, "2026-10-20" if day.startswith("2026") else "2021-03-26")  # a few days on: the notice may be dated
    with pytest.raises(FormValidationError) as refused:
        register.add_record(rt, who(rt, "reception"), plan, day, record(handling="refused", refusal=refusal))
    assert list(refused.value.fields) == [field] and message in refused.value.fields[field]
    assert register.list_records(rt, who(rt, "auditor"), plan) == []


@pytest.mark.parametrize(("session", "day", "refusals"), [(SESSION_2021, "2021-03-24", ALLOWED_2021),
                                                          (SESSION_2026, "2026-10-12", ALLOWED_2026)], ids=["2021", "2026"])
def test_the_nearest_lawful_refusals_are_written(rt: Runtime, clock: FrozenClock, session: dict[str, Any], day: str,
                                                refusals: list[dict[str, Any]]) -> None:
    plan = start_plan(rt, clock, session)
    on(clock, "2026-10-20" if day.startswith("2026") else "2021-03-26")  # a few days on: the notice may be dated
    for refusal in refusals:
        register.add_record(rt, who(rt, "reception"), plan, day, record(handling="refused", refusal=refusal))
    assert [r.details["refusal"] for r in register.list_records(rt, who(rt, "auditor"), plan)] == refusals


# -- the plan's own reception window ---------------------------------------------------------------

def test_reception_may_open_before_the_session_and_its_days_come_from_the_reception_window(
        rt: Runtime, clock: FrozenClock) -> None:
    plan = start_plan(rt, clock, reception_start="2021-03-17", reception_end="2021-04-02")
    summary = plans.dashboard(rt, who(rt, "inspectorate"), plan).plan
    assert (summary.reception_start, summary.reception_end) == (date(2021, 3, 17), date(2021, 4, 2))
    assert (summary.window_start, summary.window_end) == (date(2021, 3, 24), date(2021, 4, 7))
    assert summary.reception_days[0] == date(2021, 3, 17) and summary.reception_days[-1] == date(2021, 4, 2)
    draft = next(t for t in cases.get_case(rt, who(rt, "auditor"), plan).tasks if t.bpmn_id == "draft_plan")
    assert draft.due_on == date(2021, 3, 17)  # the plan is approved before reception begins
    on(clock, "2021-03-17")
    assert register.add_record(rt, who(rt, "reception"), plan, "2021-03-17", record()).sequence == 1  # before the session
    on(clock, "2021-04-05")
    with pytest.raises(FormValidationError) as closed:  # a session day after reception has ended
        register.add_record(rt, who(rt, "reception"), plan, "2021-04-05", record())
    assert "không phải ngày tiếp của kế hoạch" in closed.value.fields["received_on"]
    report = reports.session_report(rt, who(rt, "inspectorate"), plan)
    assert report.reception_window == ("2021-03-17", "2021-04-02") and report.window == ("2021-03-24", "2021-04-07")
    assert report.days[0].day == date(2021, 3, 17)


@pytest.mark.parametrize(("start", "end", "field", "message"), [
    ("2021-03-17", "2021-04-08", "reception_end", "phải kết thúc chậm nhất vào ngày bế mạc kỳ họp (07/04/2021)"),
    ("2021-04-08", "2021-04-09", "reception_start", "phải bắt đầu trước khi kỳ họp bế mạc (07/04/2021)"),
    ("2021-03-30", "2021-03-26", "reception_end", "phải từ ngày bắt đầu tiếp trở đi"),
])
def test_a_reception_window_past_the_session_is_refused_on_its_field(rt: Runtime, clock: FrozenClock, start: str,
                                                                     end: str, field: str, message: str) -> None:
    clock.set(vn(2021, 3, 15))
    with pytest.raises(FormValidationError) as refused:
        cases.start_case(rt, who(rt, "inspectorate"), "na_session_reception",
                         {**SESSION_2021, "reception_start": start, "reception_end": end})
    assert list(refused.value.fields) == [field] and message in refused.value.fields[field]
    nearest = {**SESSION_2021, "reception_start": "2021-03-17", "reception_end": "2021-04-07"}  # ends on the last day
    plan = cases.start_case(rt, who(rt, "inspectorate"), "na_session_reception", nearest).instance.id
    assert plans.dashboard(rt, who(rt, "inspectorate"), plan).plan.reception_days[-1] == date(2021, 4, 7)


def legacy_files(rt: Runtime) -> dict[str, str]:
    """The plan's diagram and start form as they were before the reception window (session dates only), without papers."""
    files = {path: text for path, text in read_sources(rt.processes_dir, rt.forms_dir, "na_session_reception").items()
             if "/documents/" not in path}
    bpmn = next(k for k in files if k.endswith(".bpmn"))
    form = next(k for k in files if k.endswith("start_plan.schema.json"))
    start = json.loads(files[form])
    for key in ("reception_start", "reception_end"):
        del start["properties"][key]
        start["required"].remove(key)
    files[form] = json.dumps(start, ensure_ascii=False)
    ui_form = next(k for k in files if k.endswith("start_plan.uischema.json"))
    ui = json.loads(files[ui_form])
    ui["ui:order"] = [key for key in ui.get("ui:order", []) if key not in ("reception_start", "reception_end")]
    for key in ("reception_start", "reception_end"):
        ui.pop(key, None)
    files[ui_form] = json.dumps(ui, ensure_ascii=False)
    old = files[bpmn]
    for new, before in (("reception_days_between(reception_start, reception_end,",
                         "reception_days_between(window_start, window_end,"),
                        ("plan_deadline = min(reception_start, window_start)", "plan_deadline = window_start"),
                        ("first_day = min(reception_start, window_start)", "first_day = window_start")):
        assert old.count(new) == 1, new
        old = old.replace(new, before)
    files[bpmn] = "\n".join(line for line in old.splitlines() if "require(reception_" not in line
                            and "require(days_between(reception_" not in line)
    return files


def test_a_plan_started_before_plans_had_a_reception_window_receives_during_its_session(
        rt: Runtime, clock: FrozenClock) -> None:
    deploy(rt, None, "na_session_reception", legacy_files(rt))
    clock.set(vn(2021, 3, 22))
    old = {k: v for k, v in SESSION_2021.items() if not k.startswith("reception_") or k == "reception_office"}
    plan = cases.start_case(rt, who(rt, "inspectorate"), "na_session_reception", old).instance.id
    summary = plans.dashboard(rt, who(rt, "inspectorate"), plan).plan
    assert "reception_start" not in summary.data
    assert (summary.reception_start, summary.reception_end) == (date(2021, 3, 24), date(2021, 4, 7))
    on(clock, "2021-03-24")
    register.add_record(rt, who(rt, "reception"), plan, "2021-03-24", record())
    report = reports.session_report(rt, who(rt, "inspectorate"), plan)
    assert report.reception_window == report.window == ("2021-03-24", "2021-04-07") and report.receptions == 1
    assert reports.report_xlsx(report)


# -- each central-office notice with its own outcome ---------------------------------------------

NOTICES = {
    "Chư Prông": {"reported_by": "central_reception_board", "reported_at": "2021-03-30T08:30:00+07:00",
                  "channel": "phone", "location": "Trụ sở Tiếp công dân Trung ương, Hà Nội", "people_count": 8,
                  "home_area": "Huyện Chư Prông", "content": "Đề nghị giải quyết bồi thường đất rẫy."},
    "Pleiku": {"reported_by": "government_inspectorate", "reported_at": "2021-03-30T10:00:00+07:00",
               "channel": "document", "location": "Trụ sở Tiếp công dân Trung ương, Hà Nội", "people_count": 3,
               "home_area": "Thành phố Pleiku", "content": "Khiếu nại việc cấp giấy chứng nhận."},
}


def outcome(result: str, returned_on: str | None = None) -> dict[str, Any]:
    data = {"officers_sent": ["Phó Chủ tịch UBND"], "met_on": "2021-03-30", "result": result,
            "report": "Đã làm việc với công dân."}
    return {"central_outcome": {**data, "returned_on": returned_on} if returned_on else data}


def test_two_central_notices_keep_their_own_outcomes_when_the_outcomes_come_back_in_the_other_order(
        rt: Runtime, clock: FrozenClock) -> None:
    plan = start_plan(rt, clock)
    on(clock, "2021-03-30")
    inspectorate = who(rt, "inspectorate")
    for notice in NOTICES.values():
        cases.deliver_message(rt, inspectorate, plan, "central_coordination", notice)
    units = {"Huyện Chư Prông": "U01", "Thành phố Pleiku": "U02"}
    for event in plans.dashboard(rt, inspectorate, plan).central_events:
        tasks.complete_task(rt, inspectorate, event.task.id, {"alert": {
            "unit_code": units[event.notice["home_area"]], "alerted_at": "2021-03-30T11:00:00+07:00",
            "instructions": "Cử cán bộ ra Hà Nội"}})
    waiting = {e.notice["home_area"]: e.task.id for e in plans.dashboard(rt, inspectorate, plan).central_events}
    head = who(rt, "unit_head")
    tasks.complete_task(rt, head, waiting["Thành phố Pleiku"], outcome("returned", "2021-03-31"))  # the second first
    tasks.complete_task(rt, head, waiting["Huyện Chư Prông"], outcome("not_returned"))
    report = reports.session_report(rt, inspectorate, plan)
    paired = {e["home_area"]: e["outcome"]["result"] for e in report.central_events}
    assert paired == {"Huyện Chư Prông": "not_returned", "Thành phố Pleiku": "returned"}
    assert len({e["event_id"] for e in report.central_events}) == 2 and all(e["event_id"] for e in report.central_events)
    timers.run_worker(rt, "test", until_idle=True)  # nothing pending changes the pairing
    assert reports.session_report(rt, inspectorate, plan).central_events == report.central_events


def test_notices_kept_before_they_had_an_identity_are_paired_only_when_it_cannot_be_wrong() -> None:
    message = ("message_received", None, {"message": "central_coordination", "payload": {"home_area": "A"}})
    answer = ("task_completed", "bring_citizens_back", {"submitted": {"central_outcome": {"result": "returned"}}})
    assert [e["outcome"] for e in reports.central_events([message, answer])] == [{"result": "returned"}]
    two = reports.central_events([message, message, answer])
    assert [e["outcome"] for e in two] == [None, None]  # which of the two? not guessed by position
