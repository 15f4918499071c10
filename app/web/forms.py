"""One renderer model and one parser for every form: JSON Schema + UI schema ↔ HTML form fields.

``build`` turns a schema, its UI schema, the current values and the field errors into a tree of
``Field``s that the Jinja macros in ``templates/macros/form.html`` draw; ``parse`` turns the posted
form back into typed JSON for the same schema. Posted names are the dotted paths the validator
reports errors on (``dialogue.participants.0.full_name``), so each error lands beside its field.
Nothing here knows a particular task: any form of any deployed process renders and parses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from werkzeug.datastructures import MultiDict

from app.clock import VIETNAM
from app.web.params import ascii_int

INDEX_PLACEHOLDER = "__INDEX{}__"  # placeholder of an array item's index in its <template>, one per nesting depth
CHECKED = "on"  # what a ticked checkbox posts; a row holding only ticks counts as blank
_MISSING = object()
MAX_ROWS = 999  # rows of a list in one form (participants, records): indices beyond are not read
_INTEGER = re.compile(r"[+-]?[0-9]{1,15}")
_NUMBER = re.compile(r"[+-]?[0-9]{1,15}([.,][0-9]{1,15})?")


@dataclass
class Field:
    name: str
    label: str
    kind: str  # text textarea date datetime integer number select radio yesno checkbox object array
    required: bool = False
    help: str | None = None
    value: Any = None
    error: str | None = None
    options: list[tuple[str, str]] = field(default_factory=list)
    placeholder: str | None = None
    rows: int = 3
    children: list[Field] = field(default_factory=list)
    template: Field | None = None
    token: str = ""
    item_label: str = ""

    @property
    def id(self) -> str:
        return "f-" + (self.name or "form").replace(".", "-")

    @property
    def text(self) -> str:
        """The value as an input shows it."""
        if self.value is None or isinstance(self.value, dict | list):
            return ""
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        if self.kind == "datetime":
            return local_minute(str(self.value))
        if self.kind == "date":
            return day_month_year(str(self.value))
        return str(self.value)


def kind_of(schema: Mapping[str, Any], ui: Mapping[str, Any]) -> str:
    """The widget for a schema node: from its type, format, choices and ``ui:widget``."""
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    widget = ui.get("ui:widget")
    if kind == "object" or "properties" in schema:
        return "object"
    if kind == "array":
        return "array"
    if kind == "boolean":
        return "yesno" if widget in {"radio", "select"} else "checkbox"
    if options_of(schema):
        return "radio" if widget == "radio" else "select"
    if kind in {"integer", "number"}:
        return str(kind)
    if schema.get("format") == "date" or widget == "date":
        return "date"
    if schema.get("format") == "date-time":
        return "datetime"
    return "textarea" if widget == "textarea" else "text"


def options_of(schema: Mapping[str, Any]) -> list[tuple[Any, str]]:
    """(value, label) of a closed list: ``oneOf``/``anyOf`` of titled consts, or ``enum``."""
    for key in ("oneOf", "anyOf"):
        choices = schema.get(key)
        if isinstance(choices, list) and choices and all(isinstance(c, dict) and "const" in c for c in choices):
            return [(c["const"], str(c.get("title") or c["const"])) for c in choices]
    enum = schema.get("enum")
    return [(v, str(v)) for v in enum] if isinstance(enum, list) else []


def ordered(schema: Mapping[str, Any], ui: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Properties in ``ui:order`` (``*`` stands for the rest), then any the order leaves out."""
    props: dict[str, Any] = schema.get("properties") or {}
    order = [k for k in ui.get("ui:order") or [] if k == "*" or k in props]
    rest = [k for k in props if k not in order]
    keys = [*order[: order.index("*")], *rest, *order[order.index("*") + 1:]] if "*" in order else [*order, *rest]
    return [(k, props[k]) for k in keys]


def _items_schema(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    items = schema.get("items")
    return items if isinstance(items, dict) else {"type": "string"}


def _join(prefix: str, key: str | int) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


# -- rendering model --------------------------------------------------------------------------

def build(schema: Mapping[str, Any], ui: Mapping[str, Any] | None, values: Any, errors: Mapping[str, str],
          name: str = "", required: bool = True, depth: int = 0, label: str | None = None) -> Field:
    """The field tree for a schema node with its values and errors; the root has name ''."""
    ui = ui or {}
    kind = kind_of(schema, ui)
    node = Field(name=name, label=label if label is not None else str(schema.get("title") or name.rsplit(".", 1)[-1]),
                 kind=kind, required=required, help=ui.get("ui:help") or schema.get("description"),
                 error=errors.get(name or "_form"), placeholder=ui.get("ui:placeholder"))
    if kind == "object":
        mandatory = set(schema.get("required") or [])
        current = values if isinstance(values, dict) else {}
        node.children = [build(prop, ui.get(key) or {}, current.get(key), errors, _join(name, key), key in mandatory,
                               depth) for key, prop in ordered(schema, ui)]
    elif kind == "array":
        _build_array(node, schema, ui, values, errors, depth)
    else:
        node.value = values if values is not None else schema.get("default")
        node.options = [(Field(name="", label="", kind="", value=v).text, text) for v, text in options_of(schema)]
        options = ui.get("ui:options") or {}
        node.rows = int(options.get("rows", 3)) if isinstance(options, dict) else 3
    return node


def _build_array(node: Field, schema: Mapping[str, Any], ui: Mapping[str, Any], values: Any,
                 errors: Mapping[str, str], depth: int) -> None:
    items_schema = _items_schema(schema)
    items_ui = ui.get("items") or {}
    node.item_label = str(items_schema.get("title") or node.label)
    node.token = INDEX_PLACEHOLDER.format(depth)
    current = values if isinstance(values, list) else []
    node.children = [build(items_schema, items_ui, v, errors, _join(node.name, i), True, depth + 1,
                           f"{node.item_label} {i + 1}") for i, v in enumerate(current)]
    node.template = build(items_schema, items_ui, None, {}, _join(node.name, node.token), True, depth + 1,
                          node.item_label)


def all_fields(root: Field) -> list[Field]:
    found = [root]
    for child in root.children:
        found += all_fields(child)
    return found


def error_list(root: Field, errors: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(anchor id, label, message) for the summary above the form; errors with no field go to the top."""
    fields = {f.name or "_form": f for f in all_fields(root)}
    listed = []
    for path, message in errors.items():
        target = fields.get(path)
        while target is None and "." in path:  # an error on a part the form does not draw: its parent
            path = path.rsplit(".", 1)[0]
            target = fields.get(path)
        listed.append((target.id if target else "form-errors", target.label if target else "", message))
    return listed


# -- parsing ----------------------------------------------------------------------------------

def parse(schema: Mapping[str, Any], ui: Mapping[str, Any] | None, form: MultiDict[str, str]) -> dict[str, Any]:
    """Typed JSON for ``schema`` from posted fields; what cannot be typed is kept as text for the validator.

    The posted names are read once into a tree (``Posted``), so the time is linear in what was posted:
    each list row used to rescan every field (45,000 fields and 999 rows took 9 s). A list keeps at most
    one row more than its ``maxItems`` (the validator then says it has too many); rows past ``MAX_ROWS``
    are never read.
    """
    value = _parse(schema, ui or {}, Posted.of(form), "", True)
    return value if isinstance(value, dict) else {}


class Posted:
    """The posted fields as a tree of dotted names, each node knowing whether anything under it was typed."""

    __slots__ = ("children", "filled", "value")

    def __init__(self) -> None:
        self.children: dict[str, Posted] = {}
        self.value: str | None = None
        self.filled = False

    @classmethod
    def of(cls, form: MultiDict[str, str]) -> Posted:
        root = cls()
        for key, value in form.items(multi=True):
            typed = value.strip() not in {"", CHECKED}
            node = root
            node.filled |= typed
            for part in key.split("."):
                node = node.children.setdefault(part, cls())
                node.filled |= typed
            if node.value is None:  # the first value of a name, as MultiDict.get gives it
                node.value = value
        return root

    def child(self, key: str | int) -> Posted:
        return self.children.get(str(key)) or _NOTHING


_NOTHING = Posted()


def _parse(schema: Mapping[str, Any], ui: Mapping[str, Any], posted: Posted, name: str, required: bool) -> Any:
    kind = kind_of(schema, ui)
    if kind == "object":
        if name and not required and not posted.filled:
            return _MISSING
        result = {}
        mandatory = set(schema.get("required") or [])
        for key, prop in ordered(schema, ui):
            value = _parse(prop, ui.get(key) or {}, posted.child(key), _join(name, key), key in mandatory)
            if value is not _MISSING:
                result[key] = value
        return result
    if kind == "array":
        return _parse_array(schema, ui, posted, name, required)
    if kind == "checkbox":
        return bool(posted.value)
    return _scalar(schema, kind, posted.value or "")


def _parse_array(schema: Mapping[str, Any], ui: Mapping[str, Any], posted: Posted, name: str, required: bool) -> Any:
    indices = sorted({index for key in posted.children for index in [ascii_int(key, maximum=MAX_ROWS)]
                      if index is not None})
    most = schema.get("maxItems")
    keep = min(most, MAX_ROWS) + 1 if isinstance(most, int) else MAX_ROWS + 1
    items_schema = _items_schema(schema)
    items: list[Any] = []
    for index in indices:
        row = posted.child(index)
        if row.filled:
            value = _parse(items_schema, ui.get("items") or {}, row, _join(name, index), True)
            if value is not _MISSING:
                items.append(value)
        if len(items) >= keep:  # one more than allowed is enough for the validator to say so
            break
    return items if items or required else _MISSING


def _scalar(schema: Mapping[str, Any], kind: str, raw: str) -> Any:
    text = raw.replace("\r\n", "\n").strip()
    if not text:
        return _MISSING
    if kind == "yesno":
        return {"true": True, "false": False}.get(text, text)
    if kind == "datetime":
        return with_offset(text)
    if kind == "date":
        return iso_day(text)
    if kind in {"select", "radio"}:
        for value, _ in options_of(schema):
            if Field(name="", label="", kind="", value=value).text == text:
                return value
        return text
    if kind in {"integer", "number"}:
        return _number(kind, text)
    return text


def _number(kind: str, text: str) -> Any:
    """A number typed in ASCII digits (a comma or a dot before the decimals); anything else stays text."""
    if not _NUMBER.fullmatch(text) or (kind == "integer" and not _INTEGER.fullmatch(text)):
        return text
    if _INTEGER.fullmatch(text):
        return int(text)
    return float(text.replace(",", "."))


# -- days and moments, typed in the Vietnamese order ------------------------------------------------
# A browser's date input shows the browser's own order (mm/dd/yyyy in an English build), so dates are
# typed as text, «ngày/tháng/năm», and stored as ISO 8601; a moment is «ngày/tháng/năm giờ:phút» in
# Vietnam's time (UTC+7 all year). ISO text is accepted as well (scripts, pasted values).

# ASCII digits only, as the API's ISO dates: ``\d`` would read «٢٠/١١/٢٠٢٦» (Arabic-Indic) as a day the API refuses
_DMY = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")
_DMY_HM = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})[ T,]+([0-9]{1,2})[:hg]([0-9]{2})")


def day_month_year(value: str) -> str:
    """A stored ISO day as officers type it (dd/mm/yyyy); anything else as is."""
    try:
        return date.fromisoformat(value).strftime("%d/%m/%Y") if len(value) == 10 else value
    except ValueError:
        return value


def iso_day(text: str) -> str:
    """A typed day (dd/mm/yyyy, or ISO) as ISO 8601; what is not a day stays as typed, for the form's error."""
    found = _DMY.fullmatch(text)
    if found is None:
        return text
    day, month, year = (int(g) for g in found.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return text


def local_minute(value: str) -> str:
    """A stored moment as officers type it (dd/mm/yyyy HH:MM, Vietnam time); else as is."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(VIETNAM)
    return moment.strftime("%d/%m/%Y %H:%M")


def with_offset(text: str) -> str:
    """A typed moment (dd/mm/yyyy HH:MM, or ISO) as an RFC 3339 moment in Vietnam time; else as typed."""
    found = _DMY_HM.fullmatch(text)
    try:
        if found is not None:
            day, month, year, hour, minute = (int(g) for g in found.groups())
            moment = datetime(year, month, day, hour, minute)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VIETNAM)
    return moment.isoformat(timespec="seconds")
