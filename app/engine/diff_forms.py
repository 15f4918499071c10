"""What each field of a JSON Schema form asks, by its dotted path, so two versions' forms can be compared.

An analyst reviewing a version wants to know which questions an officer will meet that were not
there before, which disappeared, and which now read, accept or require differently; the wording of
descriptions and the lengths allowed are left out to keep the list to what changes the work.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.engine.diff_bpmn import Change

FIELD_FACTS = ("title", "type", "required", "enum", "oneOf", "readOnly")
SCHEMA_SUFFIX = ".schema.json"
_BRANCHES = ("allOf", "anyOf", "oneOf")
_CONDITIONAL = ("if", "then", "else", "not")


@dataclass(frozen=True)
class FieldChange:
    path: str
    changes: list[Change]


@dataclass(frozen=True)
class FormChange:
    path: str
    fields_added: list[str]
    fields_removed: list[str]
    fields_changed: list[FieldChange]


@dataclass(frozen=True)
class FormDiff:
    added: list[str]
    removed: list[str]
    changed: list[FormChange]


def form_fields(schema: Any) -> dict[str, dict[str, Any]]:
    """Every field of a form, nested ones as ``a.b`` and array items as ``a[].b``: path → its facts."""
    fields: dict[str, dict[str, Any]] = {}
    _walk(schema, "", fields)
    return fields


def _walk(node: Any, path: str, fields: dict[str, dict[str, Any]]) -> None:
    if not isinstance(node, dict):
        return
    required = _of_type(node.get("required"), list)
    properties = _of_type(node.get("properties"), dict)
    for name, sub in properties.items():
        where = f"{path}.{name}" if path else name
        if isinstance(sub, dict):
            # the first place a field is declared says what it is; conditional branches only refine it
            fields.setdefault(where, _facts(sub, name in required))
            _walk(sub, where, fields)
    _walk(node.get("items"), f"{path}[]", fields)
    for key in _BRANCHES:
        for branch in node.get(key) or []:
            if isinstance(branch, dict) and "const" not in branch:
                _walk(branch, path, fields)
    for key in _CONDITIONAL:
        _walk(node.get(key), path, fields)


def _of_type(value: Any, kind: type) -> Any:
    """The value if it is a list or dict as expected, else an empty one (a form may be odd; a diff must not fail)."""
    return value if isinstance(value, kind) else kind()


def _facts(schema: dict[str, Any], required: bool) -> dict[str, Any]:
    # a multiple choice is an array whose items carry the choices
    items = _of_type(schema.get("items"), dict)
    choices: dict[str, Any] = items if schema.get("type") == "array" and items else schema
    return {
        "title": schema.get("title"),
        "type": schema.get("type"),
        "required": required,
        "enum": choices.get("enum"),
        "oneOf": [[c.get("const"), c.get("title")] for c in choices.get("oneOf") or []
                  if isinstance(c, dict) and "const" in c] or None,
        "readOnly": bool(schema.get("readOnly", False)),
    }


def diff_forms(before: Mapping[str, str], after: Mapping[str, str]) -> FormDiff:
    """Forms added and removed, and the fields added, removed and changed in each form both versions have."""
    old = {p for p in before if p.endswith(SCHEMA_SUFFIX)}
    new = {p for p in after if p.endswith(SCHEMA_SUFFIX)}
    changed = []
    for path in sorted(old & new):
        if before[path] != after[path]:
            # listed even when no field's facts moved (a description, a length): the form did change
            changed.append(_diff_form(path, json.loads(before[path]), json.loads(after[path])))
    return FormDiff(sorted(new - old), sorted(old - new), changed)


def _diff_form(path: str, before: Any, after: Any) -> FormChange:
    old, new = form_fields(before), form_fields(after)
    changed = []
    for name in sorted(old.keys() & new.keys()):
        changes = [Change(f, old[name][f], new[name][f]) for f in FIELD_FACTS if old[name][f] != new[name][f]]
        if changes:
            changed.append(FieldChange(name, changes))
    return FormChange(path, sorted(new.keys() - old.keys()), sorted(old.keys() - new.keys()), changed)
