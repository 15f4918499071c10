"""Every kind of JSON Schema error as one Vietnamese sentence on the most specific field.

jsonschema's own messages are English and quote the data and the schema as Python objects
(``{'eligibility': {… True …}} should not be valid under {'anyOf': […]}``); an officer saw them.
Here each keyword has its sentence, built from the form's titles and choice labels only: the
instance and the schema are never echoed. A rule that applies under a condition (``if``/``then``)
says the condition (``khi «Thụ lý giải quyết» là «có»``); ``not`` and ``contains`` use the schema's
own ``title``/``description`` when it has one, else name the fields or the choice they are about.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema.exceptions import ValidationError, best_match

Explained = list[tuple[list[str], str]]

FORMAT_NAMES = {"date": "ngày hợp lệ từ năm 1990 đến năm 2100", "date-time": "thời điểm hợp lệ từ năm 1990 đến năm 2100",
                "email": "thư điện tử hợp lệ"}
TYPE_NAMES = {
    "string": "chuỗi ký tự", "integer": "số nguyên", "number": "số", "boolean": "có/không",
    "object": "nhóm thông tin", "array": "danh sách", "null": "rỗng",
}
_NAMING = frozenset({"properties", "allOf", "anyOf", "oneOf", "prefixItems", "dependentSchemas", "$defs", "definitions"})
_CONSUMING = frozenset({"items", "additionalProperties", "unevaluatedProperties", "unevaluatedItems", "contains"})
_MAX_DEPTH = 4  # anyOf inside anyOf: explained through the most relevant branch, this many times at most


def explain(error: ValidationError, root: Mapping[str, Any], depth: int = 0) -> Explained:
    """(field path, sentence) pairs for one error; a path of ``[]`` is the whole form."""
    parts = [str(p) for p in error.absolute_path]
    title = title_at(root, parts) if parts else "Biểu mẫu"
    kind = error.validator
    if "propertyNames" in error.relative_schema_path:  # a rule on the names of the fields, not their values
        return [(parts, f"«{title}» có tên trường không hợp lệ.")]
    if kind is None:
        return _false(error, root, parts, title)
    if kind == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        names = [str(n) for n in error.validator_value if n not in instance] if isinstance(error.validator_value, list) else []
        return [([*parts, name], f"Chưa nhập «{title_at(root, [*parts, name])}».") for name in names]
    if kind == "dependentRequired":
        return _dependent(error, root, parts)
    if kind in {"additionalProperties", "unevaluatedProperties"}:
        return _extra(error, root, parts, title)
    if kind == "not":
        return _not(error, root, parts, title)
    if kind in {"anyOf", "oneOf"}:
        return _choice(error, root, parts, title, depth)
    if kind in {"contains", "minContains", "maxContains"}:
        return [(parts, _contains(error, root, parts, title))]
    return [(parts, message(error, root, parts, title))]


def message(error: ValidationError, root: Mapping[str, Any], parts: list[str], title: str) -> str:  # noqa: C901
    """The sentence for a keyword about one value (one branch per keyword)."""
    kind, value = error.validator, error.validator_value
    if kind == "type":
        expected = value if isinstance(value, str) else "/".join(map(str, value))
        return f"«{title}» phải là {TYPE_NAMES.get(expected, 'giá trị đúng kiểu')}."
    if kind == "format":
        return f"«{title}» phải là {FORMAT_NAMES.get(value, 'giá trị đúng định dạng')}."
    if kind == "minLength":
        return f"«{title}» không được để trống." if value == 1 else f"«{title}» cần ít nhất {value} ký tự."
    if kind == "maxLength":
        return f"«{title}» dài quá {value} ký tự."
    if kind in {"minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"}:
        side = "lớn hơn" if "inimum" in str(kind) else "nhỏ hơn"
        return f"«{title}» phải {side}{'' if str(kind).startswith('exclusive') else ' hoặc bằng'} {value}."
    if kind == "multipleOf":
        return f"«{title}» phải là bội số của {value}."
    if kind in {"minItems", "maxItems"}:
        return f"«{title}» cần ít nhất {value} mục." if kind == "minItems" else f"«{title}» có tối đa {value} mục."
    if kind in {"minProperties", "maxProperties"}:
        return f"«{title}» cần ít nhất {value} trường." if kind == "minProperties" else f"«{title}» có tối đa {value} trường."
    if kind == "uniqueItems":
        return f"«{title}» có mục trùng nhau."
    if kind in {"items", "unevaluatedItems"}:
        return f"«{title}» có nhiều mục hơn biểu mẫu cho phép."
    if kind == "propertyNames":
        return f"«{title}» có tên trường không hợp lệ."
    if kind == "enum":
        return f"«{title}» có giá trị không nằm trong danh sách cho phép{condition(error, root)}."
    if kind == "const":
        wanted = value_text(root, parts, value)
        if wanted is None:
            return f"«{title}» không đúng giá trị quy định{condition(error, root)}."
        return f"«{title}» phải là {wanted}{condition(error, root)}."
    if kind == "pattern":
        return f"«{title}» không đúng định dạng."
    return f"«{title}» không hợp lệ."


# -- titles and labels --------------------------------------------------------------------------

def schema_at(root: Mapping[str, Any], parts: list[str]) -> Mapping[str, Any] | None:
    """The schema of the field at ``parts`` (through properties, items and local $ref), if the form says."""
    schema: Any = deref(root, root)
    for part in parts:
        if part.isdigit() and isinstance(schema.get("items"), dict):
            schema = schema["items"]
        elif isinstance(schema.get("properties"), dict) and isinstance(schema["properties"].get(part), dict):
            schema = schema["properties"][part]
        else:
            return None
        schema = deref(root, schema)
    return schema if isinstance(schema, Mapping) else None


def title_at(root: Mapping[str, Any], parts: list[str]) -> str:
    """The title of the field at ``parts``, found from the root schema (if/then clauses lack it)."""
    schema = schema_at(root, parts)
    title = schema.get("title") if schema is not None else None
    return str(title or (parts[-1] if parts else ""))[:200]


def value_text(root: Mapping[str, Any], parts: list[str], value: Any) -> str | None:
    """A value of the form as the officer knows it: the choice's label, «có»/«không», or a short text."""
    schema = schema_at(root, parts) or {}
    for key in ("oneOf", "anyOf"):
        for branch in schema.get(key) or []:
            if isinstance(branch, dict) and "const" in branch and branch["const"] == value and branch.get("title"):
                return f"«{str(branch['title'])[:200]}»"
    if value is True or value is False:
        return "«có»" if value else "«không»"
    if isinstance(value, int | float | str) and len(str(value)) <= 100:
        return f"«{value}»"
    return None


def deref(root: Mapping[str, Any], schema: Any) -> Any:
    for _ in range(8):
        ref = schema.get("$ref") if isinstance(schema, Mapping) else None
        if not (isinstance(ref, str) and ref.startswith("#")):
            break
        target: Any = root
        for part in [p.replace("~1", "/").replace("~0", "~") for p in ref[1:].split("/") if p]:
            target = target.get(part) if isinstance(target, Mapping) else None
        if not isinstance(target, Mapping):
            break
        schema = target
    return schema


def own_words(schema: Any) -> str | None:
    """What an analyst wrote on a rule (its description, else its title), for the officer to read."""
    if not isinstance(schema, Mapping):
        return None
    words = schema.get("description") or schema.get("title")
    return str(words)[:500] if words else None


# -- conditions (if/then/else) ------------------------------------------------------------------

def condition(error: ValidationError, root: Mapping[str, Any]) -> str:
    """`` khi «X» là «y»`` for a rule that applies under an ``if``, or "" when none (or not simple)."""
    found = _closest_if(error, root)
    if found is None:
        return ""
    if_schema, negated, parts = found
    tests = _tests(root, if_schema, parts)
    if not tests or (negated and len(tests) > 1):
        return ""
    if negated:
        return f" khi «{tests[0][0]}» không là {tests[0][1]}"
    return " khi " + " và ".join(f"«{name}» là {value}" for name, value in tests)


def _closest_if(error: ValidationError, root: Mapping[str, Any]) -> tuple[Any, bool, list[str]] | None:
    """The ``if`` whose ``then``/``else`` holds the failing rule, and the instance path it applies to.

    Walks the error's schema path from the root, counting the instance steps it takes (a property,
    an item), so that the ``if`` is read at the level of the data it tests.
    """
    node: Any = root
    parts = [str(p) for p in error.absolute_path]
    consumed, found, naming, named_step = 0, None, False, False
    for key in error.absolute_schema_path:
        if naming:  # a property name or a branch index under the previous keyword
            node, naming = _child(node, key), False
            consumed += named_step
            continue
        if key == "$ref":
            node = deref(root, node)
            continue
        if key in {"then", "else"} and isinstance(node, Mapping) and "if" in node:
            found = (node["if"], key == "else", parts[:consumed])
        consumed += key in _CONSUMING
        naming, named_step = key in _NAMING, key in {"properties", "prefixItems"}
        node = _child(node, key)
        if node is None:
            break
    return found


def _child(node: Any, key: Any) -> Any:
    if isinstance(node, Mapping):
        return node.get(key)
    if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
        return node[key]
    return None


def _tests(root: Mapping[str, Any], if_schema: Any, parts: list[str]) -> list[tuple[str, str]]:
    """(field title, value text) of each ``const``/``enum`` an ``if`` tests, through nested properties."""
    found: list[tuple[str, str]] = []
    properties = if_schema.get("properties") if isinstance(if_schema, Mapping) else None
    for name, test in (properties or {}).items():
        if not isinstance(test, Mapping):
            continue
        where = [*parts, str(name)]
        if "const" in test and (text := value_text(root, where, test["const"])):
            found.append((title_at(root, where), text))
        elif isinstance(test.get("enum"), list):
            texts = [value_text(root, where, v) or "" for v in test["enum"][:10]]
            found.append((title_at(root, where), "một trong " + ", ".join(t for t in texts if t)))
        elif "properties" in test:
            found += _tests(root, test, where)
    return found[:4]


# -- keywords about several fields ---------------------------------------------------------------

def _dependent(error: ValidationError, root: Mapping[str, Any], parts: list[str]) -> Explained:
    instance = error.instance if isinstance(error.instance, dict) else {}
    found: Explained = []
    for name, needed in (error.validator_value or {}).items():
        if name in instance and isinstance(needed, list):
            found += [([*parts, str(other)], f"Cần nhập «{title_at(root, [*parts, str(other)])}» khi đã nhập "
                                             f"«{title_at(root, [*parts, str(name)])}».")
                      for other in needed if other not in instance]
    return found


def _extra(error: ValidationError, root: Mapping[str, Any], parts: list[str], title: str) -> Explained:
    instance = error.instance if isinstance(error.instance, dict) else {}
    known = (schema_at(root, parts) or error.schema or {}).get("properties") or {}
    extras = [str(key) for key in instance if key not in known][:10]
    return [([*parts, key[:100]], f"Trường «{key[:60]}» không thuộc «{title}».") for key in extras] or \
        [(parts, f"«{title}» có trường không thuộc biểu mẫu.")]


def _required_names(schema: Any) -> list[str] | None:
    """The fields a rule made only of ``required`` (or any/one/allOf of such) is about; else None."""
    if not isinstance(schema, Mapping):
        return None
    if set(schema) - {"required", "anyOf", "oneOf", "allOf", "title", "description"}:
        return None
    names = [str(n) for n in schema.get("required") or []]
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key) or []:
            more = _required_names(branch)
            if more is None:
                return None
            names += more
    return names or None


def _false(error: ValidationError, root: Mapping[str, Any], parts: list[str], title: str) -> Explained:
    """The schema ``false``: nothing may be given there. jsonschema drops the field's own name from the
    path, so the field is the parent's only ``false`` property when there is one, else the parent."""
    schema = schema_at(root, parts) or {}
    closed = [str(name) for name, sub in (schema.get("properties") or {}).items() if sub is False]
    if len(closed) == 1:
        return [([*parts, closed[0]], f"«{title_at(root, [*parts, closed[0]])}» không được nhập{condition(error, root)}.")]
    return [(parts, f"«{title}» có trường không được nhập{condition(error, root)}.")]


def _not(error: ValidationError, root: Mapping[str, Any], parts: list[str], title: str) -> Explained:
    forbidden, words, when = error.validator_value, own_words(error.validator_value), condition(error, root)
    names = _required_names(forbidden)
    instance = error.instance if isinstance(error.instance, dict) else {}
    present = [name for name in names or [] if name in instance]
    if present:
        return [([*parts, name], words or f"«{title_at(root, [*parts, name])}» không được nhập{when}.") for name in present]
    if words:
        return [(parts, f"«{title}»: {words}")]
    if isinstance(forbidden, Mapping) and "const" in forbidden and (text := value_text(root, parts, forbidden["const"])):
        return [(parts, f"«{title}» không được là {text}{when}.")]
    return [(parts, f"«{title}» có giá trị không được phép{when}.")]


def _choice(error: ValidationError, root: Mapping[str, Any], parts: list[str], title: str, depth: int) -> Explained:
    branches = error.validator_value if isinstance(error.validator_value, list) else []
    if branches and all(isinstance(b, Mapping) and "const" in b for b in branches):
        return [(parts, f"«{title}» có giá trị không nằm trong danh sách cho phép.")]
    names = [_required_names(b) for b in branches]
    listed = ", ".join(f"«{title_at(root, [*parts, n])}»" for group in names for n in group or [])
    when = condition(error, root)
    if not error.context:  # oneOf: more than one branch fits
        if all(names):
            return [(parts, f"Chỉ được nhập một trong: {listed}{when}.")]
        return [(parts, f"«{title}» thỏa nhiều lựa chọn cùng lúc; chỉ được thỏa đúng một{when}.")]
    if all(names):
        return [(parts, f"Cần nhập {'ít nhất' if error.validator == 'anyOf' else 'đúng'} một trong: {listed}{when}.")]
    typed = [sub for sub in error.context if sub.validator != "type"]  # the branches made for this kind of value
    best = best_match(typed or error.context)
    if best is not None and depth < _MAX_DEPTH:
        found = explain(best, root, depth + 1)
        if found:
            return found
    return [(parts, f"«{title}» không thỏa điều kiện nào trong các lựa chọn cho phép{when}.")]


def _contains(error: ValidationError, root: Mapping[str, Any], parts: list[str], title: str) -> str:
    wanted = error.schema.get("contains") if isinstance(error.schema, Mapping) else None
    what = own_words(wanted) or _wanted(root, parts, wanted)
    when = condition(error, root)
    value = error.validator_value
    if error.validator == "minContains":
        return f"Danh sách «{title}» phải có ít nhất {value} mục{f' «{what}»' if what else ' thỏa điều kiện'}{when}."
    if error.validator == "maxContains":
        return f"Danh sách «{title}» chỉ được có tối đa {value} mục{f' «{what}»' if what else ' thỏa điều kiện'}{when}."
    if what:
        return f"Danh sách «{title}» phải có «{what}»{when}."
    return f"Danh sách «{title}» thiếu một mục bắt buộc{when}."


def _wanted(root: Mapping[str, Any], parts: list[str], wanted: Any) -> str | None:
    """The label of the choice a ``contains`` asks for (``kind: complainant`` → «Người khiếu nại»)."""
    properties = wanted.get("properties") if isinstance(wanted, Mapping) else None
    labels = []
    for name, test in (properties or {}).items():
        if isinstance(test, Mapping) and "const" in test:
            text = value_text(root, [*parts, "0", str(name)], test["const"])
            if text:
                labels.append(text.strip("«»"))
    return ", ".join(labels) or None
