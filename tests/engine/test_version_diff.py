"""The diff of two file sets, without a database: fields' facts, choices, conditions, scripts, odd inputs."""

from __future__ import annotations

import json
from typing import Any

from app.engine.diff import diff_files
from app.engine.diff_bpmn import Change, diff_elements
from app.engine.diff_forms import FieldChange, diff_forms, form_fields

FORM = "forms/p/a.schema.json"
BPMN_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions id="d" '
             'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
             'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"><bpmn:process id="p">')


def _form(schema: dict[str, Any]) -> dict[str, str]:
    return {FORM: json.dumps(schema)}


def _diagram(body: str) -> dict[str, str]:
    return {"processes/p/p.bpmn": f"{BPMN_HEAD}{body}</bpmn:process></bpmn:definitions>"}


def test_a_field_whose_facts_change_is_listed_with_them() -> None:
    before = _form({"type": "object", "properties": {"x": {"type": "string", "title": "X"}}})
    after = _form({"type": "object", "required": ["x"],
                   "properties": {"x": {"type": "string", "title": "Ý", "readOnly": True, "enum": ["a", "b"]}}})
    [form] = diff_forms(before, after).changed
    assert form.fields_changed == [FieldChange("x", [Change("title", "X", "Ý"), Change("required", False, True),
                                                     Change("enum", None, ["a", "b"]),
                                                     Change("readOnly", False, True)])]


def test_choices_of_a_list_and_fields_of_its_items_and_of_a_branch_are_walked() -> None:
    fields = form_fields({"type": "object", "properties": {
        "kinds": {"type": "array", "title": "Loại", "items": {"oneOf": [{"const": "a", "title": "A"}]}},
        "people": {"type": "array", "items": {"type": "object", "required": ["name"],
                                              "properties": {"name": {"type": "string"}}}}},
        "if": {"properties": {"kinds": {"contains": {"const": "a"}}}},
        "then": {"properties": {"reason": {"type": "string", "title": "Lý do"}}}})
    assert fields["kinds"]["oneOf"] == [["a", "A"]]
    assert fields["people[].name"]["required"] is True
    assert fields["reason"]["title"] == "Lý do"
    assert fields["kinds"]["title"] == "Loại"  # the branch refining it does not replace what it is


def test_a_form_whose_wording_only_changed_is_listed_without_fields() -> None:
    before = _form({"type": "object", "description": "cũ", "properties": {}})
    after = _form({"type": "object", "description": "mới", "properties": {}})
    [form] = diff_forms(before, after).changed
    assert (form.fields_added, form.fields_removed, form.fields_changed) == ([], [], [])


def test_a_changed_condition_and_script_are_named() -> None:
    flow = '<bpmn:sequenceFlow id="f" sourceRef="a" targetRef="b"><bpmn:conditionExpression>{}</bpmn:conditionExpression>' \
           '</bpmn:sequenceFlow><bpmn:scriptTask id="s"><bpmn:script>{}</bpmn:script></bpmn:scriptTask>'
    diff = diff_elements(_diagram(flow.format("x &gt; 1", "y = 1")), _diagram(flow.format("x &gt; 2", "y = 2")))
    assert [(e.id, e.changes) for e in diff.changed] == [
        ("f", [Change("condition", "x > 1", "x > 2")]), ("s", [Change("script", "y = 1", "y = 2")])]


def test_layout_and_uischema_changes_are_files_not_elements() -> None:
    before = {**_diagram('<bpmn:task id="t" name="T"/>'), "forms/p/a.uischema.json": "{}"}
    after = {**_diagram('<bpmn:task id="t"  name="T" />'), "forms/p/a.uischema.json": '{"ui:order": []}'}
    diff = diff_files(before, after)
    assert diff.elements.changed == []
    assert diff.other_files.changed == ["forms/p/a.uischema.json"]
    assert diff.files.changed == ["forms/p/a.uischema.json", "processes/p/p.bpmn"]
