"""Validate task data against the JSON Schema that also renders the form, in Vietnamese.

The same schema file drives the web form and the server check, so the two cannot drift.
Validators are compiled once per deployment (see ``CompiledProcess``), never per request.

Forms come from analysts, so a form is self-contained and cannot make the server work without
bound: a ``$ref`` may only point inside its own file (the validator's registry is empty and never
retrieves a URL or a file), and every ``pattern`` runs on RE2, a linear-time engine — a pattern RE2
cannot run is refused at deploy, and validation uses the same engine.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from datetime import date
from functools import lru_cache
from typing import Any

import re2
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import SchemaError, ValidationError
from referencing import Registry
from referencing.exceptions import Unresolvable

from app.text import has_control

MAX_DEPTH = 40  # nesting of a form schema (ours reach 8)
_REF_KEYS = ("$ref", "$dynamicRef")


def _re2_options() -> Any:
    options = re2.Options()
    options.log_errors = False
    options.max_mem = 8 << 20  # a pattern needing more than 8 MB of automaton is refused
    return options


@lru_cache(maxsize=1024)
def regex(pattern: str) -> Any:
    """The pattern compiled by RE2 (linear time); raises ``re2.error`` when RE2 cannot run it."""
    return re2.compile(pattern, _re2_options())


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_FORMATS = FormatChecker()
_FORMATS.checkers = dict(Draft202012Validator.FORMAT_CHECKER.checkers)


@_FORMATS.checks("regex", raises=re2.error)
def _is_regex(instance: object) -> bool:
    return not isinstance(instance, str) or regex(instance) is not None


EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)  # a date outside is a typing slip, not a case
_date = _FORMATS.checkers["date"][0]
_moment = _FORMATS.checkers["date-time"][0]


@_FORMATS.checks("date", raises=ValueError)
def _is_plausible_date(instance: object) -> bool:
    return not isinstance(instance, str) or (_date(instance) and EARLIEST <= date.fromisoformat(instance) <= LATEST)


@_FORMATS.checks("date-time", raises=ValueError)
def _is_plausible_moment(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    return bool(_moment(instance)) and EARLIEST <= date.fromisoformat(instance[:10]) <= LATEST


FormValidator = validators.extend(Draft202012Validator, {"pattern": _pattern})

_FORMAT_NAMES = {"date": "ngày hợp lệ từ năm 1990 đến năm 2100", "date-time": "thời điểm hợp lệ từ năm 1990 đến năm 2100",
                 "email": "thư điện tử hợp lệ"}
_TYPE_NAMES = {
    "string": "chuỗi ký tự", "integer": "số nguyên", "number": "số", "boolean": "có/không",
    "object": "nhóm thông tin", "array": "danh sách", "null": "rỗng",
}


def compile_schema(schema: Mapping[str, Any], name: str, *, check: bool = True) -> Draft202012Validator:
    """Check the schema itself and return a reusable validator; raise ValueError if broken or unsafe."""
    try:
        if check:
            _check_schema(json.dumps(schema, sort_keys=True))
            check_self_contained(schema, name)
    except SchemaError as exc:
        raise ValueError(f"biểu mẫu {name} không phải JSON Schema hợp lệ: {exc.message}") from exc
    validator: Draft202012Validator = FormValidator(schema, format_checker=_FORMATS, registry=Registry())
    return validator


def check_self_contained(schema: Mapping[str, Any], name: str) -> None:
    """Refuse a form that reaches outside itself or runs without bound; each refusal names the field."""
    root = dict(schema)
    for path, node in _nodes(root, "", 0, name):
        for key in _REF_KEYS:
            if key in node:
                _check_ref(root, node[key], f"{path}/{key}", name)
        if "patternProperties" in node:
            raise ValueError(f"biểu mẫu {name}: «patternProperties» tại {path or '/'} không được hỗ trợ.")
        if "pattern" in node:
            _check_pattern(node["pattern"], path, name)
        if _free_text(node) and not isinstance(node.get("maxLength"), int):
            raise ValueError(f"biểu mẫu {name}: trường văn bản {path or '/'} cần «maxLength» (độ dài tối đa).")


def _free_text(node: dict[str, Any]) -> bool:
    """A string field a person types freely (not a choice, a constant or a date)."""
    kind = node.get("type")
    is_string = kind == "string" or (isinstance(kind, list) and "string" in kind)
    return is_string and not any(key in node for key in ("enum", "oneOf", "const", "format"))


def _nodes(node: Any, path: str, depth: int, name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if depth > MAX_DEPTH:
        raise ValueError(f"biểu mẫu {name} lồng nhau quá sâu (quá {MAX_DEPTH} tầng) tại {path}.")
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if key not in {"const", "enum", "default", "examples"}:
                yield from _nodes(value, f"{path}/{key}", depth + 1, name)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _nodes(value, f"{path}/{index}", depth + 1, name)


def _check_ref(root: dict[str, Any], ref: Any, where: str, name: str) -> None:
    """Only a pointer into the same file ("#/…"): never a URL or a file the server would fetch."""
    if not isinstance(ref, str) or not ref.startswith("#"):
        raise ValueError(f"biểu mẫu {name}: tham chiếu «{str(ref)[:120]}» tại {where} trỏ ra ngoài biểu mẫu; "
                         "chỉ được tham chiếu trong cùng tệp (#/…).")
    target: Any = root
    for part in [p.replace("~1", "/").replace("~0", "~") for p in ref[1:].split("/") if p]:
        target = target.get(part) if isinstance(target, dict) else None
        if target is None:
            raise ValueError(f"biểu mẫu {name}: tham chiếu «{ref}» tại {where} không trỏ tới phần nào của biểu mẫu.")


def _check_pattern(pattern: Any, path: str, name: str) -> None:
    try:
        regex(str(pattern))
    except re2.error as exc:
        raise ValueError(f"biểu mẫu {name}: mẫu «{str(pattern)[:120]}» của trường {path or '/'} không chạy được "
                         f"bằng bộ máy biểu thức chính quy tuyến tính (RE2): {exc}") from exc


@lru_cache(maxsize=512)
def _check_schema(text: str) -> None:
    """Metaschema check, remembered per schema text: it is slow and its answer never changes."""
    Draft202012Validator.check_schema(json.loads(text))


def validate_form(validator: Draft202012Validator, data: Any) -> dict[str, str]:
    """Return ``{field path: Vietnamese message}``; empty when the data is valid."""
    root = validator.schema if isinstance(validator.schema, dict) else {}
    errors = {".".join(parts) or "_form": f"«{_title_at(root, parts) or 'Biểu mẫu'}» chứa ký tự điều khiển không hợp lệ."
              for parts in _control_characters(data)}
    try:
        found = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    except (Unresolvable, re2.error):  # a form deployed before these were refused: never reach out, never hang
        return {"_form": "Biểu mẫu có tham chiếu hoặc mẫu không dùng được; hãy báo cán bộ phân tích quy trình."}
    for error in found:
        for leaf in _leaves(error):
            for parts, message in _explain(leaf, root):
                errors.setdefault(".".join(parts) or "_form", message)
    return errors


def _control_characters(data: Any) -> list[list[str]]:
    """Paths of the strings (and keys) holding a control character other than tab and line breaks."""
    found: list[list[str]] = []
    pending: list[tuple[Any, list[str]]] = [(data, [])]
    while pending:
        node, parts = pending.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and has_control(key):
                    found.append(parts)
                pending.append((value, [*parts, str(key)]))
        elif isinstance(node, list):
            pending.extend((value, [*parts, str(index)]) for index, value in enumerate(node))
        elif isinstance(node, str) and has_control(node):
            found.append(parts)
    return found


def _leaves(error: ValidationError) -> list[ValidationError]:
    """Prefer the precise sub-errors of if/then and allOf over their generic wrapper."""
    if error.validator in {"allOf", "then", "else"} and error.context:
        return [leaf for sub in error.context for leaf in _leaves(sub)]
    return [error]


def _explain(error: ValidationError, root: Mapping[str, Any]) -> list[tuple[list[str], str]]:
    parts = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        missing = [str(n) for n in error.validator_value if n not in instance]
        return [([*parts, name], f"Chưa nhập «{_title_at(root, [*parts, name])}».") for name in missing]
    return [(parts, _message(error, _title_at(root, parts) if parts else "Biểu mẫu"))]


def _title_at(root: Mapping[str, Any], parts: list[str]) -> str:
    """The title of the field at ``parts``, found from the root schema (if/then clauses lack it)."""
    schema: Mapping[str, Any] = root
    for part in parts:
        if part.isdigit() and isinstance(schema.get("items"), dict):
            schema = schema["items"]
        elif isinstance(schema.get("properties"), dict) and part in schema["properties"]:
            schema = schema["properties"][part]
        else:
            return part
    return str(schema.get("title") or (parts[-1] if parts else ""))


def _message(error: ValidationError, title: str) -> str:  # noqa: C901 - one branch per JSON Schema keyword
    kind, value = error.validator, error.validator_value
    if kind == "type":
        expected = value if isinstance(value, str) else "/".join(value)
        return f"«{title}» phải là {_TYPE_NAMES.get(expected, expected)}."
    if kind == "format":
        return f"«{title}» phải là {_FORMAT_NAMES.get(value, str(value) + ' hợp lệ')}."
    if kind == "minLength":
        return f"«{title}» không được để trống." if value == 1 else f"«{title}» cần ít nhất {value} ký tự."
    if kind == "maxLength":
        return f"«{title}» dài quá {value} ký tự."
    if kind in {"minimum", "exclusiveMinimum"}:
        return f"«{title}» phải lớn hơn{'' if kind == 'exclusiveMinimum' else ' hoặc bằng'} {value}."
    if kind in {"maximum", "exclusiveMaximum"}:
        return f"«{title}» phải nhỏ hơn{'' if kind == 'exclusiveMaximum' else ' hoặc bằng'} {value}."
    if kind == "minItems":
        return f"«{title}» cần ít nhất {value} mục."
    if kind == "maxItems":
        return f"«{title}» có tối đa {value} mục."
    if kind in {"enum", "oneOf", "anyOf"}:
        return f"«{title}» có giá trị không nằm trong danh sách cho phép."
    if kind == "const":
        return f"«{title}» phải là {_const_text(value)}."
    if kind == "contains":
        return f"«{title}» thiếu mục bắt buộc: {error.schema.get('description') or error.message}."
    if kind == "additionalProperties":
        return f"Có trường không thuộc biểu mẫu: {error.message.split('(')[-1].rstrip(')')}"
    if kind == "pattern":
        return f"«{title}» không đúng định dạng."
    return f"«{title}» không hợp lệ ({error.message})."


def _const_text(value: Any) -> str:
    if value is True:
        return "«có»"
    if value is False:
        return "«không»"
    return f"«{value}»"


def with_defaults(schema: Mapping[str, Any], data: Any) -> Any:
    """The data with each absent property given its form's ``default``, in objects at every depth.

    Why: a diagram's scripts read the variables a form declares; an optional field the officer
    left out would otherwise be a missing name in the script, while its ``default`` says what
    leaving it out means. Only ``properties`` with a ``default`` are filled; nothing is validated.
    """
    if not isinstance(data, dict) or not isinstance(schema, Mapping):
        return data
    filled = dict(data)
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        for key, sub in properties.items():
            if not isinstance(sub, Mapping):
                continue
            if key not in filled and "default" in sub:
                filled[key] = copy.deepcopy(sub["default"])
            if key in filled:
                filled[key] = _filled_value(sub, filled[key])
    return filled


def _filled_value(schema: Mapping[str, Any], value: Any) -> Any:
    items = schema.get("items")
    if isinstance(value, list) and isinstance(items, Mapping):
        return [with_defaults(items, v) for v in value]
    return with_defaults(schema, value)
