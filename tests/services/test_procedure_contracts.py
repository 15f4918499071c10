"""A diagram that breaks what its procedure's code reads is refused at deploy and lint, naming the element."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from app.engine import compile_process
from app.errors import DiagramError
from app.procedures import all_procedures
from app.services import deploy
from app.services.principal import Principal
from app.services.procedures import CONTRACT_RULE, Contract, Procedure, Procedures
from app.services.runtime import Runtime
from tests.conftest import basic

ROOT = Path(__file__).resolve().parents[2]
PLAN, COMPLAINT = "na_session_reception", "complaint_second_level"
PLAN_BPMN = f"processes/{PLAN}/{PLAN}.bpmn"
PETITION = f"forms/{COMPLAINT}/register_petition.schema.json"
PETITION_UI = f"forms/{COMPLAINT}/register_petition.uischema.json"
ANALYST = Principal(0, "analyst", "Analyst", frozenset({"analyst"}))


def _files(process_id: str) -> dict[str, str]:
    return deploy.read_sources(ROOT / "processes", ROOT / "forms", process_id)


def _renamed_day_step(files: dict[str, str]) -> dict[str, str]:
    """The daily register step renamed everywhere in the diagram (its forms keep their names)."""
    return {**files, PLAN_BPMN: re.sub(r"(?<![\w.])record_reception_day(?![\w.])", "record_day", files[PLAN_BPMN])}


def _without_petition_field(files: dict[str, str], name: str) -> dict[str, str]:
    schema, ui = json.loads(files[PETITION]), json.loads(files[PETITION_UI])
    schema["properties"].pop(name)
    schema["required"] = [r for r in schema.get("required", []) if r != name]
    ui.pop(name, None)
    ui["ui:order"] = [f for f in ui.get("ui:order", []) if f != name]
    return {**files, PETITION: json.dumps(schema), PETITION_UI: json.dumps(ui)}


def _contract_problems(process_id: str, files: dict[str, str]) -> list[tuple[str, str | None]]:
    problems = deploy.check(process_id, files, Procedures(all_procedures()))
    return [(p.file, p.element) for p in problems if p.rule == CONTRACT_RULE]


def test_the_shipped_diagrams_keep_their_procedures_contracts() -> None:
    assert _contract_problems(PLAN, _files(PLAN)) == []
    assert _contract_problems(COMPLAINT, _files(COMPLAINT)) == []


def test_renaming_the_register_step_is_a_problem_naming_the_step_and_the_diagram() -> None:
    assert _contract_problems(PLAN, _renamed_day_step(_files(PLAN))) == [(PLAN_BPMN, "record_reception_day")]


def test_the_same_rename_is_no_problem_for_a_process_without_a_procedure() -> None:
    assert deploy.check(PLAN, _renamed_day_step(_files(PLAN)), Procedures()) == []


def test_renaming_the_central_message_is_a_problem_naming_the_message() -> None:
    files = _files(PLAN)
    files[PLAN_BPMN] = files[PLAN_BPMN].replace('name="central_coordination"', 'name="central_call"')
    assert _contract_problems(PLAN, files) == [(PLAN_BPMN, "central_coordination")]


def test_dropping_a_petition_field_the_register_fills_is_a_problem_naming_the_field_and_the_form() -> None:
    files = _without_petition_field(_files(COMPLAINT), "receiving_channel")
    assert _contract_problems(COMPLAINT, files) == [(PETITION, "receiving_channel")]


def test_dropping_a_petition_field_the_register_does_not_fill_is_no_contract_problem() -> None:
    files = _without_petition_field(_files(COMPLAINT), "referred_by")
    assert _contract_problems(COMPLAINT, files) == []
    # the diagram still reads it when the decision is sent: that is the generic rule's to name, not the contract's
    problems = deploy.check(COMPLAINT, files, Procedures(all_procedures()))
    assert [(p.rule, p.element) for p in problems] == [("unknown-variable", "send_decision")]


def test_deploy_refuses_a_plan_whose_register_step_was_renamed_and_stores_nothing(rt: Runtime) -> None:
    with pytest.raises(DiagramError) as refused:
        deploy.deploy(rt, ANALYST, PLAN, _renamed_day_step(_files(PLAN)))
    details = refused.value.details
    assert (details["file"], details["element"]) == (PLAN_BPMN, "record_reception_day")
    assert "record_reception_day" in refused.value.message
    assert [d.version for d in deploy.list_deployments(rt) if d.process_id == PLAN] == [1]


def test_deploy_refuses_a_complaint_whose_start_form_lost_a_field_the_register_fills(rt: Runtime) -> None:
    with pytest.raises(DiagramError) as refused:
        deploy.deploy(rt, ANALYST, COMPLAINT, _without_petition_field(_files(COMPLAINT), "receiving_channel"))
    assert (refused.value.details["file"], refused.value.details["element"]) == (PETITION, "receiving_channel")


def test_an_unrelated_change_to_the_plan_deploys_as_a_new_version(rt: Runtime) -> None:
    files = _files(PLAN)
    files[PLAN_BPMN] = files[PLAN_BPMN].replace('name="Ghi sổ tiếp công dân trong ngày"',
                                                'name="Ghi sổ tiếp công dân (bản 2)"', 1)
    assert deploy.deploy(rt, ANALYST, PLAN, files).version == 2


def test_the_lint_api_names_the_broken_contract(client: FlaskClient) -> None:
    response = client.post(f"/api/processes/{PLAN}/lint", json={"files": _renamed_day_step(_files(PLAN))},
                           headers=basic("analyst"))
    assert response.status_code == 200
    assert [(p["file"], p["element"]) for p in response.get_json()["problems"]
            if p["rule"] == CONTRACT_RULE] == [(PLAN_BPMN, "record_reception_day")]


def test_a_step_collecting_another_form_than_the_code_reads_is_a_problem_naming_the_step() -> None:
    compiled = compile_process(PLAN, _files(PLAN))
    wrong = Contract(steps={"record_reception_day": "unit_report.schema.json"}, start_form="draft_plan.schema.json")
    assert [(p.file, p.element) for p in wrong.check(compiled, PLAN_BPMN)] == [
        (PLAN_BPMN, "record_reception_day"), (PLAN_BPMN, compiled.start.event_id or PLAN)]
    right = Contract(steps={"record_reception_day": "record_reception_day.schema.json"},
                     start_form=compiled.start.form)
    assert right.check(compiled, PLAN_BPMN) == []


def test_a_procedure_registers_once() -> None:
    procedures = Procedures(all_procedures())
    with pytest.raises(ValueError, match=PLAN):
        procedures.add(Procedure(PLAN))
    assert procedures.get("timer_demo") is None and procedures.task_hook("timer_demo", "record_reception_day") is None
    assert procedures.task_hook(PLAN, "record_reception_day") is not None
