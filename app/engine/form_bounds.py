"""What a form schema may be, checked once at deploy: self-contained, and small enough to validate at once.

Forms come from analysts (or from whoever holds an analyst's account), and JSON Schema can make a
validator work without end. Each of these deployed before and answered 500 at every submission:
``anyOf`` through ``$defs`` doubling at each of 26 levels (2²⁶ checks), ``"allOf": [{"$ref": "#"}]``
(infinite recursion), a string with ``"format": "anything"`` and no ``maxLength`` (1.9 MB taken),
a 780 kB schema of nested ``anyOf`` (8 s to deploy). So a form is refused, with its name and the
path of the part at fault, when:

- its text, its number of objects, or its nesting exceed ``MAX_CHARS``, ``MAX_NODES``, ``MAX_DEPTH``;
- a ``$ref`` leaves the file, points at nothing, or closes a cycle (a form refers to itself);
- once every ``$ref`` is replaced by its target, it would exceed ``MAX_EXPANDED`` objects, nest more
  than ``MAX_NESTING`` combinators (``allOf``, ``anyOf``, ``oneOf``, ``not``, ``if``/``then``/``else``,
  ``dependentSchemas``, ``contains``) inside each other, or offer more than ``MAX_BRANCHES`` choices;
- a ``pattern`` cannot run on RE2 (linear time), or ``patternProperties`` is used;
- a string has no ``maxLength`` (only a closed choice — ``enum``, ``const``, or ``oneOf``/``anyOf``
  whose every branch is a ``const`` — and the formats ``date`` and ``date-time`` are bounded by
  themselves; an unknown format bounds nothing), or a list has no ``maxItems``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

MAX_CHARS = 200_000  # a form's JSON text (ours: at most 31 kB)
MAX_NODES = 3_000  # objects in one form (ours: at most 170)
MAX_DEPTH = 40  # nesting of a form (ours reach 8)
MAX_EXPANDED = 5_000  # objects once every $ref is replaced by its target
MAX_NESTING = 8  # combinators inside each other, through $ref too (ours: 4)
MAX_BRANCHES = 64  # subschemas of one allOf / anyOf / oneOf (ours: 14)
MAX_ITEMS = 10_000  # the largest maxItems a list may declare
MAX_LENGTH = 100_000  # the largest maxLength a text may declare
BOUNDED_FORMATS = frozenset({"date", "date-time"})
COMBINATORS = frozenset({"allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas", "contains"})
REF_KEYS = ("$ref", "$dynamicRef")
DATA_KEYS = frozenset({"const", "enum", "default", "examples"})  # values, not subschemas
DEFINITIONS = frozenset({"$defs", "definitions"})  # reached through the $refs that use them


def _n(number: int) -> str:
    """A count as Vietnamese writes it (dots between thousands)."""
    return f"{number:,}".replace(",", ".")


class FormRefused(ValueError):
    """A form that deploy refuses; the message names the form and the path, in Vietnamese."""


def check_size(text: str, name: str) -> None:
    if len(text) > MAX_CHARS:
        raise FormRefused(f"biểu mẫu {name} quá lớn ({_n(len(text))} ký tự; tối đa {_n(MAX_CHARS)}).")


def nodes(node: Any, name: str, path: str = "", depth: int = 0) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every object of a form with its path, refusing a form nested or sized beyond the bounds."""
    for count, found in enumerate(_nodes(node, name, path, depth), start=1):
        if count > MAX_NODES:
            raise FormRefused(f"biểu mẫu {name} có quá nhiều phần (quá {_n(MAX_NODES)} đối tượng JSON).")
        yield found


def _nodes(node: Any, name: str, path: str, depth: int) -> Iterator[tuple[str, dict[str, Any]]]:
    if depth > MAX_DEPTH:
        raise FormRefused(f"biểu mẫu {name} lồng nhau quá sâu (quá {MAX_DEPTH} tầng) tại {path}.")
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if key not in DATA_KEYS:
                yield from _nodes(value, name, f"{path}/{key}", depth + 1)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _nodes(value, name, f"{path}/{index}", depth + 1)


def check_node(root: dict[str, Any], path: str, node: dict[str, Any], name: str,
               check_pattern: Callable[[Any, str, str], None]) -> None:
    """The rules each object of a form must keep by itself (its references, patterns and bounds)."""
    where = path or "/"
    for key in REF_KEYS:
        if key in node:
            resolve(root, node[key], f"{path}/{key}", name)
    if "patternProperties" in node:
        raise FormRefused(f"biểu mẫu {name}: «patternProperties» tại {where} không được hỗ trợ.")
    if "pattern" in node:
        check_pattern(node["pattern"], path, name)
    for key in ("allOf", "anyOf", "oneOf"):
        if isinstance(node.get(key), list) and len(node[key]) > MAX_BRANCHES:
            raise FormRefused(f"biểu mẫu {name}: «{key}» tại {where} có {len(node[key])} lựa chọn "
                              f"(tối đa {MAX_BRANCHES}).")
    if _is(node, "string") and not _bounded_text(node):
        raise FormRefused(f"biểu mẫu {name}: trường văn bản {where} cần «maxLength» (độ dài tối đa, "
                          f"không quá {_n(MAX_LENGTH)}).")
    if _is(node, "array") and not _bound(node.get("maxItems"), MAX_ITEMS):
        raise FormRefused(f"biểu mẫu {name}: danh sách {where} cần «maxItems» (số mục tối đa, "
                          f"không quá {_n(MAX_ITEMS)}).")


def _is(node: Mapping[str, Any], kind: str) -> bool:
    declared = node.get("type")
    return declared == kind or (isinstance(declared, list) and kind in declared)


def _bound(value: Any, most: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= most


def _bounded_text(node: Mapping[str, Any]) -> bool:
    """A string bounded by its maxLength, or a closed choice, or a date: never by an unknown format."""
    if _bound(node.get("maxLength"), MAX_LENGTH) or "enum" in node or "const" in node:
        return True
    if node.get("format") in BOUNDED_FORMATS:
        return True
    return any(isinstance(node.get(key), list) and node[key]
               and all(isinstance(branch, dict) and "const" in branch for branch in node[key])
               for key in ("oneOf", "anyOf"))


def resolve(root: dict[str, Any], ref: Any, where: str, name: str) -> Any:
    """The part of the same file a ``$ref`` names ("#" or "#/…"): never a URL, a file or an anchor."""
    if not isinstance(ref, str) or not ref.startswith("#"):
        raise FormRefused(f"biểu mẫu {name}: tham chiếu «{str(ref)[:120]}» tại {where} trỏ ra ngoài biểu mẫu; "
                          "chỉ được tham chiếu trong cùng tệp (#/…).")
    if ref != "#" and not ref.startswith("#/"):
        raise FormRefused(f"biểu mẫu {name}: tham chiếu «{ref[:120]}» tại {where} phải là đường dẫn trong tệp (#/…).")
    target: Any = root
    for part in [p.replace("~1", "/").replace("~0", "~") for p in ref[1:].split("/") if p]:
        if isinstance(target, list) and part.isascii() and part.isdigit() and int(part) < len(target):
            target = target[int(part)]
        else:
            target = target.get(part) if isinstance(target, dict) else None
        if target is None:
            raise FormRefused(f"biểu mẫu {name}: tham chiếu «{ref[:120]}» tại {where} không trỏ tới phần nào "
                              "của biểu mẫu.")
    if not isinstance(target, dict | bool):
        raise FormRefused(f"biểu mẫu {name}: tham chiếu «{ref[:120]}» tại {where} không trỏ tới một lược đồ.")
    return target


def check_expansion(root: dict[str, Any], name: str) -> None:
    """Follow every ``$ref`` from the root: no cycle, and the form as validated stays within the bounds."""
    _Expansion(root, name).visit(root, "", 0)


class _Expansion:
    """Size and combinator nesting of each part once its references are inlined, each part computed once."""

    def __init__(self, root: dict[str, Any], name: str) -> None:
        self.root, self.name = root, name
        self.done: dict[int, tuple[int, int]] = {}
        self.open: set[int] = set()

    def visit(self, node: Any, path: str, depth: int, via: str = "") -> tuple[int, int]:
        """(objects, combinator nesting) of ``node`` with its references inlined."""
        if depth > 4 * MAX_DEPTH:
            raise FormRefused(f"biểu mẫu {self.name}: chuỗi tham chiếu lồng nhau quá sâu tại {path or '/'}.")
        if isinstance(node, list):
            parts = [self.visit(value, f"{path}/{index}", depth + 1) for index, value in enumerate(node)]
            return sum(size for size, _ in parts), max((nesting for _, nesting in parts), default=0)
        if not isinstance(node, dict):
            return 0, 0
        key = id(node)
        if key in self.open:
            raise FormRefused(f"biểu mẫu {self.name}: tham chiếu tại {via or path or '/'} tạo thành vòng lặp "
                              "(biểu mẫu tự tham chiếu tới chính nó).")
        if key not in self.done:
            self.open.add(key)
            self.done[key] = self._measure(node, path, depth)
            self.open.discard(key)
        return self.done[key]

    def _measure(self, node: dict[str, Any], path: str, depth: int) -> tuple[int, int]:
        size, nesting = 1, 0
        for key, value in node.items():
            if key in DATA_KEYS or key in DEFINITIONS:
                continue
            where = f"{path}/{key}"
            if key in REF_KEYS:  # the target is named by its own place in the file
                target, inner_path = resolve(self.root, value, where, self.name), str(value)[1:]
            else:
                target, inner_path = value, where
            inner_size, inner_nesting = self.visit(target, inner_path, depth + 1, where if key in REF_KEYS else "")
            size += inner_size
            nesting = max(nesting, inner_nesting + int(key in COMBINATORS))
            if size > MAX_EXPANDED:
                raise FormRefused(f"biểu mẫu {self.name}: phần {path or '/'} quá lớn khi triển khai các tham chiếu "
                                  f"(quá {_n(MAX_EXPANDED)} đối tượng).")
            if nesting > MAX_NESTING:
                raise FormRefused(f"biểu mẫu {self.name}: tại {where} lồng quá {MAX_NESTING} tầng điều kiện "
                                  "(allOf/anyOf/oneOf/not/if…), kể cả qua tham chiếu.")
        return size, nesting
