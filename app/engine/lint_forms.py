"""Lint rules over the forms a diagram names, and over its documents declaration.

A step's form is the contract between the diagram, the page and the server check, so each step must
name a form that is there and valid, and its UI schema may only arrange fields the form has: a UI
entry for a field that was renamed is silently ignored by the page, which is how a widget is lost.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from app.engine.deadlines import REGIMES
from app.engine.documents import DOCUMENTS_DIR, check_kinds, declared_kinds, deployable_names
from app.engine.form_messages import deref
from app.engine.forms import compile_schema
from app.engine.labels import form_labels
from app.engine.lint_problem import Problem, at
from app.errors import DiagramError

FORM = "formJsonSchemaFilename"
UI_FORM = "formUiSchemaFilename"
_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"


@dataclass
class Forms:
    """The deployment's JSON files by file name (as diagrams name them): parsed, where they came from, their problems."""

    schemas: dict[str, Any] = field(default_factory=dict)  # name -> the parsed JSON (None when it does not parse)
    paths: dict[str, str] = field(default_factory=dict)  # name -> path in the deployment
    problems: list[Problem] = field(default_factory=list)

    def valid(self, name: str) -> dict[str, Any] | None:
        schema = self.schemas.get(name)
        return schema if isinstance(schema, dict) else None


def load_forms(files: Mapping[str, str]) -> Forms:
    """Parse and check every form (every .json outside documents/), as deploy does, keeping all the refusals."""
    forms = Forms()
    for path in sorted(files):
        if not path.endswith(".json") or f"/{DOCUMENTS_DIR}/" in f"/{path}":
            continue
        name = path.rsplit("/", 1)[-1]
        forms.paths[name] = path
        try:
            forms.schemas[name] = json.loads(files[path])
        except json.JSONDecodeError as exc:
            forms.schemas[name] = None
            forms.problems.append(Problem(path, None, exc.lineno, "form-invalid-json",
                                          f"Biểu mẫu {path} không phải JSON hợp lệ (dòng {exc.lineno}): {exc.msg}."))
            continue
        try:
            compile_schema(forms.schemas[name], name)
        except ValueError as exc:
            forms.schemas[name] = None
            forms.problems.append(Problem(path, None, None, "form-invalid", str(exc)))
    return forms


def task_form_problems(path: str, node: etree._Element, props: Mapping[str, str], step: str,
                       forms: Forms) -> list[Problem]:
    """A step names a form that exists; its UI schema, if named, exists and arranges only the form's fields."""
    form, ui_form = props.get(FORM), props.get(UI_FORM)
    if not form:
        return [at(path, node, "form-missing", f"{step} không khai báo biểu mẫu ({FORM}).")]
    if form not in forms.paths:
        return [at(path, node, "form-missing", f"{step} dùng biểu mẫu «{form}», tệp này không có trong quy trình.")]
    if not ui_form:
        return []
    if ui_form not in forms.paths:
        return [at(path, node, "ui-form-missing", f"{step} dùng giao diện biểu mẫu «{ui_form}», tệp này không có.")]
    schema, ui = forms.valid(form), forms.valid(ui_form)
    if schema is None or ui is None:
        return []  # already reported on the form's own file
    return [Problem(forms.paths[ui_form], str(node.get("id")), None, "ui-unknown-field",
                    f"Giao diện biểu mẫu {ui_form} của {step.lower()} nhắc tới trường «{name}» mà biểu mẫu {form} "
                    "không có.") for name in unknown_ui_fields(schema, ui)]


def unknown_ui_fields(schema: Mapping[str, Any], ui: Mapping[str, Any]) -> list[str]:
    """Dotted names a UI schema arranges (field keys, ``ui:order`` entries) that the form does not have."""
    unknown: list[str] = []
    _walk_ui(schema, schema, ui, "", unknown)
    return unknown


def _walk_ui(root: Mapping[str, Any], node: Any, ui: Mapping[str, Any], prefix: str, unknown: list[str]) -> None:
    node = deref(root, node)
    node = node if isinstance(node, Mapping) else {}
    props = node.get("properties") if isinstance(node.get("properties"), Mapping) else {}
    order = ui.get("ui:order")
    for entry in order if isinstance(order, list) else []:
        if not isinstance(entry, str) or (entry != "*" and entry not in props):
            unknown.append(f"{prefix}{entry}")
    for key, value in ui.items():
        if key.startswith("ui:"):
            continue
        if key in props:
            child = props[key]
        elif key == "items" and isinstance(node.get("items"), Mapping):
            child = node["items"]
        else:
            unknown.append(f"{prefix}{key}")
            continue
        if isinstance(value, Mapping):
            _walk_ui(root, child, value, f"{prefix}{key}.", unknown)


def document_problems(process_id: str, files: Mapping[str, str], diagrams: Mapping[str, etree._ElementTree],
                      forms: Forms) -> list[Problem]:
    """The documents declaration holds against the diagram and its forms; its refusal names documents.json."""
    declaration = f"processes/{process_id}/{DOCUMENTS_DIR}/documents.json"
    try:
        kinds = declared_kinds(files)
        if kinds:
            step_forms, task_forms, messages = _steps(diagrams, forms)
            labels = form_labels({name: schema for name in forms.schemas if (schema := forms.valid(name))})
            check_kinds(kinds, step_forms, deployable_names(labels.titles, messages), REGIMES, task_forms)
    except DiagramError as exc:
        return [Problem(declaration, exc.details.get("document"), None, "documents", exc.message)]
    return []


def _steps(diagrams: Mapping[str, etree._ElementTree],
           forms: Forms) -> tuple[dict[str, Mapping[str, Any]], list[Mapping[str, Any]], set[str]]:
    """The steps that may issue a paper, each with its form; the user tasks' forms; the messages caught."""
    step_forms: dict[str, Mapping[str, Any]] = {}
    task_forms: list[Mapping[str, Any]] = []
    messages: set[str] = set()
    for tree in diagrams.values():
        root = tree.getroot()
        for node in root.iter(f"{_BPMN}userTask", f"{_BPMN}startEvent"):
            form = _property(node, FORM)
            schema = forms.valid(form) if form else None
            if schema is not None:
                step_forms[str(node.get("id"))] = schema
                if node.tag == f"{_BPMN}userTask":
                    task_forms.append(schema)
        messages |= _caught_messages(root)
    for name in messages:
        if (schema := forms.valid(f"{name}.schema.json")) is not None:
            step_forms[name] = schema
    return step_forms, task_forms, messages


def _property(node: etree._Element, name: str) -> str | None:
    for prop in node.iterfind(f"{_BPMN}extensionElements/{_SPIFF}properties/{_SPIFF}property"):
        if prop.get("name") == name:
            return str(prop.get("value") or "")
    return None


def _caught_messages(root: etree._Element) -> set[str]:
    """Names of the messages some event of the diagram waits for (as ``compile_process`` counts them)."""
    names = {m.get("id"): m.get("name") for m in root.iter(f"{_BPMN}message")}
    caught = set()
    for definition in root.iter(f"{_BPMN}messageEventDefinition"):
        event = definition.getparent()
        name = names.get(definition.get("messageRef"))
        if name and event.tag.endswith(("boundaryEvent", "intermediateCatchEvent", "startEvent")):
            caught.add(str(name))
    return caught
