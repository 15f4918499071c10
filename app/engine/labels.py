"""What a process's forms call each field and each option: one place every page, report and text reads them from.

A case stores keys (``verification_report.conclusion``) and option values (``partly_right``); officers
read the forms' ``title`` of the field and of the chosen ``oneOf`` option. ``form_labels`` collects both
from every form of a deployment once, by dotted path (list items share their list's path), and
``shown_values`` puts the option titles into a copy of the data for text that quotes it (instructions).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FormLabels:
    titles: dict[str, str] = field(default_factory=dict)  # dotted path -> the field's title
    choices: dict[str, dict[str, str]] = field(default_factory=dict)  # dotted path -> {stored value: option title}


def form_labels(forms: Mapping[str, Mapping[str, Any]]) -> FormLabels:
    labels = FormLabels()
    for name, schema in forms.items():
        if name.endswith(".schema.json"):
            _walk(schema, "", labels)
    return labels


def _walk(schema: Mapping[str, Any], prefix: str, labels: FormLabels) -> None:
    for key, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, Mapping):
            continue
        path = f"{prefix}.{key}" if prefix else key
        if prop.get("title"):
            labels.titles.setdefault(path, str(prop["title"]))
        options = [c for c in prop.get("oneOf") or [] if isinstance(c, Mapping) and "const" in c and c.get("title")]
        if options:
            labels.choices.setdefault(path, {str(c["const"]): str(c["title"]) for c in options})
        _walk(prop, path, labels)
        items = prop.get("items")
        if isinstance(items, Mapping):
            items_options = [c for c in items.get("oneOf") or [] if isinstance(c, Mapping) and "const" in c]
            if items_options and path not in labels.choices:
                labels.choices[path] = {str(c["const"]): str(c.get("title") or c["const"]) for c in items_options}
            _walk(items, path, labels)


def shown_values(data: Mapping[str, Any], choices: Mapping[str, Mapping[str, str]], prefix: str = "") -> dict[str, Any]:
    """A copy of ``data`` with every stored option value replaced by its title (for text quoting the case)."""
    shown: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        shown[key] = _shown(value, path, choices)
    return shown


def _shown(value: Any, path: str, choices: Mapping[str, Mapping[str, str]]) -> Any:
    if isinstance(value, Mapping):
        return shown_values(value, choices, path)
    if isinstance(value, list):
        return [_shown(item, path, choices) for item in value]
    if isinstance(value, str) and path in choices:
        return choices[path].get(value, value)
    return value
