"""Validate task data against the JSON Schema that also renders the form, in Vietnamese.

The same schema file drives the web form and the server check, so the two cannot drift.
Validators are compiled once per deployment (see ``CompiledProcess``), never per request.

Forms come from analysts, so a form is self-contained and cannot make the server work without
bound: a ``$ref`` may only point inside its own file (the validator's registry is empty and never
retrieves a URL or a file), and every ``pattern`` runs on RE2, a linear-time engine — a pattern RE2
cannot run is refused at deploy, and validation uses the same engine. What else deploy refuses
(cycles, size, combinators, strings without ``maxLength``, lists without ``maxItems``) is in
``app.engine.form_bounds``.

Validation itself is bounded whatever is posted, and whatever an older deployment holds: lists
longer than their ``maxItems`` are refused before the full check; errors are read lazily and only
the first ``MAX_ERRORS`` are explained; every keyword evaluation draws on ``MAX_STEPS`` and
``MAX_SECONDS``, and a form that would need more (or recurse without end) is one clear sentence
on the form, never a 500.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from datetime import date
from functools import lru_cache
from itertools import islice
from typing import Any

import re2
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import SchemaError, ValidationError
from referencing import Registry
from referencing.exceptions import Unresolvable

from app.engine import form_bounds
from app.engine.budget import cpu_clock
from app.engine.form_bounds import MAX_DEPTH, FormRefused
from app.engine.form_messages import FORMAT_NAMES, deref, explain, title_at
from app.text import has_control, has_surrogate

__all__ = ["MAX_DEPTH", "MAX_ERRORS", "compile_schema", "validate_form", "with_defaults"]

MAX_ERRORS = 50  # field errors explained at once: enough to mend a form, bounded whatever is posted
MAX_STEPS = 200_000  # keyword evaluations in one validation (10,000 people withdrawing take 70,000)
MAX_SECONDS = 2.0  # and the thread's CPU time, checked every 1,024 evaluations
TOO_COMPLEX = ("Biểu mẫu quá phức tạp để kiểm tra (lồng nhau hoặc tự tham chiếu); dữ liệu chưa được lưu. "
               "Hãy báo cán bộ phân tích quy trình.")
_FORMAT_NAMES = FORMAT_NAMES


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
        yield ValidationError("does not match the pattern")


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


class _TooComplex(Exception):
    """One validation took more than MAX_STEPS keyword evaluations."""


_steps: ContextVar[list[float] | None] = ContextVar("form_validation_steps", default=None)  # [steps, deadline]


def _counted(keyword: Callable[..., Any]) -> Callable[..., Any]:
    """A keyword that draws one step of the current validation's budget each time it runs."""
    def counted(validator: Any, value: Any, instance: Any, schema: Any) -> Any:
        budget = _steps.get()
        if budget is not None:
            budget[0] += 1
            if budget[0] > MAX_STEPS or (budget[0] % 1024 == 0 and cpu_clock() > budget[1]):
                raise _TooComplex
        return keyword(validator, value, instance, schema)
    return counted


FormValidator = validators.extend(
    Draft202012Validator,
    {name: _counted(keyword) for name, keyword in {**Draft202012Validator.VALIDATORS, "pattern": _pattern}.items()},
)


def compile_schema(schema: Mapping[str, Any], name: str, *, check: bool = True) -> Draft202012Validator:
    """Check the schema itself and return a reusable validator; raise ValueError if broken or unsafe."""
    if check:
        if not isinstance(schema, dict):
            raise FormRefused(f"biểu mẫu {name} phải là một đối tượng JSON Schema.")
        text = json.dumps(schema, sort_keys=True)
        form_bounds.check_size(text, name)
        check_self_contained(schema, name)
        try:
            _check_schema(text)
        except SchemaError as exc:
            raise FormRefused(f"biểu mẫu {name} không phải JSON Schema hợp lệ: {exc.message[:300]}") from exc
        form_bounds.check_expansion(dict(schema), name)
    validator: Draft202012Validator = FormValidator(schema, format_checker=_FORMATS, registry=Registry())
    return validator


def check_self_contained(schema: Mapping[str, Any], name: str) -> None:
    """Refuse a form that reaches outside itself or is unbounded; each refusal names the form and the path."""
    root = dict(schema)
    for path, node in form_bounds.nodes(root, name):
        form_bounds.check_node(root, path, node, name, _check_pattern)


def _check_pattern(pattern: Any, path: str, name: str) -> None:
    try:
        regex(str(pattern))
    except re2.error as exc:
        raise FormRefused(f"biểu mẫu {name}: mẫu «{str(pattern)[:120]}» của trường {path or '/'} không chạy được "
                          f"bằng bộ máy biểu thức chính quy tuyến tính (RE2): {exc}") from exc


@lru_cache(maxsize=512)
def _check_schema(text: str) -> None:
    """Metaschema check, remembered per schema text: it is slow and its answer never changes."""
    Draft202012Validator.check_schema(json.loads(text))


def validate_form(validator: Draft202012Validator, data: Any) -> dict[str, str]:
    """Return ``{field path: Vietnamese message}``; empty when the data is valid. At most MAX_ERRORS + 1 entries."""
    root = validator.schema if isinstance(validator.schema, dict) else {}
    errors = _unfit_characters(root, data)
    if errors:
        return errors
    too_long = _over_max_items(root, data)
    if too_long:
        return too_long
    token = _steps.set([0, cpu_clock() + MAX_SECONDS])
    try:
        found = list(islice(validator.iter_errors(data), MAX_ERRORS + 1))
        for error in sorted(found[:MAX_ERRORS], key=lambda e: list(map(str, e.absolute_path))):
            for parts, message in explain(error, root):
                _add(errors, ".".join(parts) or "_form", message)
    except (Unresolvable, re2.error):  # a form deployed before these were refused: never reach out, never hang
        return {"_form": "Biểu mẫu có tham chiếu hoặc mẫu không dùng được; hãy báo cán bộ phân tích quy trình."}
    except (_TooComplex, RecursionError):  # idem: a form deployed before cycles and combinators were bounded
        return {"_form": TOO_COMPLEX}
    finally:
        _steps.reset(token)
    if len(found) > MAX_ERRORS or len(errors) > MAX_ERRORS:
        errors = dict(islice(errors.items(), MAX_ERRORS))
        errors.setdefault("_form", f"Biểu mẫu còn lỗi khác ngoài {MAX_ERRORS} lỗi đã nêu; hãy sửa rồi gửi lại.")
    return errors


def _add(errors: dict[str, str], path: str, message: str) -> None:
    """One sentence per field; a second, different rule on the same field is added to it (three at most)."""
    current = errors.get(path)
    if current is None:
        errors[path] = message
    elif message not in current and current.count(". ") < 2:
        errors[path] = f"{current} {message}"


def _unfit_characters(root: Mapping[str, Any], data: Any) -> dict[str, str]:
    """A field error for each string (or key) holding a control character or a lone surrogate."""
    found: dict[str, str] = {}
    pending: list[tuple[Any, list[str]]] = [(data, [])]
    while pending and len(found) < MAX_ERRORS:
        node, parts = pending.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and (has_control(key) or has_surrogate(key)):
                    found[".".join(parts) or "_form"] = f"«{_title(root, parts)}» có tên trường chứa ký tự không hợp lệ."
                else:
                    pending.append((value, [*parts, str(key)]))
        elif isinstance(node, list):
            pending.extend((value, [*parts, str(index)]) for index, value in enumerate(node))
        elif isinstance(node, str) and has_surrogate(node):
            found[".".join(parts) or "_form"] = (f"«{_title(root, parts)}» chứa ký tự không hợp lệ "
                                                 "(nửa cặp thay thế UTF-16, không phải ký tự Unicode).")
        elif isinstance(node, str) and has_control(node):
            found[".".join(parts) or "_form"] = f"«{_title(root, parts)}» chứa ký tự điều khiển không hợp lệ."
    return found


def _title(root: Mapping[str, Any], parts: list[str]) -> str:
    return title_at(root, parts) if parts else "Biểu mẫu"


def _over_max_items(root: Mapping[str, Any], data: Any) -> dict[str, str]:
    """Lists longer than their ``maxItems``, found by following properties and items only (cheap, before the rest)."""
    found: dict[str, str] = {}
    pending: list[tuple[Any, Any, list[str]]] = [(root, data, [])]
    while pending and len(found) < MAX_ERRORS:
        schema, node, parts = pending.pop()
        schema = deref(root, schema)
        if not isinstance(schema, Mapping):
            continue
        if isinstance(node, list):
            most = schema.get("maxItems")
            if isinstance(most, int) and len(node) > most:
                found[".".join(parts) or "_form"] = f"«{_title(root, parts)}» có tối đa {most} mục."
                continue
            items = schema.get("items")
            if isinstance(items, Mapping):
                pending.extend((items, value, [*parts, str(index)]) for index, value in enumerate(node)
                               if isinstance(value, dict | list))
        elif isinstance(node, dict) and isinstance(schema.get("properties"), Mapping):
            pending.extend((schema["properties"][key], value, [*parts, str(key)]) for key, value in node.items()
                           if key in schema["properties"] and isinstance(value, dict | list))
    return found


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


def form_fields(schema: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Mapping[str, Any]]]:
    """Every named property of a form, with its dotted path (objects' properties, recursively)."""
    found: list[tuple[str, Mapping[str, Any]]] = []
    for key, prop in (schema.get("properties") or {}).items():
        if isinstance(prop, Mapping):
            path = f"{prefix}.{key}" if prefix else str(key)
            found += [(path, prop), *form_fields(prop, path)]
    return found
