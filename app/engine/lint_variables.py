"""Rule ``unknown-variable``: diagram code reads only variables that something in the process produces.

A misspelt or removed variable (``acceptd``, a form field renamed while a gateway still reads the old
name) compiles, deploys and then fails with a NameError in front of an officer, on the day a case first
reaches that expression. Lint therefore collects every name each expression or script reads and refuses
one that no source produces. The sources: a top-level field of any form of the process (start, step and
message forms), a name any script of the process assigns, a message's or event's variable, the outputs of
a decision a business rule task calls, a multi-instance collection or item, a data object, what the host
puts in every case (``HOST_VARIABLES``), and the names code may call (the sandbox's builtins and the
engine's own functions, ``script_globals``).

"Produced earlier" is approximated as "produced anywhere in the process": a dataflow analysis along the
graph is out of scope, and the rule's point is a name that nothing produces at all.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from lxml import etree

from app.engine.bounded import BUILTIN_NAMES
from app.engine.form_messages import deref
from app.engine.instance import HOST_VARIABLES
from app.engine.lint_forms import Forms
from app.engine.lint_problem import Problem, at, owner_id
from app.engine.process import NS, _expression_sites
from app.engine.sandbox import UnsafeCode, check_source
from app.engine.script_globals import script_global_names

RULE = "unknown-variable"
_DMN_INPUT = "dmninputexpr"  # what SpiffWorkflow's DMN engine puts for "?" in an input entry
_DMN_LEFT = "v"  # the stand-in left operand of an entry such as "> 5", as the sandbox's check parses it
_SCHEMA_DEPTH = 8


class _Names(ast.NodeVisitor):
    """The names one piece of code reads from the case (with their first line) and assigns at its top level."""

    def __init__(self) -> None:
        self.reads: dict[str, int] = {}
        self.assigns: set[str] = set()
        self._scopes: list[set[str]] = []  # names local to the comprehensions (or lambdas) being visited

    def visit_Name(self, node: ast.Name) -> None:
        if any(node.id in scope for scope in self._scopes):
            return
        if isinstance(node.ctx, ast.Load):
            self.reads.setdefault(node.id, node.lineno)
        elif isinstance(node.ctx, ast.Store):
            self.assigns.add(node.id)

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp,
                       results: Iterable[ast.AST]) -> None:
        """Its targets are local to it; its first iterable is read in the enclosing scope, as Python does."""
        local: set[str] = set()
        for index, generator in enumerate(node.generators):
            if index == 0:
                self.visit(generator.iter)
                self._scopes.append(local)
            else:
                self.visit(generator.iter)
            local.update(_bound(generator.target))
            self.visit(generator.target)
            for condition in generator.ifs:
                self.visit(condition)
        for result in results:
            self.visit(result)
        self._scopes.pop()

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self._comprehension(node, [node.elt])

    def visit_SetComp(self, node: ast.SetComp) -> None:
        self._comprehension(node, [node.elt])

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> None:
        self._comprehension(node, [node.elt])

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension(node, [node.key, node.value])

    def visit_Lambda(self, node: ast.Lambda) -> None:
        """The sandbox refuses lambdas today; should it allow them, their arguments are local names, not the case's."""
        arguments = node.args
        for default in (*arguments.defaults, *(d for d in arguments.kw_defaults if d is not None)):
            self.visit(default)
        every = (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg)
        self._scopes.append({a.arg for a in every if a is not None})
        self.visit(node.body)
        self._scopes.pop()


def _bound(target: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _parsed(source: str, mode: str) -> tuple[ast.AST, frozenset[str]] | None:
    """The code as the sandbox parses it, with the stand-in names a decision cell gets; None if it is refused.

    Refused code is reported by ``unsafe-expression`` or ``expression-syntax`` already.
    """
    try:
        if mode != "dmn":
            return check_source(source, mode), frozenset()
        text = re.sub(r"\?", _DMN_INPUT, source)
        try:
            return check_source(text, "eval"), frozenset({_DMN_INPUT})
        except SyntaxError:
            return check_source(f"{_DMN_LEFT} {text}", "eval"), frozenset({_DMN_INPUT, _DMN_LEFT})
    except (UnsafeCode, SyntaxError):
        return None


class _Site:
    """One piece of code of the process, with what it reads and assigns."""

    def __init__(self, path: str, node: etree._Element, source: str, mode: str, tree: ast.AST,
                 stand_ins: frozenset[str]) -> None:
        names = _Names()
        names.visit(tree)
        self.path, self.node, self.mode, self.source = path, node, mode, source
        self.reads = {name: line for name, line in names.reads.items() if name not in stand_ins}
        self.assigns = names.assigns


def _sites(trees: Mapping[str, etree._ElementTree]) -> Iterator[_Site]:
    for path, tree in trees.items():
        for node, source, mode in _expression_sites(tree):
            parsed = _parsed(source.strip(), mode)
            if parsed is not None:
                yield _Site(path, node, source.strip(), mode, *parsed)


def variable_problems(trees: Mapping[str, etree._ElementTree], forms: Forms) -> list[Problem]:
    """Each name some code reads that no form, script, event, decision, loop, data object or the host produces.

    Nothing while a form does not parse or is no JSON Schema: its fields are unknown, and its own problem says so.
    """
    if any(schema is None for schema in forms.schemas.values()):
        return []
    sites = list(_sites(trees))
    variables = (_form_variables(forms) | _diagram_variables(trees) | HOST_VARIABLES
                 | {name for site in sites for name in site.assigns})
    known = variables | BUILTIN_NAMES | script_global_names()
    problems = []
    for site in sites:
        for name, line in site.reads.items():
            if name not in known:
                problems.append(at(site.path, site.node, RULE, _message(site, name, line, variables)))
    return problems


def _message(site: _Site, name: str, line: int, variables: set[str]) -> str:
    where = f" (dòng {line} của đoạn mã)" if "\n" in site.source else ""
    text = (f"Biểu thức ở phần tử “{owner_id(site.node)}”{where} dùng biến “{name}” mà không biểu mẫu hay "
            f"đoạn mã nào của quy trình tạo ra.")
    close = difflib.get_close_matches(name, sorted(variables), n=1)
    return f"{text} Có phải “{close[0]}”?" if close else text


def _form_variables(forms: Forms) -> set[str]:
    """The top-level fields of every form: a step's (or message's) data lands in the case under these names."""
    names: set[str] = set()
    for name in forms.schemas:
        schema = forms.valid(name)
        if schema is not None:
            names |= _schema_fields(schema, schema, 0)
    return names


def _schema_fields(root: Mapping[str, Any], schema: Any, depth: int) -> set[str]:
    """``properties`` of a schema and of the subschemas that apply to the same object (allOf, if/then…)."""
    schema = deref(root, schema)
    if not isinstance(schema, Mapping) or depth > _SCHEMA_DEPTH:
        return set()
    properties = schema.get("properties")
    names = {str(key) for key in properties} if isinstance(properties, Mapping) else set()
    parts: list[Any] = [schema.get(key) for key in ("if", "then", "else", "not")]
    for key in ("allOf", "anyOf", "oneOf"):
        value = schema.get(key)
        parts += value if isinstance(value, list) else []
    dependent = schema.get("dependentSchemas")
    parts += list(dependent.values()) if isinstance(dependent, Mapping) else []
    for part in parts:
        names |= _schema_fields(root, part, depth + 1)
    return names


def _diagram_variables(trees: Mapping[str, etree._ElementTree]) -> set[str]:
    """Names the diagrams' events, loops, data objects and called decisions put in the case."""
    names: set[str] = set()
    called: set[str] = set()
    for tree in trees.values():
        xp = tree.getroot().xpath
        names |= {_text(n) for n in xp(".//spiff:messageVariable | .//spiff:variableName", namespaces=NS)}
        names |= {_text(n) for n in xp(".//bpmn:loopDataInputRef | .//bpmn:loopDataOutputRef", namespaces=NS)}
        for node in xp(".//bpmn:inputDataItem | .//bpmn:outputDataItem | .//bpmn:dataObject", namespaces=NS):
            names |= {str(node.get(key)) for key in ("id", "name") if node.get(key)}
        called |= {_text(n) for n in xp(".//spiff:calledDecisionId", namespaces=NS)}
    for tree in trees.values():
        for decision in tree.getroot().iter("{*}decision"):
            if decision.get("id") in called:
                names |= _decision_outputs(decision)
    return names - {""}


def _decision_outputs(decision: etree._Element) -> set[str]:
    """SpiffWorkflow merges a decision's result into the case under each output's name (else label); a dotted
    name nests, so its first part is the variable."""
    outputs = decision.iter("{*}output")
    return {(o.get("name") or o.get("label") or "").split(".")[0].strip() for o in outputs}


def _text(node: etree._Element) -> str:
    return (node.text or "").strip()
