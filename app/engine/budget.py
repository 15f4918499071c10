"""A budget for diagram code: bounded steps, sizes and time, so an analyst's script cannot hang the service.

The sandbox (``app.engine.sandbox``) decides *what* code may do; this module bounds *how much*.
Before a vetted script is compiled its syntax tree is rewritten so that:

- every loop and comprehension draws one step per item from the budget (``Budget.each``);
- ``*``, ``+`` and ``%`` go through checked operations that refuse a string, list or number bigger
  than the budget's limits *before* it is built (``'a' * 10**11`` is refused, not allocated);
- ``range`` is a bounded range, and the few data methods scripts may call that grow data
  (``append``, ``extend``, ``replace``) are checked the same way;
- an f-string's format spec may not ask for a field wider than the limit (``f'{1:>{10**9}}'``).

A wall-clock limit is checked as steps are taken. Exceeding any limit raises ``BudgetExceeded``,
which the engine reports as a 422 naming the step. ``static_check`` runs the same checks at deploy
on what can be computed from constants alone, so ``sum(range(1000000*1000000))`` never deploys.
"""

from __future__ import annotations

import ast
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

MAX_STEPS = 200_000  # loop items per evaluation
MAX_ITEMS = 100_000  # elements of a list or range, characters of a string a script may build
MAX_INT_BITS = 4_096  # size of an integer a script may build (10**1233)
MAX_SECONDS = 1.0  # wall clock per evaluation
MAX_WIDTH = 1_000  # a format spec's width or precision
_SPEC_NUMBER = re.compile(r"[0-9]+")


class BudgetExceeded(ValueError):
    """Diagram code went over one of its limits; the message says which, in Vietnamese."""


@dataclass
class Budget:
    """One evaluation's allowance; handed to the rewritten code as ``_b``."""

    steps: int = 0
    started: float = field(default_factory=time.monotonic)

    def step(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > MAX_STEPS:
            raise BudgetExceeded(f"mã trong sơ đồ lặp quá {MAX_STEPS:,} lần".replace(",", "."))
        if time.monotonic() - self.started > MAX_SECONDS:
            raise BudgetExceeded(f"mã trong sơ đồ chạy quá {MAX_SECONDS:g} giây")

    def each(self, items: Iterable[Any]) -> Iterator[Any]:
        for item in items:
            self.step()
            yield item

    def mul(self, left: Any, right: Any) -> Any:
        _check_repeat(left, right)
        _check_repeat(right, left)
        return _sized(left * right)

    def add(self, left: Any, right: Any) -> Any:
        if _is_sized(left) and _is_sized(right):
            _check_length(len(left) + len(right))
        return _sized(left + right)

    def mod(self, left: Any, right: Any) -> Any:
        if isinstance(left, str):
            raise BudgetExceeded("định dạng chuỗi bằng «%» không được hỗ trợ; hãy dùng f-string")
        return _sized(left % right)

    def range(self, *args: int) -> range:
        found = range(*args)
        _check_length(len(found))
        return found

    def fmt(self, value: Any, spec: str) -> str:
        if any(int(number) > MAX_WIDTH for number in _SPEC_NUMBER.findall(spec)):
            raise BudgetExceeded(f"định dạng yêu cầu độ rộng quá {MAX_WIDTH} ký tự")
        return str(format(value, spec))

    def call(self, target: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        """A data method (already allowed by the sandbox), checked where it can grow data."""
        if name == "extend" and _is_sized(target) and _is_sized(args[0] if args else None):
            _check_length(len(target) + len(args[0]))
        if name == "append" and _is_sized(target):
            _check_length(len(target) + 1)
        if name == "replace" and isinstance(target, str) and len(args) >= 2:
            old, new = str(args[0]), str(args[1])
            grows = len(new) - len(old)
            if grows > 0:
                _check_length(len(target) + grows * (target.count(old) if old else len(target) + 1))
        return getattr(target, name)(*args, **kwargs)


def _is_sized(value: Any) -> bool:
    return isinstance(value, str | list | tuple | bytes)


def _check_length(length: int) -> None:
    if length > MAX_ITEMS:
        raise BudgetExceeded(f"mã trong sơ đồ tạo chuỗi hoặc danh sách dài quá {MAX_ITEMS:,} phần tử"
                             .replace(",", "."))


def _check_repeat(sequence: Any, times: Any) -> None:
    if _is_sized(sequence) and isinstance(times, int) and not isinstance(times, bool):
        _check_length(len(sequence) * max(times, 0))


def _sized(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise BudgetExceeded("mã trong sơ đồ tạo số quá lớn")
    if _is_sized(value):
        _check_length(len(value))
    return value


# -- rewriting a vetted tree ------------------------------------------------------------------------

_OPERATIONS = {ast.Mult: "mul", ast.Add: "add", ast.Mod: "mod"}
_GROWING = frozenset({"append", "extend", "replace"})


def _budget(attr: str) -> ast.Attribute:
    return ast.Attribute(value=ast.Name(id="_b", ctx=ast.Load()), attr=attr, ctx=ast.Load())


class _Instrument(ast.NodeTransformer):
    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        name = _OPERATIONS.get(type(node.op))
        if name is None:
            return node
        return ast.Call(func=_budget(name), args=[node.left, node.right], keywords=[])

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        name = _OPERATIONS.get(type(node.op))
        if name is None or not isinstance(node.target, ast.Name | ast.Subscript):
            return node
        load = _as_load(node.target)
        call = ast.Call(func=_budget(name), args=[load, node.value], keywords=[])
        return ast.Assign(targets=[node.target], value=call, lineno=node.lineno)

    def visit_For(self, node: ast.For) -> ast.AST:
        self.generic_visit(node)
        node.iter = ast.Call(func=_budget("each"), args=[node.iter], keywords=[])
        return node

    def visit_comprehension(self, node: ast.comprehension) -> ast.AST:
        self.generic_visit(node)
        node.iter = ast.Call(func=_budget("each"), args=[node.iter], keywords=[])
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "range":
            node.func = _budget("range")
        elif isinstance(node.func, ast.Attribute) and node.func.attr in _GROWING:
            return ast.Call(func=_budget("call"), args=[node.func.value, ast.Constant(node.func.attr), *node.args],
                            keywords=node.keywords)
        return node

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        self.generic_visit(node)
        if node.format_spec is None:
            return node
        value: ast.expr = node.value
        if node.conversion in (ord("r"), ord("s"), ord("a")):
            builtin = {ord("r"): "repr", ord("s"): "str", ord("a"): "ascii"}[node.conversion]
            value = ast.Call(func=ast.Name(id=builtin, ctx=ast.Load()), args=[value], keywords=[])
        call = ast.Call(func=_budget("fmt"), args=[value, node.format_spec], keywords=[])
        return ast.FormattedValue(value=call, conversion=-1, format_spec=None)


def _as_load(target: ast.expr) -> ast.expr:
    clone = ast.parse(ast.unparse(target), mode="eval").body
    return clone


def instrument(tree: ast.Module | ast.Expression) -> ast.Module | ast.Expression:
    """The vetted tree, rewritten to draw on a ``_b`` budget; its line numbers kept for error messages."""
    rewritten: ast.Module | ast.Expression = _Instrument().visit(tree)
    return ast.fix_missing_locations(rewritten)


# -- what deploy can see ------------------------------------------------------------------------------

def static_check(tree: ast.AST) -> None:
    """Refuse, at deploy, code whose constants alone already exceed the budget."""
    budget = Budget()
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp | ast.Call | ast.FormattedValue):
            try:
                _constant_value(node, budget)
            except _NotConstant:
                continue
            except BudgetExceeded:
                raise
            except (ArithmeticError, ValueError, TypeError):
                continue


class _NotConstant(Exception):
    pass


def _constant_value(node: ast.AST, budget: Budget) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.List | ast.Tuple):
        items = [_constant_value(item, budget) for item in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_constant_value(node.operand, budget)
    if isinstance(node, ast.BinOp):
        left, right = _constant_value(node.left, budget), _constant_value(node.right, budget)
        name = _OPERATIONS.get(type(node.op))
        if name is not None:
            return getattr(budget, name)(left, right)
        if isinstance(node.op, ast.Sub):
            return left - right
        raise _NotConstant
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range":
        return budget.range(*[_constant_value(arg, budget) for arg in node.args])
    if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
        spec = "".join(str(_constant_value(part, budget)) for part in getattr(node.format_spec, "values", []))
        return budget.fmt(0, spec)
    if isinstance(node, ast.FormattedValue):
        return _constant_value(node.value, budget)
    raise _NotConstant
