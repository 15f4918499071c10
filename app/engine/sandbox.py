"""The restricted Python that diagram scripts, conditions, timers and DMN cells run in.

Scripts come from process analysts, not from us, so they get an allow-list rather than the
plain ``eval``/``exec`` SpiffWorkflow uses by default: the source is parsed, every AST node
is checked against the list below, names and attributes beginning with ``_`` are refused,
attribute access is limited to a few harmless methods, and builtins are replaced by a short
list. Imports, dunder walks (``().__class__.__base__.__subclasses__()``), ``open``, ``eval``
and ``exec`` therefore fail both when a diagram is deployed and if one ever runs. A method may only be
called where it is named (``s.replace(…)``), never kept in a variable (``r = s.replace``), so every call
goes through the budget's checks (``app.engine.budget``); what a script leaves in the case is weighed.
"""

from __future__ import annotations

import ast
import copy
import unicodedata
from collections.abc import Callable, Mapping
from functools import lru_cache
from types import CodeType
from typing import Any, cast

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.task import Task

from app.engine.bounded import builtins, guarded
from app.engine.budget import MAX_CASE_DATA, Budget, BudgetExceeded, NotStorable, data_size, weigh
from app.engine.limits import check_result
from app.engine.pyast import AST_LOCK
from app.engine.rewrite import instrument, static_check


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

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Attribute):  # a method, called where it is named
            if node.func.attr not in _ALLOWED_ATTRIBUTES:
                raise UnsafeCode(f"thuộc tính '.{node.func.attr}' không được phép", node.lineno)
            self.visit(node.func.value)
        else:
            self.visit(node.func)
        for child in (*node.args, *node.keywords):
            self.visit(child)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        raise UnsafeCode(f"thuộc tính '.{node.attr}' chỉ được dùng để gọi phương thức ngay tại chỗ "
                         f"(không gán phương thức vào biến)", node.lineno)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.slice, ast.Slice) and isinstance(node.ctx, ast.Store):
            raise UnsafeCode("không được gán vào một lát cắt (a[i:j] = …)", node.lineno)
        self.generic_visit(node)

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
        with AST_LOCK:
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
    with AST_LOCK:  # see app.engine.pyast
        return compile(instrument(check_source(source, mode)), "<diagram>", mode)


def _case_value(key: str, value: Any, room: int) -> int:
    """How much room a value a script leaves in the case takes; refused if the case cannot keep it."""
    try:
        return data_size(value, room)
    except NotStorable as exc:
        raise UnsafeCode(f"biến «{key}» có giá trị kiểu {exc} không lưu được vào hồ sơ "
                         "(chỉ chuỗi, số, ngày, danh sách, từ điển)") from exc
    except BudgetExceeded as exc:
        raise BudgetExceeded(f"dữ liệu hồ sơ sau bước này lớn quá {MAX_CASE_DATA:,} ký tự (biến «{key}»)"
                             .replace(",", ".")) from exc


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """A SpiffWorkflow script environment that only runs vetted code with safe builtins."""

    def __init__(self, functions: Mapping[str, Callable[..., Any]]) -> None:
        super().__init__({name: guarded(function) for name, function in functions.items()})

    def _globals(self, context: Mapping[str, Any], external: Mapping[str, Any] | None) -> dict[str, Any]:
        budget = Budget()
        scope: dict[str, Any] = {"__builtins__": builtins(budget), "_b": budget}
        scope.update(self.globals)
        scope.update(external or {})
        scope.update(context)
        return scope

    def evaluate(self, expression: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> Any:
        code = _compiled(expression.strip(), "eval")
        value = eval(code, self._globals(copy.copy(context), external_context))  # noqa: S307 - vetted above
        weigh(value)  # SpiffWorkflow prints, compares or stores what an expression gives
        return value

    def execute(self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> bool:
        clash = (set(self.globals) | set(external_context or {})) & set(context)
        if clash:
            raise UnsafeCode(f"dữ liệu hồ sơ trùng tên hàm có sẵn: {sorted(clash)}")
        code = _compiled(script, "exec")
        scope = self._globals({}, external_context)
        reserved = set(scope)
        scope.update(context)
        exec(code, scope)  # noqa: S102 - vetted above
        room = MAX_CASE_DATA
        for key, value in scope.items():
            if key not in reserved and not callable(value):
                room -= _case_value(key, value, room)
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

    def evaluate(self, task: Task, expression: str, external_context: dict[str, Any] | None = None) -> Any:
        """Evaluate, then refuse a value SpiffWorkflow would act on without bound (a cardinality, a timer)."""
        value = super().evaluate(task, expression, external_context)
        check_result(task, expression, value)
        return value
