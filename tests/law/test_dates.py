"""rules.md §1 and §3: deadlines computed through a real case, and dates that contradict the case refused.

Worked examples (computed by hand, with the 2021 and 2026 official calendars):
- a remote-area complex case: decision received Mon 04/01/2021, 45 days to file -> Thu 18/02 (after Tết
  10–16/02); accepted Mon 01/03, 70 days -> Sun 09/05 -> Mon 10/05;
- a complex case accepted Mon 01/03/2021: 60 days -> Fri 30/04, the 30/4 and 1/5 holidays, Sun 02/05 and the
  compensatory Mon 03/05 -> Tue 04/05;
- a case that straddles 01/07/2026: received Mon 22/06/2026, the 2021 count of 10 working days -> Mon 06/07,
  while one received Wed 01/07/2026 has 7 working days -> Fri 10/07.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests import cases
from tests.law.conftest import Desk, refused


def test_a_remote_complex_case_has_45_days_to_file_and_70_to_resolve(desk: Desk) -> None:
    first = {**cases.petition()["first_decision"], "issued_on": "2021-01-03", "received_on": "2021-01-04"}
    case = desk.start(cases.petition(received_on="2021-02-18", first_decision=first, remote_area=True))
    assert (desk.data(case)["filing_deadline"], desk.data(case)["filed_in_time"]) == ("2021-02-18", True)
    desk.step(case, "review_acceptance", cases.acceptance(complex_case=True))
    assert desk.data(case)["resolution_deadline"] == "2021-05-10"


def test_a_complex_case_resolved_across_30_april_and_1_may(desk: Desk) -> None:
    case = desk.start(cases.petition())
    desk.step(case, "review_acceptance", cases.acceptance(complex_case=True))
    assert desk.data(case)["resolution_deadline"] == "2021-05-04"


def test_the_acceptance_count_follows_the_day_the_petition_was_received(desk: Desk) -> None:
    june = {**cases.petition()["first_decision"], "issued_on": "2026-06-10", "received_on": "2026-06-12"}
    old = desk.start(cases.petition(received_on="2026-06-22", first_decision=june))
    new = desk.start(cases.petition(received_on="2026-07-01", first_decision=june))
    assert (desk.data(old)["regime"], desk.data(old)["acceptance_deadline"]) == ("2021", "2026-07-06")
    assert (desk.data(new)["regime"], desk.data(new)["acceptance_deadline"]) == ("2026-07", "2026-07-10")


def test_the_first_decision_must_be_received_after_it_was_issued_and_before_the_petition(desk: Desk) -> None:
    first = cases.petition()["first_decision"]
    refused(desk, None, lambda: desk.start(cases.petition(first_decision={**first, "received_on": "2021-01-07"})),
            "first_decision.received_on", "08/01/2021")
    refused(desk, None, lambda: desk.start(cases.petition(first_decision={**first, "received_on": "2021-02-18"})),
            "first_decision.received_on", "17/02/2021")
    case = desk.start(cases.petition(first_decision={**first, "received_on": "2021-01-08"}))
    assert desk.ready(case) == ["review_acceptance"]


@pytest.mark.fixed_clock
def test_nothing_is_dated_after_today(desk: Desk) -> None:
    # The clock stands at 17/02/2021; the petition cannot have been received tomorrow.
    refused(desk, None, lambda: desk.start(cases.petition(received_on="2021-02-18")), "received_on", "hôm nay")
    case = desk.start(cases.petition(received_on="2021-02-17"))
    refused(desk, case, lambda: desk.step(case, "review_acceptance", cases.acceptance(issued_on="2021-02-18")),
            "acceptance_notice.issued_on", "17/02/2021")
    desk.step(case, "review_acceptance", cases.acceptance(issued_on="2021-02-17"))


def test_the_acceptance_notice_is_not_before_the_petition(desk: Desk) -> None:
    case = desk.start(cases.petition())
    refused(desk, case, lambda: desk.step(case, "review_acceptance", cases.acceptance(issued_on="2021-02-16")),
            "acceptance_notice.issued_on", "17/02/2021")
    desk.step(case, "review_acceptance", cases.acceptance(issued_on="2021-02-17"))


def test_the_verification_period_ends_on_or_before_the_resolution_deadline(desk: Desk) -> None:
    # Accepted 01/03/2021, resolution deadline 15/04; assigned 02/03: 44 days end 15/04, 45 would end 16/04.
    case = desk.start(cases.petition())
    desk.walk(case, "assign_verification")
    refused(desk, case, lambda: desk.step(case, "assign_verification", cases.assignment("2021-03-02", 45)),
            "verifier.duration_days", "15/04/2021", "khoản 3 Điều 7")
    desk.step(case, "assign_verification", cases.assignment("2021-03-02", 44))


def test_verification_is_assigned_after_the_acceptance(desk: Desk) -> None:
    case = desk.start(cases.petition())
    desk.walk(case, "assign_verification")
    refused(desk, case, lambda: desk.step(case, "assign_verification", cases.assignment("2021-02-28")),
            "verifier.decision_date", "01/03/2021")
    desk.step(case, "assign_verification", cases.assignment("2021-03-01"))


def test_a_work_session_is_not_before_the_verification_was_assigned(desk: Desk) -> None:
    case = desk.start(cases.petition())
    desk.walk(case, "verify_complaint")
    refused(desk, case, lambda: desk.step(case, "verify_complaint", cases.verification("2021-03-01")),
            "verification.work_sessions.0.date", "02/03/2021")
    desk.step(case, "verify_complaint", cases.verification("2021-03-02"))


def _dialogue_on(held_on: str, **changes: Any) -> dict[str, Any]:
    data = cases.dialogue()
    data["dialogue"].update(held_on=held_on, **changes)
    return data


def test_the_dialogue_is_held_after_the_verification_was_assigned(desk: Desk) -> None:
    case = desk.start(cases.petition())
    desk.walk(case, "record_dialogue")
    refused(desk, case, lambda: desk.step(case, "record_dialogue", _dialogue_on("2021-03-01")), "dialogue.held_on",
            "02/03/2021")
    desk.step(case, "record_dialogue", _dialogue_on("2021-03-02"))


def test_the_report_is_received_after_the_dialogue_and_the_decision_after_the_report(desk: Desk) -> None:
    case = desk.start(cases.petition())
    desk.walk(case, "submit_verification_report")
    refused(desk, case, lambda: desk.step(case, "submit_verification_report", cases.report("2021-04-05")),
            "verification_report.received_on", "06/04/2021")
    desk.step(case, "submit_verification_report", cases.report("2021-04-06"))
    refused(desk, case, lambda: desk.step(case, "issue_decision", cases.decision("2021-04-05")), "decision.issued_on",
            "06/04/2021")
    desk.step(case, "issue_decision", cases.decision("2021-04-06"))


def test_sending_and_publication_are_not_before_the_decision(desk: Desk) -> None:
    case = desk.start(cases.petition())
    desk.walk(case, "send_decision")
    refused(desk, case, lambda: desk.step(case, "send_decision", cases.sending("2021-04-13")), "sending.sent_on",
            "14/04/2021")
    desk.step(case, "send_decision", cases.sending("2021-04-14"))
    refused(desk, case, lambda: desk.step(case, "publish_decision", cases.publication("2021-04-13")),
            "publication.published_on", "14/04/2021")
    desk.step(case, "publish_decision", cases.publication("2021-04-14"))
    assert desk.view(case).instance.outcome == "resolved"


def test_implausible_dates_are_refused_by_the_form(desk: Desk) -> None:
    first = {**cases.petition()["first_decision"], "issued_on": "1989-12-31"}
    refused(desk, None, lambda: desk.start(cases.petition(first_decision=first)), "first_decision.issued_on")
    first["issued_on"] = "1990-01-01"
    assert desk.ready(desk.start(cases.petition(first_decision=first))) == ["review_acceptance"]
