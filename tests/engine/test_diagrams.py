"""Every diagram and form in the repository validates; unsafe or broken diagrams are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.engine import compile_process
from app.engine.forms import _FORMAT_NAMES, compile_schema, validate_form
from app.errors import DiagramError, UnsafeDiagram
from app.services import organisations
from app.services.deploy import read_sources

ROOT = Path(__file__).resolve().parents[2]
PROCESS_IDS = sorted(p.name for p in (ROOT / "processes").iterdir() if p.is_dir())
BPMN = "processes/complaint_second_level/complaint_second_level.bpmn"


def _files() -> dict[str, str]:
    return read_sources(ROOT / "processes", ROOT / "forms", "complaint_second_level")


@pytest.mark.parametrize("process_id", PROCESS_IDS)
def test_every_process_in_the_repository_compiles_with_its_forms(process_id: str) -> None:
    compiled = compile_process(process_id, read_sources(ROOT / "processes", ROOT / "forms", process_id))
    assert compiled.user_tasks, "a process without user tasks is not what officers run"
    for info in compiled.user_tasks.values():
        assert info.role and info.form in compiled.forms and info.name != info.bpmn_id


@pytest.mark.parametrize("path", sorted((ROOT / "forms").rglob("*.json")), ids=lambda p: p.name)
def test_every_form_file_is_valid(path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    if path.name.endswith(".schema.json"):
        compile_schema(document, path.name)
        assert document.get("additionalProperties") is False
        assert document["title"] and all(p.get("title") for p in document["properties"].values())
    else:
        assert path.name.endswith(".uischema.json") and isinstance(document, dict)


def test_every_element_has_a_vietnamese_name() -> None:
    compiled = compile_process("complaint_second_level", _files())
    tasks = compiled.user_tasks.values()
    assert all(any(ch in t.name for ch in "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹáàãéèíìóòõúùý") for t in tasks)


def test_refuses_a_diagram_with_an_xml_entity() -> None:
    files = _files()
    files[BPMN] = files[BPMN].replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1)
    assert "<!DOCTYPE" in files[BPMN]
    with pytest.raises(UnsafeDiagram):
        compile_process("complaint_second_level", files)


def test_refuses_a_billion_laughs_dmn() -> None:
    files = _files()
    dmn = "processes/complaint_second_level/competent_authority.dmn"
    files[dmn] = ('<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                  + files[dmn].split("?>", 1)[1])
    with pytest.raises(UnsafeDiagram):
        compile_process("complaint_second_level", files)


@pytest.mark.parametrize("condition", [
    "__import__('os').system('touch /tmp/pwned')",
    "().__class__.__base__.__subclasses__()",
    "open('/etc/passwd').read() != ''",
])
def test_refuses_a_diagram_whose_condition_escapes_the_sandbox(condition: str) -> None:
    files = _files()
    original = "competent_authority == submitted_to"
    assert original in files[BPMN]
    files[BPMN] = files[BPMN].replace(original, condition.replace("'", "&apos;"), 1)
    with pytest.raises(UnsafeDiagram) as caught:
        compile_process("complaint_second_level", files)
    assert caught.value.details["element"] == "flow_competent"


def test_refuses_a_script_with_an_import() -> None:
    files = _files()
    anchor = "outcome = 'guided'"
    assert anchor in files[BPMN]
    files[BPMN] = files[BPMN].replace(anchor, "import os\n" + anchor, 1)
    with pytest.raises(UnsafeDiagram):
        compile_process("complaint_second_level", files)


def test_refuses_malformed_xml_with_its_line() -> None:
    files = _files()
    files[BPMN] = files[BPMN].replace("</bpmn:definitions>", "", 1)
    with pytest.raises(DiagramError) as caught:
        compile_process("complaint_second_level", files)
    assert caught.value.details["line"]


def test_refuses_a_user_task_without_a_form() -> None:
    files = _files()
    files.pop("forms/complaint_second_level/record_dialogue.schema.json")
    with pytest.raises(DiagramError, match="record_dialogue"):
        compile_process("complaint_second_level", files)


def test_refuses_a_diagram_that_fails_the_bpmn_schema() -> None:
    files = _files()
    files[BPMN] = files[BPMN].replace("<bpmn:userTask ", '<bpmn:userTask isForCompensation="maybe" ', 1)
    with pytest.raises(DiagramError, match="isForCompensation"):
        compile_process("complaint_second_level", files)


def test_every_format_the_forms_use_is_really_checked() -> None:
    """jsonschema skips a format whose checker library is missing (date-time needs rfc3339-validator)."""
    formats = set()
    for path in (ROOT / "forms").rglob("*.schema.json"):
        formats |= set(_formats(json.loads(path.read_text(encoding="utf-8"))))
    assert {"date", "date-time"} <= formats
    # a format the application checks itself, against its catalogue (tests/law/test_first_decision_department.py)
    formats.discard(organisations.FORMAT)
    for name in sorted(formats):
        validator = compile_schema({"type": "object", "properties": {"x": {"type": "string", "format": name,
                                                                            "title": "Thời điểm"}}}, name)
        expected = {"x": f"«Thời điểm» phải là {_FORMAT_NAMES[name]}."}
        assert validate_form(validator, {"x": "không phải giá trị"}) == expected, name
    dates = compile_schema({"type": "object", "properties": {"d": {"type": "string", "format": "date"},
                                                             "m": {"type": "string", "format": "date-time"}}}, "dates")
    assert set(validate_form(dates, {"d": "1899-12-31", "m": "2101-01-01T00:00:00+07:00"})) == {"d", "m"}
    assert validate_form(dates, {"d": "1990-01-01", "m": "2100-12-31T23:59:00+07:00"}) == {}


def _formats(node: object) -> list[str]:
    if isinstance(node, dict):
        own = [node["format"]] if isinstance(node.get("format"), str) else []
        return own + [f for value in node.values() for f in _formats(value)]
    if isinstance(node, list):
        return [f for value in node for f in _formats(value)]
    return []
