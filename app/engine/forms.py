"""Validate task data against the JSON Schema that also renders the form, in Vietnamese.

The same schema file drives the web form and the server check, so the two cannot drift.
Validators are compiled once per deployment (see ``CompiledProcess``), never per request.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, ValidationError

_FORMAT_NAMES = {"date": "ngày (YYYY-MM-DD)", "date-time": "thời điểm", "email": "thư điện tử"}
_TYPE_NAMES = {
    "string": "chuỗi ký tự", "integer": "số nguyên", "number": "số", "boolean": "có/không",
    "object": "nhóm thông tin", "array": "danh sách", "null": "rỗng",
}


def compile_schema(schema: Mapping[str, Any], name: str, *, check: bool = True) -> Draft202012Validator:
    """Check the schema itself and return a reusable validator; raise ValueError if broken."""
    try:
        if check:
            _check_schema(json.dumps(schema, sort_keys=True))
    except SchemaError as exc:
        raise ValueError(f"biểu mẫu {name} không phải JSON Schema hợp lệ: {exc.message}") from exc
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@lru_cache(maxsize=512)
def _check_schema(text: str) -> None:
    """Metaschema check, remembered per schema text: it is slow and its answer never changes."""
    Draft202012Validator.check_schema(json.loads(text))


def validate_form(validator: Draft202012Validator, data: Any) -> dict[str, str]:
    """Return ``{field path: Vietnamese message}``; empty when the data is valid."""
    errors: dict[str, str] = {}
    root = validator.schema if isinstance(validator.schema, dict) else {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        for leaf in _leaves(error):
            for parts, message in _explain(leaf, root):
                errors.setdefault(".".join(parts) or "_form", message)
    return errors


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
        return f"«{title}» phải là {_FORMAT_NAMES.get(value, value)} hợp lệ."
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
