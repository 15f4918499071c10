"""Run the real complaint diagram through the engine, every path, round-tripping the state
through the serializer after every step (no Flask, no database)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.engine import CompiledProcess, Engine, ReadyTask, WorkflowRun, compile_process, validate_form
from app.errors import FormValidationError, TaskNotReady
from app.services.deploy import read_sources
from tests import cases

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def process() -> CompiledProcess:
    files = read_sources(ROOT / "processes", ROOT / "forms", "complaint_second_level")
    return compile_process("complaint_second_level", files)


class Case:
    """Drives one instance like the services do: validate, act, save, load."""

    def __init__(self, engine: Engine, process: CompiledProcess, petition: dict[str, Any]) -> None:
        self.engine, self.process = engine, process
        self.clock = engine.now.__self__  # the FrozenClock the engine reads
        self.clock.set(cases.office_hours_of(petition, self.clock.now()))
        assert validate_form(process.validator(process.start.form), petition) == {}
        self.run = engine.start(process, petition)
        self._round_trip()

    def _round_trip(self) -> None:
        self.run = self.engine.load(self.process, self.engine.dump(self.run))

    @property
    def data(self) -> dict[str, Any]:
        return self.run.data

    def ready(self) -> ReadyTask:
        tasks = self.run.ready_tasks()
        assert len(tasks) == 1, [t.info.bpmn_id for t in tasks]
        return tasks[0]

    def errors(self, data: dict[str, Any]) -> dict[str, str]:
        return validate_form(self.process.validator(self.ready().info.form), data)

    def complete(self, bpmn_id: str, role: str, data: dict[str, Any]) -> None:
        task = self.ready()
        assert (task.info.bpmn_id, task.info.role) == (bpmn_id, role)
        assert self.errors(data) == {}
        self.clock.set(cases.office_hours_of(data, self.clock.now()))
        self.run.complete(task.id, data)
        self._round_trip()

    def message(self, name: str, payload: dict[str, Any]) -> None:
        assert validate_form(self.process.validator(f"{name}.schema.json"), payload) == {}
        self.clock.set(cases.office_hours_of(payload, self.clock.now()))
        self.run.send_message(name, payload)
        self._round_trip()


def test_case_a_is_resolved_with_every_legal_deadline(engine: Engine, process: CompiledProcess) -> None:
    case = Case(engine, process, cases.petition())
    assert case.data["filing_deadline"] == "2021-02-17"  # day 30 in Tết rolls to 17/02
    assert case.data["filed_in_time"] is True
    assert case.data["acceptance_deadline"] == "2021-03-03"
    assert case.data["competent_authority"] == "provincial_chair"
    assert case.ready().due_on == "2021-03-03"
    for bpmn_id, role, payload in cases.RESOLVED_PATH:
        case.complete(bpmn_id, role, payload())
        if bpmn_id == "review_acceptance":
            assert case.data["resolution_deadline"] == "2021-04-15"
        if bpmn_id == "submit_verification_report":
            assert case.data["decision_deadline"] == "2021-04-14"
            assert case.ready().due_on == "2021-04-14"
        if bpmn_id == "issue_decision":
            assert case.data["sending_deadline"] == "2021-04-22"  # 21/04 is Hùng Kings' day
            assert case.data["publication_deadline"] == "2021-04-29"
    assert case.run.completed
    assert case.data["outcome"] == "resolved"
    assert case.data["decision"]["number"] == "250/QĐ-UBND"


def test_complex_case_resolution_deadline_skips_the_may_holidays(engine: Engine, process: CompiledProcess) -> None:
    case = Case(engine, process, cases.petition())
    case.complete("review_acceptance", "resolver", cases.acceptance(complex_case=True))
    assert case.data["resolution_deadline"] == "2021-05-04"


def test_rejects_complaint_filed_after_30_days_without_valid_reason(engine: Engine, process: CompiledProcess) -> None:
    first = {**cases.petition()["first_decision"], "issued_on": "2021-01-04", "received_on": "2021-01-05"}
    late = cases.petition(first_decision=first)
    case = Case(engine, process, late)
    assert case.data["filing_deadline"] == "2021-02-04"
    assert case.data["filed_in_time"] is False
    accept_anyway = cases.acceptance()
    accept_anyway["eligibility"]["filed_in_time_with_right_authority"] = False
    assert "eligibility.filed_in_time_with_right_authority" in case.errors(accept_anyway)
    case.complete("review_acceptance", "resolver",
                  cases.rejection(6, "filed_in_time_with_right_authority", "Quá thời hạn khiếu nại, không có lý do chính đáng"))
    assert case.run.completed
    assert (case.data["outcome"], case.data["rejection_ground"]) == ("not_accepted", 6)


def test_accepts_late_complaint_when_documented_obstacle_days_are_excluded(engine: Engine, process: CompiledProcess) -> None:
    obstacle = [{"from": "2021-01-20", "to": "2021-02-05", "reason": "Ốm phải điều trị nội trú",
                 "evidence": "Giấy ra viện số 123/BV"}]
    late = cases.petition(first_decision={**cases.petition()["first_decision"], "issued_on": "2021-01-04",
                                          "received_on": "2021-01-05"}, excluded_days=obstacle)
    case = Case(engine, process, late)
    assert case.data["filing_deadline"] == "2021-02-22"  # 30 + 17 days = Sun 21/02, rolled to Mon 22/02
    assert case.data["filed_in_time"] is True
    case.complete("review_acceptance", "resolver", cases.acceptance())
    assert case.ready().info.bpmn_id == "assign_verification"


def test_rejects_complaint_a_court_has_accepted_on_ground_9(engine: Engine, process: CompiledProcess) -> None:
    case = Case(engine, process, cases.petition())
    case.complete("review_acceptance", "resolver",
                  cases.rejection(9, "no_court_case", "Tòa án nhân dân tỉnh đã thụ lý vụ án hành chính"))
    assert (case.data["outcome"], case.data["rejection_ground"]) == ("not_accepted", 9)
    assert case.data["non_acceptance_notice"]["number"] == "46/TB-UBND"


def test_rejection_needs_a_ground_and_a_reason(engine: Engine, process: CompiledProcess) -> None:
    case = Case(engine, process, cases.petition())
    bare = {"eligibility": {**cases.ELIGIBLE, "no_court_case": False}, "accepted": False, "complex_case": False,
            "non_acceptance_notice": {"number": "1/TB", "issued_on": "2021-03-01"}}
    assert {"rejection_ground", "rejection_reason"} <= set(case.errors(bare))


def test_petition_to_the_wrong_authority_is_guided_once_to_the_right_one(engine: Engine, process: CompiledProcess) -> None:
    wrong = cases.petition(submitted_to="department_head")
    case = Case(engine, process, wrong)
    assert case.data["competent_authority"] == "provincial_chair"
    case.complete("guide_complainant", "reception", cases.guidance())
    assert case.run.completed
    assert case.data["outcome"] == "guided"
    assert case.data["competent_authority_name"] == "Chủ tịch UBND tỉnh"


def test_unit_decision_goes_to_the_department_head(engine: Engine, process: CompiledProcess) -> None:
    first = {**cases.petition()["first_decision"], "issuer_level": "department_unit_head",
             "issuer": "Chi cục trưởng Chi cục Kiểm lâm", "department": "Sở Nông nghiệp và PTNT"}
    case = Case(engine, process, cases.petition(first_decision=first, submitted_to="department_head"))
    assert case.data["competent_authority"] == "department_head"
    assert case.ready().info.bpmn_id == "review_acceptance"


def test_withdrawal_during_verification_ends_the_case_and_keeps_the_file(engine: Engine, process: CompiledProcess) -> None:
    case = Case(engine, process, cases.petition())
    case.complete("review_acceptance", "resolver", cases.acceptance())
    case.complete("assign_verification", "resolver", cases.assignment())
    assert case.ready().info.bpmn_id == "verify_complaint"
    assert "withdrawal" in case.run.waiting_messages()
    case.message("withdrawal", cases.withdrawal())
    case.complete("issue_termination", "resolver", cases.termination())
    assert case.run.completed
    data = case.data
    assert data["outcome"] == "withdrawn"
    assert data["withdrawal"]["letter_date"] == "2021-03-20"
    assert data["termination"]["number"] == "300/QĐ-UBND"
    # what was done before the withdrawal stays in the case file
    assert data["accepted"] is True and data["verifier"]["unit"] == "Thanh tra tỉnh Gia Lai"
    assert data["resolution_deadline"] == "2021-04-15"


def test_withdrawal_is_refused_once_the_decision_is_issued(engine: Engine, process: CompiledProcess) -> None:
    case = Case(engine, process, cases.petition())
    for bpmn_id, role, payload in cases.RESOLVED_PATH[:6]:
        case.complete(bpmn_id, role, payload())
    assert case.ready().info.bpmn_id == "send_decision"
    assert "withdrawal" not in case.run.waiting_messages()
    with pytest.raises(TaskNotReady):
        case.run.send_message("withdrawal", cases.withdrawal())


def test_dialogue_refusal_to_sign_requires_its_reason(engine: Engine, process: CompiledProcess) -> None:
    case = Case(engine, process, cases.petition())
    for bpmn_id, role, payload in cases.RESOLVED_PATH[:3]:
        case.complete(bpmn_id, role, payload())
    errors = case.errors(cases.dialogue(refusal_reason=None))
    assert list(errors) == ["dialogue.participants.2.refusal_reason"]
    assert errors["dialogue.participants.2.refusal_reason"] == "Chưa nhập «Lý do không ký»."
    assert "dialogue.participants.2.refusal_reason" in case.errors(cases.dialogue(refusal_reason=""))
    case.complete("record_dialogue", "verifier", cases.dialogue())
    assert case.data["dialogue"]["participants"][2]["refusal_reason"] == "Không đồng ý với kết quả xác minh"


def test_group_complaint_needs_representatives_within_the_legal_limit(engine: Engine, process: CompiledProcess) -> None:
    validator = process.validator(process.start.form)
    reps = [{"full_name": f"Người đại diện {i}", "address": "Xã Ia Mơ"} for i in range(1, 7)]
    group_dossier = {**cases.petition()["dossier"], "all_complainants_signed": True, "representation_document": True}
    assert validate_form(validator, cases.petition(complainant_count=12, representatives=reps[:3], dossier=group_dossier)) == {}
    assert "representatives" in validate_form(validator, cases.petition(complainant_count=12, representatives=reps))
    assert "representatives" in validate_form(validator, cases.petition(complainant_count=7, representatives=reps[:3]))
    assert "representatives" in validate_form(validator, cases.petition(complainant_count=12))
    case = Case(engine, process, cases.petition(complainant_count=12, representatives=reps[:3], dossier=group_dossier))
    assert case.ready().info.bpmn_id == "review_acceptance"


def test_remote_area_gets_45_days_to_file_and_70_to_resolve_when_complex(engine: Engine, process: CompiledProcess) -> None:
    first = {**cases.petition()["first_decision"], "issued_on": "2021-01-03", "received_on": "2021-01-04"}
    case = Case(engine, process, cases.petition(first_decision=first, remote_area=True))
    assert case.data["filing_deadline"] == "2021-02-18"  # 04/01 + 45 = 18/02 (after Tết)
    assert case.data["filed_in_time"] is True
    case.complete("review_acceptance", "resolver", cases.acceptance(complex_case=True))
    assert case.data["resolution_deadline"] == "2021-05-10"  # 01/03 + 70 = Sun 09/05 → Mon 10/05


def test_serialized_state_leaves_the_spec_out(engine: Engine, process: CompiledProcess) -> None:
    case = Case(engine, process, cases.petition())
    text = engine.dump(case.run)
    assert '"spec"' not in text[:200] and "subprocess_specs" not in text
    assert isinstance(case.run, WorkflowRun)


def _case_2026(engine: Engine, process: CompiledProcess) -> Case:
    first = {**cases.petition()["first_decision"], "issued_on": "2026-06-25", "received_on": "2026-07-01"}
    case = Case(engine, process, cases.petition(received_on="2026-07-15", first_decision=first))
    assert case.data["regime"] == "2026-07"
    case.complete("review_acceptance", "resolver", cases.acceptance(issued_on="2026-07-20"))
    case.complete("assign_verification", "resolver", cases.assignment("2026-07-21"))
    case.complete("verify_complaint", "verifier", cases.verification("2026-07-25"))
    return case


def _dialogue_noticed(held_on: str, notice_sent_on: str) -> dict[str, Any]:
    data = cases.dialogue()
    data["dialogue"].update(held_on=held_on, notice_sent_on=notice_sent_on)
    return data


def test_2026_dialogue_notice_less_than_5_days_ahead_is_refused_on_its_field(
        engine: Engine, process: CompiledProcess) -> None:
    case = _case_2026(engine, process)
    task, saved = case.ready(), engine.dump(case.run)
    case.clock.set(cases.office_hours_of("2026-08-10", case.clock.now()))
    with pytest.raises(FormValidationError) as refused:
        case.run.complete(task.id, _dialogue_noticed("2026-08-10", "2026-08-06"))
    assert list(refused.value.fields) == ["dialogue.notice_sent_on"]
    assert "ít nhất 5 ngày" in refused.value.fields["dialogue.notice_sent_on"]
    case.run = engine.load(process, saved)  # a refused step is never saved; the service reloads the last state
    case.complete("record_dialogue", "verifier", _dialogue_noticed("2026-08-10", "2026-08-05"))
    assert case.ready().info.bpmn_id == "submit_verification_report"


def test_2021_dialogue_needs_no_notice_date(engine: Engine, process: CompiledProcess) -> None:
    case = Case(engine, process, cases.petition())
    for bpmn_id, role, payload in cases.RESOLVED_PATH[:4]:
        case.complete(bpmn_id, role, payload())
    assert case.ready().info.bpmn_id == "submit_verification_report"
