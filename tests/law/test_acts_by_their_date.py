"""rules.md §1.1, §1.4 and §6: suspension, withdrawal, termination and suspension of execution, each
judged by the law in force on the date of the act — also in a case received before 01/07/2026.

The straddling case: received Mon 22/06/2026 (the 2021 regime), accepted Fri 26/06, 45 days -> Mon 10/08.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.clock import FrozenClock
from app.services.runtime import Runtime
from tests import cases
from tests.law.conftest import Desk, refused
from tests.services.test_case_a_deadlines import Desk as NightDesk

JUNE = {**cases.petition()["first_decision"], "issued_on": "2026-06-10", "received_on": "2026-06-12"}
PATH = [
    ("review_acceptance", "resolver", lambda: cases.acceptance(issued_on="2026-06-26")),
    ("assign_verification", "resolver", lambda: cases.assignment("2026-06-29")),
    ("verify_complaint", "verifier", lambda: cases.verification("2026-07-06")),
]
GROUP = {"complainant_count": 6, "representatives": [{"full_name": "Lê Văn C", "address": "Xã Ia Mơ"}],
         "dossier": {**cases.petition()["dossier"], "all_complainants_signed": True, "representation_document": True}}


def _straddling(desk: Desk, until: str = "verify_complaint", **petition: Any) -> int:
    case = desk.start(cases.petition(received_on="2026-06-22", first_decision=JUNE, **petition))
    desk.walk(case, until, PATH)
    assert (desk.data(case)["regime"], desk.data(case)["resolution_deadline"]) == ("2021", "2026-08-10")
    return case


def test_a_case_accepted_in_june_2026_can_be_suspended_from_july_and_its_clock_continues(desk: Desk) -> None:
    case = _straddling(desk)
    refused(desk, case, lambda: desk.letter(case, "suspension", cases.suspension("2026-06-30")), "issued_on",
            "01/07/2026", "Điều 11a")
    desk.letter(case, "suspension", cases.suspension("2026-07-15"))
    data = desk.data(case)
    # 27/06–14/07 ran: 18 of the 45 days used; Mẫu 14a within 3 working days of Wed 15/07 -> Mon 20/07.
    assert (data["resolution_days_spent"], data["suspension_notice_deadline"]) == (18, "2026-07-20")
    assert data["suspension"]["form"].startswith("Mẫu số 14a")
    desk.step(case, "send_suspension_notice", cases.suspension_notice("2026-07-16"))
    refused(desk, case, lambda: desk.letter(case, "resumption", cases.resumption("2026-07-14")), "issued_on", "15/07/2026")
    # Resumed Thu 06/08: the 27 days left run from 07/08 to Wed 02/09, National Day -> Thu 03/09.
    desk.letter(case, "resumption", cases.resumption("2026-08-06"))
    assert (desk.data(case)["resolution_deadline"], desk.ready(case)) == ("2026-09-03", ["verify_complaint"])


def test_a_suspension_notice_due_across_national_day(desk: Desk) -> None:
    case = _straddling(desk)
    # Issued Thu 27/08/2026: Fri 28/08, then 31/08 (swapped), 01/09 and 02/09 off: Thu 03/09, Fri 04/09.
    desk.letter(case, "suspension", cases.suspension("2026-08-27"))
    assert desk.data(case)["suspension_notice_deadline"] == "2026-09-04"
    assert desk.data(case)["resolution_days_spent"] == 61  # 27/06–26/08: more than the 45 days; none are left


def test_a_2021_case_suspended_in_2021_is_refused(desk: Desk) -> None:
    case = desk.start(cases.petition())
    desk.walk(case, "verify_complaint")
    refused(desk, case, lambda: desk.letter(case, "suspension", cases.suspension("2021-03-10")), "issued_on", "Điều 11a")


def _letter(day: str, *names: str) -> dict[str, Any]:
    letter: dict[str, Any] = {**cases.withdrawal(day), "scope": "some" if names else "all"}
    if names:
        letter["withdrawing"] = [{"full_name": n} for n in names]
    return letter


def test_some_complainants_withdraw_from_july_2026_and_the_case_goes_on_for_the_others(desk: Desk) -> None:
    case = _straddling(desk, **GROUP)
    refused(desk, case, lambda: desk.letter(case, "withdrawal", _letter("2026-06-30", "Hồ Văn E"), "reception"),
            "scope", "01/07/2026")
    desk.letter(case, "withdrawal", _letter("2026-07-10", "Hồ Văn E", "Đinh Thị G"), "reception")
    assert desk.ready(case) == ["verify_complaint"]  # four complainants remain
    assert len(desk.data(case)["withdrawn_complainants"]) == 2
    refused(desk, case, lambda: desk.letter(case, "withdrawal", _letter("2026-07-12", "hồ văn  E"), "reception"),
            "withdrawing", "đã rút")
    desk.letter(case, "withdrawal", _letter("2026-07-20"), "reception")  # all the others withdraw too
    assert desk.ready(case) == ["issue_termination"]
    desk.step(case, "issue_termination", cases.termination("2026-07-22"))
    data = desk.data(case)
    # Mẫu 14a, sent within 3 working days of Wed 22/07: Thu 23, Fri 24, Mon 27/07.
    assert data["termination"]["form"].startswith("Mẫu số 14a")
    assert data["termination_notice_deadline"] == "2026-07-27"
    refused(desk, case, lambda: desk.step(case, "send_termination_notice", cases.termination_notice("2026-07-21")),
            "termination_notice.sent_on", "22/07/2026")
    desk.step(case, "send_termination_notice", cases.termination_notice("2026-07-24"))
    assert desk.view(case).instance.outcome == "withdrawn"


def test_a_withdrawal_before_july_2026_ends_the_whole_case_with_the_old_form(desk: Desk) -> None:
    case = desk.start(cases.petition(**GROUP))
    desk.walk(case, "verify_complaint")
    refused(desk, case, lambda: desk.letter(case, "withdrawal", _letter("2021-03-20", "Hồ Văn E"), "reception"), "scope")
    desk.letter(case, "withdrawal", _letter("2021-03-20"), "reception")
    desk.step(case, "issue_termination", cases.termination("2021-03-22"))
    view = desk.view(case)
    assert (view.instance.outcome, view.data["termination"]["form"][:12]) == ("withdrawn", "Mẫu số 12-KN")
    assert view.data["termination_notice_deadline"] is None


def test_termination_on_another_ground_applies_to_acts_from_july_2026(desk: Desk) -> None:
    death = {"ground": "complainant_died", "occurred_on": "2021-03-18", "recorded_on": "2021-03-20",
             "evidence": "Trích lục khai tử số 12/TLKT"}
    old = desk.start(cases.petition())
    desk.walk(old, "verify_complaint")
    refused(desk, old, lambda: desk.letter(old, "termination_ground", death), "ground", "01/07/2026")
    case = _straddling(desk)
    other = {**death, "ground": "other_statutory", "occurred_on": "2026-07-18", "recorded_on": "2026-07-20"}
    refused(desk, case, lambda: desk.letter(case, "termination_ground", other), "legal_basis")
    desk.letter(case, "termination_ground", {**death, "occurred_on": "2026-07-18", "recorded_on": "2026-07-20"})
    assert desk.ready(case) == ["issue_termination"]
    refused(desk, case, lambda: desk.step(case, "issue_termination", cases.termination("2026-07-19")),
            "termination.issued_on", "20/07/2026")
    desk.step(case, "issue_termination", cases.termination("2026-07-21"))
    assert desk.data(case)["termination_notice_deadline"] == "2026-07-24"  # Wed 22, Thu 23, Fri 24
    desk.step(case, "send_termination_notice", cases.termination_notice("2026-07-23"))
    assert desk.view(case).instance.outcome == "terminated"


def test_a_suspension_of_execution_lasts_at_most_the_remaining_resolution_time(desk: Desk) -> None:
    case = desk.start(cases.petition())
    desk.walk(case, "verify_complaint")
    order = {"action": "suspend", "number": "20/QĐ-UBND", "issued_on": "2021-03-05",
             "contested_act": "Quyết định 15/QĐ-UBND ngày 08/01/2021", "harm": "Cưỡng chế thu hồi đất trước khi giải quyết xong"}
    refused(desk, case, lambda: desk.letter(case, "execution_suspension", {**order, "until": "2021-04-16"}), "until",
            "15/04/2021", "Điều 35")
    revoke = {"action": "revoke", "number": "21/QĐ-UBND", "issued_on": "2021-03-20", "reason": "Đã có phương án bồi thường"}
    refused(desk, case, lambda: desk.letter(case, "execution_suspension", revoke), "action", "Không có")
    desk.letter(case, "execution_suspension", {**order, "until": "2021-04-15"})
    assert desk.ready(case) == ["verify_complaint"]  # back at the step it was on
    refused(desk, case, lambda: desk.letter(case, "execution_suspension", {**order, "number": "22/QĐ-UBND"}), "action",
            "20/QĐ-UBND")
    desk.letter(case, "execution_suspension", revoke)
    records = desk.data(case)["execution_suspensions"]
    assert [(r["number"], r["until"], r["revoked"]["number"]) for r in records] == [("20/QĐ-UBND", "2021-04-15", "21/QĐ-UBND")]
    assert records[0]["form"].startswith("Mẫu số 09-KN")


def test_a_termination_notice_sent_late_is_escalated_once(rt: Runtime, clock: FrozenClock) -> None:
    clock.set(cases.office_hours_of("2026-06-22", clock.now()))
    night = NightDesk(rt, clock, cases.petition(received_on="2026-06-22", first_decision=JUNE))
    for day, (bpmn_id, role, payload) in zip((date(2026, 6, 26), date(2026, 6, 29)), PATH[:2], strict=True):
        night.act(day, bpmn_id, role, payload())
    night.message(date(2026, 7, 20), "termination_ground", {
        "ground": "organisation_dissolved", "occurred_on": "2026-07-15", "recorded_on": "2026-07-20",
        "evidence": "Quyết định giải thể số 5/QĐ"})
    night.act(date(2026, 7, 21), "issue_termination", "resolver", cases.termination("2026-07-21"))
    night.nights_until(date(2026, 7, 30))
    assert [e for e in night.escalations() if e[0] == "termination_notice_overdue"] == [
        ("termination_notice_overdue", "2026-07-24", "2026-07-25")]
