"""Lint finds every problem of a process at once; each rule catches a bad diagram and passes the nearest good one.

Bad diagrams are the shipped ones with their XML (or JSON) text edited, so each case is one mistake an
analyst could make in a modeler.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.engine.lint import ADVISORY_RULES, Problem, lint
from app.engine.lint_forms import unknown_ui_fields
from app.services.deploy import read_sources

ROOT = Path(__file__).resolve().parents[2]
PROCESS_IDS = sorted(p.name for p in (ROOT / "processes").iterdir() if p.is_dir())
PID = "complaint_second_level"
BPMN = f"processes/{PID}/{PID}.bpmn"
PLAN = "na_session_reception"
PLAN_BPMN = f"processes/{PLAN}/{PLAN}.bpmn"
REVIEW = f"forms/{PID}/review_acceptance.schema.json"
REVIEW_UI = f"forms/{PID}/review_acceptance.uischema.json"
DOCUMENTS = f"processes/{PID}/documents/documents.json"


def _files(process_id: str = PID) -> dict[str, str]:
    return read_sources(ROOT / "processes", ROOT / "forms", process_id)


def _edited(*edits: tuple[str, str, str], process_id: str = PID) -> dict[str, str]:
    """The shipped files with each (path, old, new) replaced once; the old text must be there."""
    files = _files(process_id)
    for path, old, new in edits:
        assert old in files[path], old
        files[path] = files[path].replace(old, new, 1)
    return files


def _found(files: dict[str, str], rule: str, process_id: str = PID) -> list[Problem]:
    return [p for p in lint(process_id, files) if p.rule == rule]


def _line_of(files: dict[str, str], path: str, text: str) -> int:
    return files[path][: files[path].index(text)].count("\n") + 1


@pytest.mark.parametrize("process_id", PROCESS_IDS)
def test_the_shipped_processes_lint_clean(process_id: str) -> None:
    assert lint(process_id, _files(process_id)) == []


def test_a_step_outside_every_lane_is_named_with_its_line() -> None:
    ref = "<bpmn:flowNodeRef>review_acceptance</bpmn:flowNodeRef>"
    bad = _edited((BPMN, ref, ""))
    [problem] = _found(bad, "lane-missing")
    assert (problem.file, problem.element) == (BPMN, "review_acceptance")
    assert problem.line == _line_of(bad, BPMN, '<bpmn:userTask id="review_acceptance"')
    moved = _edited((BPMN, ref, ""), (BPMN, '<bpmn:lane id="verifier" name="Cơ quan được giao xác minh">',
                                      f'<bpmn:lane id="verifier" name="Cơ quan được giao xác minh">{ref}'))
    assert lint(PID, moved) == []


def test_a_lane_that_is_no_role_is_named_for_each_of_its_steps() -> None:
    bad = _edited((BPMN, 'id="clerk"', 'id="Lane_1"'))
    assert sorted(p.element for p in _found(bad, "lane-unknown-role")) == ["publish_decision", "send_decision"]
    assert lint(PID, _edited((BPMN, 'id="clerk"', 'id="inspectorate"'))) == []


def test_a_step_naming_a_form_that_is_not_there_is_named() -> None:
    bad = _edited((BPMN, 'value="review_acceptance.schema.json"', 'value="review_acceptanc.schema.json"'))
    assert [p.element for p in _found(bad, "form-missing")] == ["review_acceptance"]
    unnamed = _edited((BPMN, '<spiffworkflow:property name="formJsonSchemaFilename" value="review_acceptance.schema.json" />',
                       ""))
    assert [p.element for p in _found(unnamed, "form-missing")] == ["review_acceptance"]


def test_a_form_that_is_no_json_schema_is_named_by_its_file() -> None:
    schema = json.loads(_files()[REVIEW])
    files = _files()
    files[REVIEW] = json.dumps({**schema, "type": "objekt"})
    [problem] = _found(files, "form-invalid")
    assert problem.file == REVIEW and "review_acceptance.schema.json" in problem.message
    files[REVIEW] = json.dumps({**schema, "type": "object"})
    assert lint(PID, files) == []


def test_a_form_that_is_no_json_names_its_line() -> None:
    files = _files()
    files[REVIEW] = files[REVIEW].replace('"properties"', '"properties" "', 1)
    [problem] = _found(files, "form-invalid-json")
    assert problem.file == REVIEW and problem.line and problem.line > 1


def test_a_ui_schema_that_is_not_there_is_named_and_none_at_all_is_fine() -> None:
    files = _files()
    del files[REVIEW_UI]
    assert [p.element for p in _found(files, "ui-form-missing")] == ["review_acceptance"]
    files[BPMN] = files[BPMN].replace(
        '<spiffworkflow:property name="formUiSchemaFilename" value="review_acceptance.uischema.json" />', "", 1)
    assert lint(PID, files) == []


def test_a_ui_schema_arranging_fields_the_form_lacks_names_each() -> None:
    files = _files()
    ui = json.loads(files[REVIEW_UI])
    ui["ui:order"] = [("eligibilty" if name == "eligibility" else name) for name in ui["ui:order"]]
    ui["eligibility"]["not_internal_actt"] = {"ui:widget": "radio"}
    files[REVIEW_UI] = json.dumps(ui)
    problems = _found(files, "ui-unknown-field")
    assert {p.file for p in problems} == {REVIEW_UI} and {p.element for p in problems} == {"review_acceptance"}
    assert any("«eligibilty»" in p.message for p in problems)
    assert any("«eligibility.not_internal_actt»" in p.message for p in problems)
    ui = json.loads(_files()[REVIEW_UI])
    ui["ui:order"] = [*ui["ui:order"], "*"]  # «*» stands for the fields the order leaves out
    files[REVIEW_UI] = json.dumps(ui)
    assert lint(PID, files) == []


def test_every_refused_expression_is_named_not_only_the_first() -> None:
    bad = _edited(
        (BPMN, "competent_authority == submitted_to", "__import__(&apos;os&apos;) is None"),
        (BPMN, "stage = 'investigation'", "stage = = 'investigation'"),
        (BPMN, "overdue_at(decision_deadline)</bpmn:timeDate>", "overdue_at(decision_deadline).__class__</bpmn:timeDate>"),
    )
    problems = [p for p in lint(PID, bad) if p.rule in {"unsafe-expression", "expression-syntax"}]
    assert {(p.rule, p.element) for p in problems} == {
        ("unsafe-expression", "flow_competent"), ("expression-syntax", "compute_resolution_deadline"),
        ("unsafe-expression", "decision_overdue_timer_definition")}
    assert all(p.line for p in problems)
    good = _edited((BPMN, "competent_authority == submitted_to", "competent_authority != submitted_to"))
    assert lint(PID, good) == []


def test_an_exclusive_gateway_without_default_needs_a_condition_on_every_branch() -> None:
    no_default = (BPMN, '<bpmn:exclusiveGateway id="is_accepted" name="Thụ lý?" default="flow_not_accepted">',
                  '<bpmn:exclusiveGateway id="is_accepted" name="Thụ lý?">')
    [problem] = _found(_edited(no_default), "gateway-no-default")
    assert problem.element == "is_accepted" and "flow_not_accepted" in problem.message
    conditioned = _edited(no_default, (
        BPMN, 'sourceRef="is_accepted" targetRef="mark_not_accepted" />',
        'sourceRef="is_accepted" targetRef="mark_not_accepted"><bpmn:conditionExpression>accepted == False'
        '</bpmn:conditionExpression></bpmn:sequenceFlow>'))
    assert lint(PID, conditioned) == []


def test_a_default_that_is_no_branch_of_the_gateway_is_named() -> None:
    bad = _edited((BPMN, 'default="flow_not_accepted"', 'default="flow_nowhere"'))
    assert [p.element for p in _found(bad, "gateway-default-unknown")] == ["is_accepted"]


def test_an_element_without_a_drawing_is_named_and_only_advised() -> None:
    bad = _edited((BPMN, 'bpmnElement="review_acceptance"', 'bpmnElement="review_acceptance_old"'),
                  (BPMN, 'bpmnElement="flow_accepted"', 'bpmnElement="flow_accepted_old"'))
    assert sorted(p.element for p in _found(bad, "missing-di")) == ["flow_accepted", "review_acceptance"]
    assert "missing-di" in ADVISORY_RULES  # the diagram runs the same; deploy does not refuse it


def test_a_step_no_path_reaches_is_named_but_boundary_events_of_reached_steps_are_not() -> None:
    bad = _edited((BPMN, 'sourceRef="is_competent" targetRef="guide_complainant"',
                   'sourceRef="is_competent" targetRef="is_competent"'))
    unreachable = {p.element for p in _found(bad, "unreachable")}
    assert "guide_complainant" in unreachable
    assert "withdrawal_during_review_acceptance" not in unreachable and "review_acceptance" not in unreachable


def test_an_event_subprocess_start_is_a_root_but_a_plain_subprocess_is_not() -> None:
    bad = _edited((PLAN_BPMN, ' triggeredByEvent="true"', ""), process_id=PLAN)
    unreachable = {p.element for p in _found(bad, "unreachable", PLAN)}
    assert {"central_coordination_events", "central_event_received"} <= unreachable
    assert _found(_files(PLAN), "unreachable", PLAN) == []


def test_an_undeclared_message_or_escalation_is_named() -> None:
    bad = _edited((BPMN, 'messageRef="withdrawal"', 'messageRef="withdrawl"'),
                  (BPMN, 'escalationRef="esc_decision_overdue"', 'escalationRef="esc_missing"'))
    assert [p.element for p in _found(bad, "unknown-message")] == ["withdrawal_during_assign_verification_definition"]
    assert [p.element for p in _found(bad, "unknown-escalation")] == ["decision_overdue_raised_definition"]
    declared = _edited((BPMN, 'messageRef="withdrawal"', 'messageRef="suspension"'))
    assert _found(declared, "unknown-message") == []


def test_instructions_beyond_the_supported_syntax_are_named_each() -> None:
    shown = "Hồ sơ **{{ case_number }}**: đơn không thuộc"
    bad = _edited((BPMN, shown, shown.replace("case_number", "case_number|upper")),
                  (BPMN, "— người khiếu nại: {{ complainant.full_name }}", "— {% for x in y %}{% endfor %}"))
    assert sorted(p.element for p in _found(bad, "instructions-refused")) == ["guide_complainant", "review_acceptance"]
    assert lint(PID, _edited((BPMN, shown, shown.replace("**", "")))) == []


def test_a_documents_declaration_naming_no_step_is_named_on_documents_json() -> None:
    bad = _edited((DOCUMENTS, '"step": "review_acceptance"', '"step": "review_acceptanc"'))
    [problem] = _found(bad, "documents")
    assert problem.file == DOCUMENTS and "review_acceptanc" in problem.message
    assert _found(_files(), "documents") == []


def test_every_problem_of_a_process_is_found_at_once() -> None:
    bad = _edited(
        (BPMN, "<bpmn:flowNodeRef>review_acceptance</bpmn:flowNodeRef>", ""),
        (BPMN, "competent_authority == submitted_to", "__import__(&apos;os&apos;) is None"),
        (BPMN, 'default="flow_not_accepted"', ""),
        (BPMN, 'messageRef="withdrawal"', 'messageRef="withdrawl"'),
    )
    assert {p.rule for p in lint(PID, bad)} >= {"lane-missing", "unsafe-expression", "gateway-no-default",
                                                 "unknown-message"}


def test_unparseable_xml_is_one_problem_with_its_line_and_the_forms_are_still_read() -> None:
    files = _files()
    files[BPMN] = files[BPMN].replace("</bpmn:process>", "</bpmn:proces>", 1)
    files[REVIEW] = "{"
    rules = {p.rule: p for p in lint(PID, files)}
    assert rules["invalid-xml"].file == BPMN and rules["invalid-xml"].line
    assert rules["form-invalid-json"].file == REVIEW


def test_a_ui_schema_is_read_into_lists_and_odd_order_entries_are_named_not_a_crash() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "array", "items": {"type": "object",
                                                                               "properties": {"b": {}}}}}}
    ui = {"ui:order": [{}, "a", "*"], "a": {"items": {"b": {"ui:widget": "textarea"}, "c": {}}}}
    assert unknown_ui_fields(schema, ui) == ["{}", "a.items.c"]
    assert unknown_ui_fields(schema, {"ui:order": ["a", "*"], "a": {"items": {"b": {}}}}) == []


def test_a_diagram_declaring_entities_is_refused_as_unsafe_and_the_plain_one_is_not() -> None:
    files = _files()
    files[BPMN] = files[BPMN].replace("<bpmn:definitions", '<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
                                      "<bpmn:definitions", 1)
    [problem] = _found(files, "unsafe-xml")
    assert problem.file == BPMN and "passwd" not in problem.message
    assert _found(_files(), "unsafe-xml") == []


def test_a_process_without_a_diagram_is_named_and_one_with_it_is_not() -> None:
    forms_only = {path: text for path, text in _files().items() if not path.endswith(".bpmn")}
    [problem] = _found(forms_only, "no-diagram")
    assert PID in problem.message
    assert _found(_files(), "no-diagram") == []


def test_a_constant_timer_beyond_the_bounds_is_named_on_its_element_and_a_computed_one_passes() -> None:
    bad = _edited((BPMN, "overdue_at(acceptance_deadline)", "&quot;9999-12-31T00:00:00+07:00&quot;"))
    [problem] = _found(bad, "limit")
    assert problem.file == BPMN and problem.line == _line_of(bad, BPMN, "9999-12-31")
    assert _found(_files(), "limit") == []


def test_a_form_nested_past_what_can_be_read_is_one_problem_not_a_crash() -> None:
    files = _files()
    files[REVIEW] = '{"type": "object", "properties": {"x": ' * 100_000 + "{}" + "}}" * 100_000
    found = {p.rule for p in lint(PID, files)}
    assert found & {"too-deep", "form-invalid-json", "form-invalid"}, found
    assert _found(_files(), "too-deep") == []
