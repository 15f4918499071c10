"""rules.md §1.2, §1.3 and §2: when a petition may be accepted, checked against what the case knows.

Each test shows the refusal the law requires and, on the same case, the nearest lawful step going through.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests import cases
from tests.law.conftest import Desk, refused


def _dossier(**changes: Any) -> dict[str, Any]:
    return {**cases.petition()["dossier"], **changes}


def _accept(**changes: Any) -> dict[str, Any]:
    return {**cases.acceptance(), **changes}


def test_ground_5_an_unsigned_petition_is_not_accepted_until_it_is_signed(desk: Desk) -> None:
    case = desk.start(cases.petition(dossier=_dossier(petition_signature="none")))
    refused(desk, case, lambda: desk.step(case, "review_acceptance", _accept()), "accepted", "chữ ký", "khoản 5 Điều 11")
    signed = {"received_on": "2021-02-25", "petition_signature": "fingerprinted"}
    desk.step(case, "review_acceptance", _accept(supplement=signed))
    assert desk.ready(case) == ["assign_verification"]
    assert desk.data(case)["dossier"]["petition_signature"] == "none"  # what was received stays on file
    assert desk.data(case)["dossier_checked"]["petition_signature"] == "fingerprinted"


def test_ground_5_is_a_lawful_rejection_of_an_unsigned_petition_and_of_no_signed_one(desk: Desk) -> None:
    signed = desk.start(cases.petition())
    refused(desk, signed, lambda: desk.step(signed, "review_acceptance", cases.rejection(5, "no_court_case", "Đơn không ký")),
            "rejection_ground", "khoản 5 Điều 11")
    unsigned = desk.start(cases.petition(dossier=_dossier(petition_signature="none")))
    rejection = {**cases.rejection(5, "no_court_case", "Đơn không có chữ ký"), "eligibility": dict(cases.ELIGIBLE)}
    desk.step(unsigned, "review_acceptance", rejection)
    assert desk.view(unsigned).instance.outcome == "not_accepted"


# Received 10/03/2021 a first decision received on 01/02/2021: day 30 was Wed 03/03, so the petition is late.
LATE = {"received_on": "2021-03-10",
        "first_decision": {**cases.petition()["first_decision"], "issued_on": "2021-01-28", "received_on": "2021-02-01"}}


def test_ground_6_a_late_petition_with_no_obstacle_inside_the_limit_is_not_accepted(desk: Desk) -> None:
    # An obstacle before the limit began (20–31/01) extends nothing (rules.md §1.2).
    before_limit = [{"from": "2021-01-20", "to": "2021-01-31", "reason": "Ốm", "evidence": "Giấy ra viện 1/BV"}]
    case = desk.start(cases.petition(**LATE, excluded_days=before_limit))
    assert (desk.data(case)["filing_deadline"], desk.data(case)["filed_in_time"]) == ("2021-03-03", False)
    refused(desk, case, lambda: desk.step(case, "review_acceptance", _accept(acceptance_notice={
        "number": "45/TB-UBND", "issued_on": "2021-03-12"})), "eligibility.filed_in_time_with_right_authority",
        "03/03/2021", "khoản 6 Điều 11")
    # The nearest lawful case: a documented obstacle inside the limit, 20/02–01/03 (10 days): day 30 is 13/03.
    inside = {"received_on": "2021-03-11", "excluded_days": [{"from": "2021-02-20", "to": "2021-03-01", "reason": "Lũ lụt",
                                                              "evidence": "Xác nhận của UBND xã"}]}
    desk.step(case, "review_acceptance", _accept(supplement=inside, acceptance_notice={"number": "45/TB-UBND",
                                                                                     "issued_on": "2021-03-12"}))
    # Day 30 is then Sat 13/03 -> Mon 15/03.
    assert (desk.data(case)["filing_deadline"], desk.data(case)["filed_in_time"]) == ("2021-03-15", True)


def test_a_group_needs_every_signature_and_the_appointment_of_its_representatives(desk: Desk) -> None:
    reps = [{"full_name": "Lê Văn C", "address": "Xã Ia Mơ"}]
    case = desk.start(cases.petition(complainant_count=7, representatives=reps,
                                     dossier=_dossier(all_complainants_signed=False, representation_document=False)))
    refused(desk, case, lambda: desk.step(case, "review_acceptance", _accept()), "accepted", "tất cả người khiếu nại")
    refused(desk, case, lambda: desk.step(case, "review_acceptance", _accept(supplement={
        "received_on": "2021-02-24", "all_complainants_signed": True})), "accepted", "văn bản cử người đại diện")
    desk.step(case, "review_acceptance", _accept(supplement={"received_on": "2021-02-24", "all_complainants_signed": True,
                                                              "representation_document": True}))
    assert desk.ready(case) == ["assign_verification"]


def test_the_register_form_requires_the_signatures_answer_for_several_complainants(desk: Desk) -> None:
    refused(desk, None, lambda: desk.start(cases.petition(complainant_count=2)), "dossier.all_complainants_signed")
    case = desk.start(cases.petition(complainant_count=2, dossier=_dossier(all_complainants_signed=True)))
    assert desk.ready(case) == ["review_acceptance"]


def test_no_acceptance_without_the_first_decisions_copy_unless_the_first_level_never_decided(desk: Desk) -> None:
    case = desk.start(cases.petition(dossier=_dossier(first_decision_copy=False)))
    refused(desk, case, lambda: desk.step(case, "review_acceptance", _accept()), "accepted", "bản sao quyết định",
            "khoản 1 Điều 33")
    desk.step(case, "review_acceptance", _accept(supplement={"received_on": "2021-02-26", "first_decision_copy": True}))
    assert desk.ready(case) == ["assign_verification"]


def test_a_petition_is_registered_without_a_first_decision_only_once_the_first_level_is_overdue(desk: Desk) -> None:
    # First-level complaint accepted Fri 02/04/2021: its 30 days end Tue 04/05 (Sun 02/05, then the
    # compensatory day off for 1/5 on Mon 03/05); from there the 30-day filing limit ends Thu 03/06.
    overdue = {"first_level": {"overdue": True, "accepted_on": "2021-04-02", "complex_case": False},
               "first_decision": {"issuer": "Chủ tịch UBND huyện Chư Prông", "issuer_level": "district_chair"},
               "dossier": _dossier(first_decision_copy=False)}
    refused(desk, None, lambda: desk.start(cases.petition(received_on="2021-05-04", **overdue)), "first_level.overdue",
            "04/05/2021")
    case = desk.start(cases.petition(received_on="2021-05-05", **overdue))
    assert (desk.data(case)["first_level_deadline"], desk.data(case)["filing_deadline"]) == ("2021-05-04", "2021-06-03")
    desk.step(case, "review_acceptance", _accept(acceptance_notice={"number": "45/TB-UBND", "issued_on": "2021-05-10"}))
    assert desk.ready(case) == ["assign_verification"]


def test_without_the_overdue_first_level_a_first_decision_is_required(desk: Desk) -> None:
    bare = {"issuer": "Chủ tịch UBND huyện Chư Prông", "issuer_level": "district_chair"}
    refused(desk, None, lambda: desk.start(cases.petition(first_decision=bare)), "first_decision.number")


@pytest.mark.parametrize(("ground", "answer"), [
    (1, "not_internal_act"), (2, "directly_affected"), (3, "has_capacity_or_lawful_representative"),
    (4, "has_capacity_or_lawful_representative"), (6, "filed_in_time_with_right_authority"),
    (7, "no_second_level_decision"), (8, "no_lapsed_termination"), (9, "no_court_case"),
])
def test_a_rejection_ground_must_be_the_one_the_eligibility_answers_show(desk: Desk, ground: int, answer: str) -> None:
    case = desk.start(cases.petition())
    other = "no_court_case" if answer != "no_court_case" else "directly_affected"
    refused(desk, case, lambda: desk.step(case, "review_acceptance", cases.rejection(ground, other, "Lý do")),
            "rejection_ground", f"khoản {ground} Điều 11")
    desk.step(case, "review_acceptance", cases.rejection(ground, answer, "Lý do"))
    assert desk.data(case)["rejection_ground"] == ground


def test_an_acceptance_needs_every_condition_met(desk: Desk) -> None:
    case = desk.start(cases.petition())
    failing = {**cases.acceptance(), "eligibility": {**cases.ELIGIBLE, "no_lapsed_termination": False}}
    refused(desk, case, lambda: desk.step(case, "review_acceptance", failing), "eligibility.no_lapsed_termination")
    desk.step(case, "review_acceptance", cases.acceptance())
    assert desk.ready(case) == ["assign_verification"]


def test_a_supplement_only_adds_to_the_dossier_an_item_left_unticked_removes_nothing(desk: Desk) -> None:
    # On file: a signed petition of a group of 7, every signature, the appointment and the first decision's copy.
    reps = [{"full_name": "Lê Văn C", "address": "Xã Ia Mơ"}]
    case = desk.start(cases.petition(complainant_count=7, representatives=reps,
                                     dossier=_dossier(all_complainants_signed=True, representation_document=True)))
    nothing_new = {"received_on": "2021-02-26", "all_complainants_signed": False, "representation_document": False,
                   "first_decision_copy": False}
    desk.step(case, "review_acceptance", _accept(supplement=nothing_new))
    assert desk.ready(case) == ["assign_verification"]
    checked = desk.data(case)["dossier_checked"]
    assert (checked["all_complainants_signed"], checked["representation_document"], checked["first_decision_copy"],
            checked["petition_signature"]) == (True, True, True, "signed")


def test_a_supplement_of_a_signature_adds_it_but_does_not_replace_one_on_file(desk: Desk) -> None:
    case = desk.start(cases.petition(dossier=_dossier(petition_signature="signed", first_decision_copy=False)))
    # The nearest unlawful case: the copy is still missing, whatever the supplement says of the signature.
    refused(desk, case, lambda: desk.step(case, "review_acceptance", _accept(supplement={
        "received_on": "2021-02-26", "petition_signature": "fingerprinted", "first_decision_copy": False})),
        "accepted", "bản sao quyết định")
    desk.step(case, "review_acceptance", _accept(supplement={"received_on": "2021-02-26",
                                                              "petition_signature": "fingerprinted",
                                                              "first_decision_copy": True}))
    checked = desk.data(case)["dossier_checked"]
    assert (checked["petition_signature"], checked["first_decision_copy"]) == ("signed", True)


def test_the_acceptance_notice_is_not_dated_before_the_supplement_that_made_the_petition_acceptable(desk: Desk) -> None:
    case = desk.start(cases.petition(dossier=_dossier(petition_signature="none")))
    signed = {"received_on": "2021-02-25", "petition_signature": "signed"}
    refused(desk, case, lambda: desk.step(case, "review_acceptance", _accept(
        supplement=signed, acceptance_notice={"number": "45/TB-UBND", "issued_on": "2021-02-24"})),
        "acceptance_notice.issued_on", "25/02/2021", "hồ sơ bổ sung")
    desk.step(case, "review_acceptance", _accept(supplement=signed,
                                                 acceptance_notice={"number": "45/TB-UBND", "issued_on": "2021-02-25"}))
    assert desk.data(case)["resolution_clock_from"] == "2021-02-25"


def test_a_non_acceptance_notice_is_not_dated_before_the_supplement_it_rules_on(desk: Desk) -> None:
    case = desk.start(cases.petition())
    supplement = {"received_on": "2021-02-25", "excluded_days": []}
    rejection = {**cases.rejection(9, "no_court_case", "Tòa án đã thụ lý", issued_on="2021-02-24"),
                 "supplement": supplement}
    refused(desk, case, lambda: desk.step(case, "review_acceptance", rejection), "non_acceptance_notice.issued_on",
            "25/02/2021")
    desk.step(case, "review_acceptance", {**rejection, "non_acceptance_notice": {"number": "46/TB-UBND",
                                                                                 "issued_on": "2021-02-25"}})
    assert desk.view(case).instance.outcome == "not_accepted"
