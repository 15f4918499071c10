"""Rewrite vetted diagram code to draw on its budget, and refuse at deploy what constants alone exceed.

The sandbox (``app.engine.sandbox``) vets the tree first; this module then routes every operation that
can do unbounded work through the evaluation's ``Budget`` (named ``_b`` in the compiled code, a name
scripts cannot write because it starts with ``_``). See ``app.engine.budget`` for what each check bounds.
"""

from __future__ import annotations

import ast
from typing import Any

from app.engine.bounded import builtins
from app.engine.budget import LITERAL, Budget, BudgetExceeded

_OPERATIONS = {ast.Mult: "mul", ast.Add: "add", ast.Mod: "mod"}


def _b(attr: str, *args: ast.expr, keywords: list[ast.keyword] | None = None) -> ast.Call:
    func = ast.Attribute(value=ast.Name(id="_b", ctx=ast.Load()), attr=attr, ctx=ast.Load())
    return ast.Call(func=func, args=list(args), keywords=keywords or [])


def _mask(items: list[ast.expr]) -> ast.Constant:
    return ast.Constant("".join("1" if isinstance(item, ast.Starred) else "0" for item in items))


def _unstarred(items: list[ast.expr]) -> ast.Tuple:
    values = [item.value if isinstance(item, ast.Starred) else item for item in items]
    return ast.Tuple(elts=values, ctx=ast.Load())


def _display(kind: str, items: list[ast.expr]) -> ast.Call:
    return _b("display", ast.Constant(kind), _unstarred(items), _mask(items))


class _Instrument(ast.NodeTransformer):
    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        name = _OPERATIONS.get(type(node.op))
        return node if name is None else _b(name, node.left, node.right)

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        name = _OPERATIONS.get(type(node.op))
        if name is None or not isinstance(node.target, ast.Name | ast.Subscript):
            return node
        load = ast.parse(ast.unparse(node.target), mode="eval").body
        return ast.Assign(targets=[node.target], value=_b(name, load, node.value), lineno=node.lineno)

    def visit_For(self, node: ast.For) -> ast.AST:
        self.generic_visit(node)
        node.iter = _b("each", node.iter)
        return node

    def visit_comprehension(self, node: ast.comprehension) -> ast.AST:
        self.generic_visit(node)
        node.iter = _b("each", node.iter)
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        args = node.args
        if any(isinstance(arg, ast.Starred) for arg in args):  # f(*a, *a, …): one bounded tuple
            args = [ast.Starred(value=_display("tuple", args), ctx=ast.Load())]
        if isinstance(node.func, ast.Attribute):  # the sandbox allows attributes only here
            return _b("call", node.func.value, ast.Constant(node.func.attr), *args, keywords=node.keywords)
        node.args = args
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        parts: list[ast.expr] = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                spec = self.visit(value.format_spec) if value.format_spec is not None else ast.Constant("")
                part = [self.visit(value.value), ast.Constant(value.conversion), spec]
            else:
                part = [value, ast.Constant(LITERAL), ast.Constant("")]
            parts.append(ast.Tuple(elts=part, ctx=ast.Load()))
        return _b("text", *parts)

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        operands = [node.left, *node.comparators]
        for index, op in enumerate(node.ops):
            if isinstance(op, ast.In | ast.NotIn):
                operands[index] = _b("cmp", operands[index])
                operands[index + 1] = _b("haystack", operands[index + 1])
            elif not isinstance(op, ast.Is | ast.IsNot):
                operands[index] = _b("cmp", operands[index])
                operands[index + 1] = _b("cmp", operands[index + 1])
        node.left, node.comparators = operands[0], operands[1:]
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        self.generic_visit(node)
        if not isinstance(node.slice, ast.Slice):
            node.slice = _b("key", node.slice)
            return node
        return _b("built", node) if isinstance(node.ctx, ast.Load) else node

    def visit_Dict(self, node: ast.Dict) -> ast.AST:
        self.generic_visit(node)
        if all(key is not None for key in node.keys):
            node.keys = [_b("key", key) for key in node.keys if key is not None]
            return node
        entries = [ast.Tuple(elts=[value] if key is None else [key, value], ctx=ast.Load())
                   for key, value in zip(node.keys, node.values, strict=True)]
        return _b("merge", *entries)

    def visit_Set(self, node: ast.Set) -> ast.AST:
        self.generic_visit(node)
        if any(isinstance(elt, ast.Starred) for elt in node.elts):
            return _display("set", node.elts)
        node.elts = [_b("key", elt) for elt in node.elts]
        return node

    def visit_List(self, node: ast.List) -> ast.AST:
        return self._sequence(node, "list")

    def visit_Tuple(self, node: ast.Tuple) -> ast.AST:
        return self._sequence(node, "tuple")

    def _sequence(self, node: ast.List | ast.Tuple, kind: str) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.ctx, ast.Load) and any(isinstance(elt, ast.Starred) for elt in node.elts):
            return _display(kind, node.elts)
        return node

    def visit_DictComp(self, node: ast.DictComp) -> ast.AST:
        self.generic_visit(node)
        node.key = _b("key", node.key)
        return node

    def visit_SetComp(self, node: ast.SetComp) -> ast.AST:
        self.generic_visit(node)
        node.elt = _b("key", node.elt)
        return node


def instrument(tree: ast.Module | ast.Expression) -> ast.Module | ast.Expression:
    """The vetted tree, rewritten to draw on a ``_b`` budget; its line numbers kept for error messages."""
    rewritten: ast.Module | ast.Expression = _Instrument().visit(tree)
    return ast.fix_missing_locations(rewritten)


# -- what deploy can see ------------------------------------------------------------------------------

def static_check(tree: ast.AST) -> None:
    """Refuse, at deploy, code whose constants alone already exceed the budget (``round(1, -10**9)``)."""
    budget = Budget()
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp | ast.Call | ast.FormattedValue):
            try:
                _constant_value(node, budget)
            except _NotConstant:
                continue
            except BudgetExceeded:
                raise
            except (ArithmeticError, ValueError, TypeError, AttributeError):
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
    if isinstance(node, ast.Call):
        return _constant_call(node, budget)
    if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
        spec = "".join(str(_constant_value(part, budget)) for part in getattr(node.format_spec, "values", []))
        return budget.fmt(0, spec)
    if isinstance(node, ast.FormattedValue):
        return _constant_value(node.value, budget)
    raise _NotConstant


def _constant_call(node: ast.Call, budget: Budget) -> Any:
    """A bounded builtin or a data method called on constants only: run it (it refuses what is too big)."""
    if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
        raise _NotConstant
    args = [_constant_value(arg, budget) for arg in node.args]
    if isinstance(node.func, ast.Name) and node.func.id in _CONSTANT_BUILTINS:
        return builtins(budget)[node.func.id](*args)
    if isinstance(node.func, ast.Attribute):
        return budget.call(_constant_value(node.func.value, budget), node.func.attr, *args)
    raise _NotConstant


_CONSTANT_BUILTINS = frozenset({"range", "round", "int", "str", "sum", "min", "max", "sorted", "list", "tuple",
                                "set", "len", "abs"})
