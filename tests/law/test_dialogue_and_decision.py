"""rules.md §4 and §5: who the dialogue minutes must name, who chairs from 01/07/2026, who receives the
decision and how it is published.
"""

from __future__ import annotations

from typing import Any

from tests import cases
from tests.law.conftest import Desk, refused

JUNE = {**cases.petition()["first_decision"], "issued_on": "2026-06-10", "received_on": "2026-06-12"}

# A case received 22/06/2026 under the 2021 regime, accepted 26/06: its dialogue in August follows the 2026 rules.
STRADDLING_PATH = [
    ("review_acceptance", "resolver", lambda: cases.acceptance(issued_on="2026-06-26")),
    ("assign_verification", "resolver", lambda: cases.assignment("2026-06-29")),
    ("verify_complaint", "verifier", lambda: cases.verification("2026-07-06")),
]


def _dialogue(**changes: Any) -> dict[str, Any]:
    data = cases.dialogue()
    data["dialogue"].update(changes)
    return data


def _participants(*, drop: str | None = None, extra: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    people = [p for p in cases.dialogue()["dialogue"]["participants"] if p["role"] != drop]
    return people + (extra or [])


def _straddling(desk: Desk, **petition: Any) -> int:
    case = desk.start(cases.petition(received_on="2026-06-22", first_decision=JUNE, **petition))
    desk.walk(case, None, STRADDLING_PATH)
    return case


def test_the_minutes_name_the_respondent_and_the_complainant(desk: Desk) -> None:
    case = desk.start(cases.petition())
    desk.walk(case, "record_dialogue")
    refused(desk, case, lambda: desk.step(case, "record_dialogue", _dialogue(participants=_participants(drop="respondent"))),
            "dialogue.participants", "người bị khiếu nại", "Điều 39")
    refused(desk, case, lambda: desk.step(case, "record_dialogue", _dialogue(participants=_participants(drop="complainant"))),
            "dialogue.participants", "Người khiếu nại")
    desk.step(case, "record_dialogue", cases.dialogue())


def test_a_participant_who_refuses_to_sign_has_a_reason_recorded(desk: Desk) -> None:
    case = desk.start(cases.petition())
    desk.walk(case, "record_dialogue")
    refused(desk, case, lambda: desk.step(case, "record_dialogue", cases.dialogue(refusal_reason="")),
            "dialogue.participants.2.refusal_reason")
    desk.step(case, "record_dialogue", cases.dialogue(refusal_reason="Không đồng ý với kết quả xác minh"))


def test_from_july_2026_the_notice_is_5_days_ahead_even_in_a_case_received_before(desk: Desk) -> None:
    case = _straddling(desk)
    refused(desk, case, lambda: desk.step(case, "record_dialogue", _dialogue(held_on="2026-07-13",
                                                                           notice_sent_on="2026-07-09")),
            "dialogue.notice_sent_on", "5 ngày")
    desk.step(case, "record_dialogue", _dialogue(held_on="2026-07-13", notice_sent_on="2026-07-08"))


def test_before_july_2026_no_minimum_notice_applies(desk: Desk) -> None:
    case = desk.start(cases.petition())
    desk.walk(case, "record_dialogue")
    desk.step(case, "record_dialogue", _dialogue(notice_sent_on="2021-04-05"))  # one day ahead, lawful in 2021


def test_from_july_2026_an_absence_is_recorded_as_excused_or_not(desk: Desk) -> None:
    case = _straddling(desk)
    absent = {"full_name": "Phạm Văn D", "role": "related_party", "present": False}
    noticed = {"held_on": "2026-07-13", "notice_sent_on": "2026-07-06"}
    refused(desk, case, lambda: desk.step(case, "record_dialogue", _dialogue(**noticed, participants=_participants(
        extra=[absent]))), "dialogue.participants.3.absence_excused", "vắng mặt")
    desk.step(case, "record_dialogue", _dialogue(**noticed, participants=_participants(
        extra=[{**absent, "absence_excused": False}])))
    assert desk.ready(case) == ["submit_verification_report"]  # unexcused absence does not stop the resolution


def test_from_july_2026_the_provincial_chair_chairs_a_group_case_in_person(desk: Desk) -> None:
    reps = [{"full_name": "Lê Văn C", "address": "Xã Ia Mơ"}]
    group = {"complainant_count": 6, "representatives": reps,
             "dossier": {**cases.petition()["dossier"], "all_complainants_signed": True, "representation_document": True}}
    case = _straddling(desk, **group)
    noticed = {"held_on": "2026-07-13", "notice_sent_on": "2026-07-06"}
    refused(desk, case, lambda: desk.step(case, "record_dialogue", _dialogue(**noticed)), "dialogue.chair_capacity",
            "Chủ tịch UBND tỉnh trực tiếp chủ trì")
    desk.step(case, "record_dialogue", _dialogue(**noticed, chair="Chủ tịch UBND tỉnh", chair_capacity="provincial_chair"))


def test_before_july_2026_a_vice_chair_may_chair_a_group_case(desk: Desk) -> None:
    reps = [{"full_name": "Lê Văn C", "address": "Xã Ia Mơ"}]
    group = cases.petition(complainant_count=6, representatives=reps, dossier={
        **cases.petition()["dossier"], "all_complainants_signed": True, "representation_document": True})
    case = desk.start(group)
    desk.walk(case, "record_dialogue")
    desk.step(case, "record_dialogue", cases.dialogue())


def test_from_july_2026_a_department_director_chairs_in_person(desk: Desk) -> None:
    unit = {**JUNE, "issuer": "Chi cục trưởng Chi cục Thủy lợi", "issuer_level": "department_unit_head",
            "department": "Sở Nông nghiệp và PTNT"}
    case = desk.start(cases.petition(received_on="2026-06-22", first_decision=unit, submitted_to="department_head"))
    assert desk.data(case)["competent_authority"] == "department_head"
    desk.walk(case, None, STRADDLING_PATH)
    noticed = {"held_on": "2026-07-13", "notice_sent_on": "2026-07-06"}
    deputy = {"chair": "Phó Giám đốc Sở Nông nghiệp và PTNT", "chair_capacity": "department_deputy",
              "chair_authority": "Quyết định 12/QĐ-SNN giao chủ trì"}
    refused(desk, case, lambda: desk.step(case, "record_dialogue", _dialogue(**noticed, **deputy)),
            "dialogue.chair_capacity", "Giám đốc sở trực tiếp chủ trì")
    desk.step(case, "record_dialogue", _dialogue(**noticed, chair="Giám đốc Sở Nông nghiệp và PTNT",
                                                 chair_capacity="department_director", chair_authority=""))


def test_a_delegated_chair_names_the_authority_it_acts_on(desk: Desk) -> None:
    case = _straddling(desk)
    noticed = {"held_on": "2026-07-13", "notice_sent_on": "2026-07-06"}
    refused(desk, case, lambda: desk.step(case, "record_dialogue", _dialogue(**noticed, chair_authority="")),
            "dialogue.chair_authority")
    desk.step(case, "record_dialogue", _dialogue(**noticed))


def _sending(**changes: Any) -> dict[str, Any]:
    data = cases.sending()
    data["sending"].update(changes)
    return data


def _without(kind: str) -> list[dict[str, Any]]:
    return [r for r in cases.sending()["sending"]["recipients"] if r["kind"] != kind]


def test_the_decision_goes_to_the_inspectorate_and_every_related_party_of_the_dialogue(desk: Desk) -> None:
    case = desk.start(cases.petition())
    desk.walk(case, "send_decision")
    refused(desk, case, lambda: desk.step(case, "send_decision", _sending(recipients=_without("inspectorate"))),
            "sending.recipients", "thanh tra", "Điều 41")
    refused(desk, case, lambda: desk.step(case, "send_decision", _sending(recipients=_without("related_party"))),
            "sending.recipients", "Trần Thị B")
    # The same person written with other spacing and case is the same recipient.
    renamed = [dict(r, name="  trần  thị B") if r["kind"] == "related_party" else r
               for r in cases.sending()["sending"]["recipients"]]
    desk.step(case, "send_decision", _sending(recipients=renamed))


def test_a_referred_petition_sends_the_decision_to_the_body_that_referred_it(desk: Desk) -> None:
    case = desk.start(cases.petition(referred_by="Văn phòng Đoàn ĐBQH và HĐND tỉnh"))
    desk.walk(case, "send_decision")
    refused(desk, case, lambda: desk.step(case, "send_decision", cases.sending()), "sending.recipients",
            "Văn phòng Đoàn ĐBQH và HĐND tỉnh")
    with_referrer = cases.sending()["sending"]["recipients"] + [
        {"name": "Văn phòng Đoàn ĐBQH và HĐND tỉnh", "kind": "referring_body", "method": "electronic"}]
    desk.step(case, "send_decision", _sending(recipients=with_referrer))


def _publication(**changes: Any) -> dict[str, Any]:
    data = cases.publication()
    data["publication"].update(changes)
    return data


def test_posting_lasts_at_least_15_days(desk: Desk) -> None:
    case = desk.start(cases.petition())
    desk.walk(case, "publish_decision")
    refused(desk, case, lambda: desk.step(case, "publish_decision", _publication(posting_days=14)),
            "publication.posting_days")
    desk.step(case, "publish_decision", _publication(posting_days=15))


def test_media_publication_is_twice_or_15_days_online(desk: Desk) -> None:
    case = desk.start(cases.petition())
    desk.walk(case, "publish_decision")
    media = {"method": "media", "place_or_medium": "Báo Gia Lai"}
    bare = _publication(**media)
    bare["publication"].pop("posting_days")
    once = {**bare["publication"], "media_times": 1}
    refused(desk, case, lambda: desk.step(case, "publish_decision", {"publication": once}), "publication.media_times")
    online_14 = {**bare["publication"], "online_days": 14}
    refused(desk, case, lambda: desk.step(case, "publish_decision", {"publication": online_14}), "publication.online_days")
    desk.step(case, "publish_decision", {"publication": {**bare["publication"], "online_days": 15}})


def test_a_meeting_is_announced_three_working_days_ahead(desk: Desk) -> None:
    # Decision Wed 14/04/2021; meeting Tue 20/04: notice Thu 15/04 gives Fri 16, Mon 19, Tue 20 (3 working days).
    case = desk.start(cases.petition())
    desk.walk(case, "publish_decision")
    meeting = {"method": "meeting", "place_or_medium": "Hội trường UBND huyện Chư Prông", "published_on": "2021-04-20"}
    base = _publication(**meeting)
    base["publication"].pop("posting_days")
    late_notice = {**base["publication"], "meeting_notice_sent_on": "2021-04-16"}
    refused(desk, case, lambda: desk.step(case, "publish_decision", {"publication": late_notice}),
            "publication.meeting_notice_sent_on", "03 ngày làm việc")
    desk.step(case, "publish_decision", {"publication": {**base["publication"], "meeting_notice_sent_on": "2021-04-15"}})


def test_a_body_with_a_web_portal_posts_the_decision_there(desk: Desk) -> None:
    case = desk.start(cases.petition())
    desk.walk(case, "publish_decision")
    refused(desk, case, lambda: desk.step(case, "publish_decision", _publication(web_portal_posted=False)),
            "publication.web_portal_posted")
    desk.step(case, "publish_decision", _publication(has_web_portal=False, web_portal_posted=False))


def test_the_decision_goes_to_the_complainant_and_the_respondent_of_the_case_by_name(desk: Desk) -> None:
    case = desk.start(cases.petition())
    desk.walk(case, "send_decision")

    def named(kind: str, name: str) -> list[dict[str, Any]]:
        return [dict(r, name=name) if r["kind"] == kind else r for r in cases.sending()["sending"]["recipients"]]

    refused(desk, case, lambda: desk.step(case, "send_decision", _sending(recipients=named("complainant", "Người Lạ"))),
            "sending.recipients", "người khiếu nại", "Nguyễn Văn A", "Điều 41")
    refused(desk, case, lambda: desk.step(case, "send_decision", _sending(recipients=named("respondent", "UBND xã Ia Mơ"))),
            "sending.recipients", "người bị khiếu nại", "Chủ tịch UBND huyện Chư Prông")
    # The nearest lawful case: the same names written with other spacing and case.
    recipients = [dict(r, name={"complainant": " nguyễn văn  A", "respondent": "chủ tịch UBND huyện chư prông"}[r["kind"]])
                  if r["kind"] in {"complainant", "respondent"} else r for r in cases.sending()["sending"]["recipients"]]
    desk.step(case, "send_decision", _sending(recipients=recipients))
    assert desk.ready(case) == ["publish_decision"]


def test_a_group_case_may_send_the_decision_to_a_representative_of_the_complainants(desk: Desk) -> None:
    reps = [{"full_name": "Lê Văn C", "address": "Xã Ia Mơ"}]
    case = desk.start(cases.petition(complainant_count=7, representatives=reps,
                                     dossier={**cases.petition()["dossier"], "all_complainants_signed": True,
                                              "representation_document": True}))
    desk.walk(case, "send_decision")
    to = [dict(r, name="Lê Văn C") if r["kind"] == "complainant" else r for r in cases.sending()["sending"]["recipients"]]
    desk.step(case, "send_decision", _sending(recipients=to))
    assert desk.ready(case) == ["publish_decision"]


def _report(**changes: Any) -> dict[str, Any]:
    data = cases.report()
    data["verification_report"].update(changes)
    return data


def test_the_verification_reports_recommendation_follows_its_conclusion_as_the_decisions_order_does(desk: Desk) -> None:
    case = desk.start(cases.petition())
    desk.walk(case, "submit_verification_report")
    refused(desk, case, lambda: desk.step(case, "submit_verification_report",
                                          _report(conclusion="right", recommendation="uphold")),
            "verification_report.recommendation")
    refused(desk, case, lambda: desk.step(case, "submit_verification_report",
                                          _report(conclusion="wrong", recommendation="annul")),
            "verification_report.recommendation")
    desk.step(case, "submit_verification_report", _report(conclusion="right", recommendation="annul"))
    assert desk.ready(case) == ["issue_decision"]


def test_the_report_and_the_decision_state_one_rule_of_conclusion_and_action() -> None:
    import json
    from pathlib import Path
    forms = Path(__file__).resolve().parents[2] / "forms" / "complaint_second_level"
    decision = json.loads((forms / "issue_decision.schema.json").read_text())["properties"]["decision"]["allOf"]
    report = json.loads((forms / "submit_verification_report.schema.json").read_text())
    report_rule = report["properties"]["verification_report"]["allOf"]
    assert json.loads(json.dumps(decision).replace('"order"', '"recommendation"')) == report_rule
