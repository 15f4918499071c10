"""The restricted Python that diagram scripts, conditions, timers and DMN cells run in.

Scripts come from process analysts, not from us, so they get an allow-list rather than the
plain ``eval``/``exec`` SpiffWorkflow uses by default: the source is parsed, every AST node
is checked against the list below, names and attributes beginning with ``_`` are refused,
attribute access is limited to a few harmless methods, and builtins are replaced by a short
list. Imports, dunder walks (``().__class__.__base__.__subclasses__()``), ``open``, ``eval``
and ``exec`` therefore fail both when a diagram is deployed and if one ever runs.
"""

from __future__ import annotations

import ast
import copy
import math
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache
from types import CodeType
from typing import Any, cast

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from app.engine.budget import Budget, BudgetExceeded, instrument, static_check


class RuleViolation(Exception):
    """A legal rule written in the diagram (``require``) that the submitted data breaks."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def require(condition: object, field: str, message: str) -> bool:
    """For diagram scripts: refuse the step with a field error when a legal rule is not met."""
    if not condition:
        raise RuleViolation(field, message)
    return True


def normal_text(value: object) -> str:
    """For diagram scripts: a name compared as people read it (case, spacing and Unicode form ignored)."""
    return unicodedata.normalize("NFC", " ".join(str(value).split())).casefold()


class UnsafeCode(ValueError):
    """Raised when a script uses a construct outside the allow-list."""

    def __init__(self, message: str, lineno: int | None = None) -> None:
        super().__init__(message)
        self.lineno = lineno


_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Module, ast.Expression, ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign,
    ast.If, ast.For, ast.Pass, ast.Break, ast.Continue, ast.Delete,
    ast.Name, ast.Load, ast.Store, ast.Del, ast.Constant, ast.Subscript, ast.Slice, ast.Attribute,
    ast.List, ast.Tuple, ast.Dict, ast.Set, ast.Starred,
    ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd,
    ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod,
    ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn,
    ast.Is, ast.IsNot, ast.IfExp, ast.Call, ast.keyword,
    ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.comprehension,
    ast.JoinedStr, ast.FormattedValue,
)

# Methods of plain data (dict, list, str) that cannot reach the interpreter's internals.
_ALLOWED_ATTRIBUTES = frozenset({
    "get", "keys", "values", "items", "append", "extend", "count", "index",
    "lower", "upper", "strip", "startswith", "endswith", "split", "replace",
})

# Names refused even though they do not start with "_": I/O, code execution and reflection.
_DENIED_NAMES = frozenset({
    "open", "eval", "exec", "compile", "getattr", "setattr", "delattr", "globals", "locals", "vars",
    "dir", "type", "object", "input", "breakpoint", "help", "memoryview", "classmethod", "staticmethod",
    "super", "property", "print", "exit", "quit",
})

_SAFE_BUILTINS: dict[str, Any] = {
    name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    for name in (
        "len", "min", "max", "sum", "any", "all", "int", "str", "bool", "float", "round",
        "abs", "sorted", "list", "dict", "set", "tuple", "range", "enumerate", "zip",
    )
}
_SAFE_BUILTINS.update({"True": True, "False": False, "None": None})


class _Checker(ast.NodeVisitor):
    def generic_visit(self, node: ast.AST) -> None:
        if not isinstance(node, _ALLOWED_NODES):
            raise UnsafeCode(
                f"cú pháp '{type(node).__name__}' không được phép trong biểu thức của sơ đồ",
                getattr(node, "lineno", None),
            )
        super().generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id.startswith("_"):
            raise UnsafeCode(f"tên '{node.id}' không được phép (bắt đầu bằng '_')", node.lineno)
        if node.id in _DENIED_NAMES:
            raise UnsafeCode(f"hàm '{node.id}' không được phép (nhập/xuất, thực thi mã, phản chiếu)", node.lineno)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr not in _ALLOWED_ATTRIBUTES:
            raise UnsafeCode(f"thuộc tính '.{node.attr}' không được phép", node.lineno)
        self.visit(node.value)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, bytes):
            raise UnsafeCode("hằng bytes không được phép", node.lineno)


def check_source(source: str, mode: str = "exec") -> ast.Module | ast.Expression:
    """Parse and vet a script or expression; raise UnsafeCode or SyntaxError if refused.

    Code too deeply nested for the parser, or whose constants already exceed the budget, is
    refused here too (at deploy, as UnsafeCode naming why).
    """
    if len(source) > MAX_SOURCE:
        raise UnsafeCode(f"đoạn mã dài quá {MAX_SOURCE:,} ký tự".replace(",", "."))
    try:
        tree = cast(ast.Module | ast.Expression, ast.parse(source, mode=mode))
        _Checker().visit(tree)
        static_check(tree)
    except (RecursionError, MemoryError) as exc:
        raise UnsafeCode("biểu thức lồng nhau quá sâu hoặc quá dài") from exc
    except BudgetExceeded as exc:
        raise UnsafeCode(str(exc)) from exc
    return tree


MAX_SOURCE = 20_000  # characters of one script or expression


@lru_cache(maxsize=4096)
def _compiled(source: str, mode: str) -> CodeType:
    """Vetted, then rewritten to draw on a budget (``app.engine.budget``), then compiled; once per source."""
    return compile(instrument(check_source(source, mode)), "<diagram>", mode)


_STORABLE_LEAVES = (str, int, float, bool, type(None), date, datetime, timedelta)


def _storable(value: Any, depth: int = 0) -> bool:
    """Plain data the case can keep: no generator, range or other live object left behind by a script."""
    if depth > 32:
        return False
    if isinstance(value, _STORABLE_LEAVES):
        return not isinstance(value, float) or math.isfinite(value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _storable(v, depth + 1) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(_storable(v, depth + 1) for v in value)
    return False


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """A SpiffWorkflow script environment that only runs vetted code with safe builtins."""

    def __init__(self, functions: Mapping[str, Callable[..., Any]]) -> None:
        super().__init__(dict(functions))

    def _globals(self, context: Mapping[str, Any], external: Mapping[str, Any] | None) -> dict[str, Any]:
        scope: dict[str, Any] = {"__builtins__": _SAFE_BUILTINS, "_b": Budget()}
        scope.update(self.globals)
        scope.update(external or {})
        scope.update(context)
        return scope

    def evaluate(self, expression: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> Any:
        code = _compiled(expression.strip(), "eval")
        return eval(code, self._globals(copy.copy(context), external_context))  # noqa: S307 - vetted above

    def execute(self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> bool:
        clash = (set(self.globals) | set(external_context or {})) & set(context)
        if clash:
            raise UnsafeCode(f"dữ liệu hồ sơ trùng tên hàm có sẵn: {sorted(clash)}")
        code = _compiled(script, "exec")
        scope = self._globals({}, external_context)
        reserved = set(scope)
        scope.update(context)
        exec(code, scope)  # noqa: S102 - vetted above
        for key, value in scope.items():
            if key not in reserved and not callable(value):
                if not _storable(value):
                    raise UnsafeCode(f"biến «{key}» có giá trị kiểu {type(value).__name__} không lưu được vào hồ sơ "
                                     "(chỉ chuỗi, số, ngày, danh sách, từ điển)")
                context[key] = value
        for key in list(context):
            if key not in scope:
                del context[key]
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise UnsafeCode("sơ đồ không được gọi dịch vụ bên ngoài")


class RestrictedScriptEngine(PythonScriptEngine):
    """Script engine whose syntax check is the sandbox's, so DMN parsing uses it too."""

    def __init__(self, functions: Mapping[str, Callable[..., Any]]) -> None:
        super().__init__(environment=RestrictedEnvironment(functions))

    def validate(self, expression: str) -> None:
        check_source(expression, "eval")
