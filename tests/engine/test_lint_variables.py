"""Rule ``unknown-variable``: diagram code reads only what a form, a script or the engine produces.

Each bad case is the shipped complaint process with one edit an analyst could make, next to the nearest
lawful edit, which lints clean.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.engine.lint import ADVISORY_RULES, Problem, lint
from app.engine.lint_variables import RULE
from app.engine.script_globals import script_global_names
from app.services.deploy import read_sources
from bench.common import BENCH_PID, LOOP_PID, LOOP_STD_PID, model_files

ROOT = Path(__file__).resolve().parents[2]
PID = "complaint_second_level"
BPMN = f"processes/{PID}/{PID}.bpmn"
DMN = f"processes/{PID}/competent_authority.dmn"
PETITION = f"forms/{PID}/register_petition.schema.json"
PETITION_UI = f"forms/{PID}/register_petition.uischema.json"
GUIDANCE = f"forms/{PID}/guide_complainant.schema.json"
ACCEPTED = "accepted == True</bpmn:conditionExpression>"
GUIDED = "<bpmn:script>outcome = 'guided'"


def _files(process_id: str = PID) -> dict[str, str]:
    return read_sources(ROOT / "processes", ROOT / "forms", process_id)


def _edited(*edits: tuple[str, str, str], files: dict[str, str] | None = None) -> dict[str, str]:
    """The files with each (path, old, new) replaced once; the old text must be there."""
    files = dict(files or _files())
    for path, old, new in edits:
        assert old in files[path], old
        files[path] = files[path].replace(old, new, 1)
    return files


def _unknown(files: dict[str, str], process_id: str = PID) -> list[Problem]:
    return [p for p in lint(process_id, files) if p.rule == RULE]


def _line_of(files: dict[str, str], path: str, text: str) -> int:
    return files[path][: files[path].index(text)].count("\n") + 1


def _condition(expression: str) -> dict[str, str]:
    return _edited((BPMN, ACCEPTED, f"{expression}</bpmn:conditionExpression>"))


@pytest.mark.parametrize("process_id", ["complaint_second_level", "na_session_reception"])
def test_the_shipped_processes_read_only_variables_they_produce(process_id: str) -> None:
    assert _unknown(_files(process_id), process_id) == []


@pytest.mark.parametrize("process_id", [BENCH_PID, LOOP_PID, LOOP_STD_PID])
def test_the_bench_models_read_only_variables_they_produce(process_id: str) -> None:
    assert _unknown(model_files(process_id), process_id) == []


def test_a_misspelt_variable_in_a_gateway_condition_is_refused_naming_the_flow_and_its_line() -> None:
    bad = _condition("acceptd == True")
    [problem] = _unknown(bad)
    assert (problem.file, problem.element, problem.line) == (BPMN, "flow_accepted", _line_of(bad, BPMN, "acceptd =="))
    assert problem.message == ("Biểu thức ở phần tử “flow_accepted” dùng biến “acceptd” mà không biểu mẫu hay đoạn mã "
                               "nào của quy trình tạo ra. Có phải “accepted”?")
    assert RULE not in ADVISORY_RULES  # deploy refuses on it
    assert _unknown(_condition("accepted == True")) == []


def test_a_variable_only_a_form_field_produces_is_known() -> None:
    reads = _condition("accepted == True or urgent")
    assert [p.element for p in _unknown(reads)] == ["flow_accepted"]
    guidance = json.loads(reads[GUIDANCE])
    guidance["properties"]["urgent"] = {"type": "boolean", "title": "Khẩn"}
    assert _unknown({**reads, GUIDANCE: json.dumps(guidance, ensure_ascii=False)}) == []


def test_a_variable_only_a_script_produces_is_known() -> None:
    assert [p.element for p in _unknown(_condition("accepted == True and not flagged"))] == ["flow_accepted"]
    assigned = _edited((BPMN, GUIDED, f"{GUIDED}\nflagged, count = False, 0\ncount += 1"),
                       files=_condition("accepted == True and not flagged and count == 0"))
    assert _unknown(assigned) == []


def test_a_name_a_comprehension_binds_is_local_to_it() -> None:
    assert _unknown(_condition("all(x == True for x in [accepted]) and {k: v for k, v in [(1, accepted)]}")) == []
    assert _unknown(_condition("[y for x in [accepted] for y in [x] if y]")) == []
    leaked = _unknown(_condition("[x for x in [accepted]] and x"))
    assert [p.message.split("biến ")[1][:3] for p in leaked] == ["“x”"]
    outer = _unknown(_condition("[x for x in acepted]"))  # the first iterable is read outside the comprehension
    assert [p.element for p in outer] == ["flow_accepted"] and "“acepted”" in outer[0].message


def test_a_lambda_argument_is_no_case_variable_though_the_sandbox_refuses_the_lambda() -> None:
    rules = {p.rule for p in lint(PID, _condition("(lambda v, w=accepted: v == w)(True)"))}
    assert "unsafe-expression" in rules and RULE not in rules


def test_the_engines_functions_and_the_sandboxs_builtins_are_known() -> None:
    assert {"add_working_days", "overdue_at", "today", "require", "normal_text"} <= script_global_names()
    assert _unknown(_condition("accepted == True and is_working_day(today()) and len(str(case_number)) > 0")) == []
    [problem] = _unknown(_condition("accepted == True and is_workday(today())"))
    assert "“is_workday”" in problem.message and "Có phải" not in problem.message  # no variable looks like it


def test_removing_a_form_field_a_later_gateway_reads_is_refused_and_renaming_it_in_both_places_is_not() -> None:
    schema, ui = json.loads(_files()[PETITION]), json.loads(_files()[PETITION_UI])
    field = schema["properties"].pop("submitted_to")
    schema["required"].remove("submitted_to")
    ui_field = ui.pop("submitted_to")
    ui["ui:order"] = [f for f in ui["ui:order"] if f != "submitted_to"]
    removed = {**_files(), PETITION: json.dumps(schema, ensure_ascii=False), PETITION_UI: json.dumps(ui)}
    [problem] = _unknown(removed)
    assert (problem.element, problem.line) == ("flow_competent", _line_of(removed, BPMN, "competent_authority == submi"))
    schema["properties"]["addressed_to"], ui["addressed_to"] = field, ui_field
    schema["required"].append("addressed_to")
    ui["ui:order"].insert(1, "addressed_to")
    renamed = _edited((BPMN, "== submitted_to", "== addressed_to"), files={
        **removed, PETITION: json.dumps(schema, ensure_ascii=False), PETITION_UI: json.dumps(ui, ensure_ascii=False)})
    assert lint(PID, renamed) == []


def test_a_misspelt_variable_deep_in_a_script_names_its_line_in_the_script() -> None:
    bad = _edited((BPMN, GUIDED, f"{GUIDED}\nsummary = outcme"))
    [problem] = _unknown(bad)
    assert (problem.element, problem.line) == ("mark_guided", _line_of(bad, BPMN, GUIDED))
    assert "(dòng 2 của đoạn mã)" in problem.message and "Có phải “outcome”?" in problem.message


def test_a_decision_reads_and_produces_variables_too() -> None:
    bad = _edited((DMN, "<text>first_decision['issuer_level']</text>", "<text>first_decison['issuer_level']</text>"))
    assert [(p.file, p.element) for p in _unknown(bad)] == [(DMN, "input_issuer_level_expression")]
    unread = _edited((DMN, 'name="competent_authority"', 'name="authority"'))  # the gateway still reads the old name
    assert {"flow_competent", "record_dialogue"} == {p.element for p in _unknown(unread)}
    cell = _edited((DMN, '<text>"district_chair"</text>', "<text>? == district_level</text>"))
    assert [p.message.split("biến ")[1].split(" ")[0] for p in _unknown(cell)] == ["“district_level”"]


def test_message_event_and_loop_variables_are_known() -> None:
    plan = "na_session_reception"
    files = _files(plan)
    assert _unknown(files, plan) == []  # central_event (message), unit and day (loop items), units (collection)
    bpmn = f"processes/{plan}/{plan}.bpmn"
    renamed = _edited((bpmn, '<bpmn:inputDataItem id="day" name="day" />', '<bpmn:inputDataItem id="d" name="d" />'),
                      files=files)
    assert {"day_opens_definition", "record_reception_day"} <= {p.element for p in _unknown(renamed, plan)}


def test_a_form_or_diagram_that_does_not_parse_is_named_alone_not_as_every_variable_it_produced() -> None:
    files = _files()
    broken_form = {**files, PETITION: files[PETITION][:-20]}
    rules = {p.rule for p in lint(PID, broken_form)}
    assert "form-invalid-json" in rules and RULE not in rules
    broken_dmn = {**files, DMN: files[DMN][:-20]}
    assert RULE not in {p.rule for p in lint(PID, broken_dmn)}
