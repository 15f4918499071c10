"""What a diagram and its forms declare for the code: the role an officer field routes, the series its cases take."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.engine import compile_process
from app.errors import DiagramError
from app.services.deploy import read_sources

ROOT = Path(__file__).resolve().parents[2]
FORM = "forms/complaint_second_level/assign_verification.schema.json"


def _files(role: object = "verifier", kind: str = "string") -> dict[str, str]:
    files = read_sources(ROOT / "processes", ROOT / "forms", "complaint_second_level")
    schema = json.loads(files[FORM])
    officer = schema["properties"]["verifier"]["properties"]["officer"]
    officer.update({"x-assigns-role": role, "type": kind})
    files[FORM] = json.dumps(schema, ensure_ascii=False)
    return files


def test_the_verification_decision_routes_the_verifiers_tasks_to_the_officer_it_names() -> None:
    process = compile_process("complaint_second_level", _files())
    assert process.officer_fields == {"assign_verification.schema.json": {"verifier.officer": "verifier"}}


@pytest.mark.parametrize(("role", "kind"), [("admin", "string"), ("someone", "string"), (7, "string"),
                                            ("verifier", "integer")])
def test_a_field_routing_a_role_the_diagram_has_not_or_no_text_field_is_refused(role: object, kind: str) -> None:
    with pytest.raises(DiagramError) as refused:
        compile_process("complaint_second_level", _files(role, kind))
    assert refused.value.details["field"] == "verifier.officer" and "x-assigns-role" in refused.value.message


def test_each_process_numbers_its_cases_in_the_series_its_diagram_declares() -> None:
    for process_id, prefix in (("complaint_second_level", "KN2"), ("na_session_reception", "TCD")):
        files = read_sources(ROOT / "processes", ROOT / "forms", process_id)
        assert compile_process(process_id, files).case_number_prefix == prefix


@pytest.mark.parametrize("bad", ["kn2", "2KN", "KN-2", "K" * 11, "KN 2", ""])
def test_a_series_that_cannot_head_a_case_number_is_refused(bad: str) -> None:
    files = read_sources(ROOT / "processes", ROOT / "forms", "complaint_second_level")
    bpmn = "processes/complaint_second_level/complaint_second_level.bpmn"
    files[bpmn] = files[bpmn].replace('name="caseNumberPrefix" value="KN2"', f'name="caseNumberPrefix" value="{bad}"')
    if bad == "":  # an empty value is no declaration: the shared series
        assert compile_process("complaint_second_level", files).case_number_prefix == "HS"
        return
    with pytest.raises(DiagramError, match="caseNumberPrefix"):
        compile_process("complaint_second_level", files)
