"""Suspension and resumption of a resolution (2026 regime: LKN Art. 11a; Decree 124 Art. 28a–28b as
amended by Decree 155/2026): the clock stops, Mẫu 14a goes out within 3 working days, and from the
resumption decision the days of the resolution period not yet used run on (it continues, it does not
restart: NĐ124 Art. 28b(2) as added by NĐ155 Art. 12) while the case picks up at the step it left."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.engine import CompiledProcess, Engine
from app.engine.deadlines import overdue_at
from app.errors import FormValidationError
from tests import cases
from tests.engine.test_complaint_paths import Case, process  # noqa: F401 - module fixture

INVESTIGATION_STEPS = ["assign_verification", "verify_complaint", "record_dialogue", "submit_verification_report",
                       "issue_decision"]


def case_2026_at(engine: Engine, process: CompiledProcess, step: str) -> Case:  # noqa: F811
    """A 2026 case carried up to (not including) the given step."""
    case = Case(engine, process, cases.petition_2026())
    assert case.data["regime"] == "2026-07"
    for bpmn_id, role, payload in cases.PATH_2026:
        if bpmn_id == step:
            return case
        case.complete(bpmn_id, role, payload())
    raise AssertionError(step)


@pytest.mark.parametrize("step", INVESTIGATION_STEPS)
def test_a_suspended_case_resumes_at_its_step_with_the_clock_continued(
        engine: Engine, process: CompiledProcess, step: str) -> None:  # noqa: F811
    case = case_2026_at(engine, process, step)
    assert case.data["resolution_deadline"] == "2026-09-03"  # 45 days from the acceptance of 20/07
    done_before = {k: case.data[k] for k in ("verifier", "verification", "dialogue", "verification_report")}

    case.message("suspension", cases.suspension("2026-08-06"))
    notice = case.ready()
    assert (notice.info.bpmn_id, notice.info.role) == ("send_suspension_notice", "resolver")
    assert notice.due_on == "2026-08-11"  # Mẫu 14a within 3 working days of Thu 06/08
    # accepted 20/07, suspended 06/08: 21/07–05/08 ran, 16 days of 45 used
    assert (case.data["suspended"], case.data["resolution_days_spent"]) == (True, 16)
    # the resolution clock does not run while suspended; only the notice's own deadline does
    assert case.run.next_timer_at() == datetime.fromisoformat(overdue_at("2026-08-11"))

    case.complete("send_suspension_notice", "resolver", cases.suspension_notice())
    assert case.run.ready_tasks() == []
    assert case.run.waiting_messages() == ["resumption", "termination_ground", "withdrawal"]

    case.message("resumption", cases.resumption("2026-09-14"))
    assert case.data["resolution_deadline"] == "2026-10-13"  # the 29 days left, from 15/09: Tue 13/10
    assert case.data["suspended"] is False
    resumed = case.ready()
    assert resumed.info.bpmn_id == step
    assert {k: case.data[k] for k in done_before} == done_before  # what was done before stays done
    resolution_timer = datetime.fromisoformat(overdue_at("2026-10-13"))
    if step == "issue_decision":
        assert case.data["decision_deadline"] == "2026-09-17"  # 3 working days from the resumption, not the report
        assert resumed.due_on == "2026-09-17"
        assert case.run.next_timer_at() == datetime.fromisoformat(overdue_at("2026-09-17"))
    else:
        assert resumed.due_on == "2026-10-13"
        assert case.run.next_timer_at() == resolution_timer

    remaining = [s for s in cases.PATH_2026 if [p[0] for p in cases.PATH_2026].index(s[0]) >=
                 [p[0] for p in cases.PATH_2026].index(step)]
    for bpmn_id, role, payload in remaining:
        case.complete(bpmn_id, role, payload())
    assert case.run.completed
    assert case.data["outcome"] == "resolved"


def test_a_case_can_be_suspended_twice(engine: Engine, process: CompiledProcess) -> None:  # noqa: F811
    case = case_2026_at(engine, process, "verify_complaint")
    # 16 days used before 06/08; resumed 14/09 with 29 left → 13/10; 6 more used (15–20/09) before 21/09;
    # resumed 05/10 with 23 left → Wed 28/10.
    for suspended_on, resumed_on, deadline in (("2026-08-06", "2026-09-14", "2026-10-13"),
                                               ("2026-09-21", "2026-10-05", "2026-10-28")):
        case.message("suspension", cases.suspension(suspended_on))
        case.complete("send_suspension_notice", "resolver", cases.suspension_notice(suspended_on))
        case.message("resumption", cases.resumption(resumed_on))
        assert (case.ready().info.bpmn_id, case.data["resolution_deadline"]) == ("verify_complaint", deadline)


def test_the_2021_regime_has_no_suspension(engine: Engine, process: CompiledProcess) -> None:  # noqa: F811
    case = Case(engine, process, cases.petition())
    case.complete("review_acceptance", "resolver", cases.acceptance())
    assert case.data["regime"] == "2021"
    case.clock.set(cases.office_hours_of("2021-03-10", case.clock.now()))
    with pytest.raises(FormValidationError) as refused:
        case.run.send_message("suspension", cases.suspension("2021-03-10"))
    assert "Điều 11a" in refused.value.fields["issued_on"]


def test_a_resumption_dated_before_the_suspension_is_refused(engine: Engine, process: CompiledProcess) -> None:  # noqa: F811
    case = case_2026_at(engine, process, "verify_complaint")
    case.message("suspension", cases.suspension("2026-08-06"))
    case.complete("send_suspension_notice", "resolver", cases.suspension_notice())
    with pytest.raises(FormValidationError) as refused:
        case.run.send_message("resumption", cases.resumption("2026-08-01"))
    assert "issued_on" in refused.value.fields


def test_the_suspension_notice_must_reach_complainant_and_respondent(
        engine: Engine, process: CompiledProcess) -> None:  # noqa: F811
    case = case_2026_at(engine, process, "verify_complaint")
    case.message("suspension", cases.suspension())
    notice = cases.suspension_notice()
    notice["suspension_notice"]["recipients"] = notice["suspension_notice"]["recipients"][1:]  # no complainant
    assert case.errors(notice) != {}


def test_a_withdrawal_while_suspended_terminates_the_case(engine: Engine, process: CompiledProcess) -> None:  # noqa: F811
    case = case_2026_at(engine, process, "record_dialogue")
    case.message("suspension", cases.suspension())
    case.complete("send_suspension_notice", "resolver", cases.suspension_notice())
    case.message("withdrawal", cases.withdrawal("2026-08-20"))
    case.complete("issue_termination", "resolver", cases.termination("2026-08-21"))
    notice = case.ready()
    # issued Fri 21/08; Sat 22/08/2026 is worked (swapped for Mon 31/08), so 3 working days end Tue 25/08
    assert (notice.info.bpmn_id, notice.due_on) == ("send_termination_notice", "2026-08-25")
    case.complete("send_termination_notice", "resolver", cases.termination_notice("2026-08-24"))
    assert case.run.completed
    assert case.data["outcome"] == "withdrawn"
    assert case.data["verification"] == cases.verification("2026-07-25")["verification"]
