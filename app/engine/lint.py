"""Find every problem of a process at once, each naming its file, element and (for XML) line.

``compile_process`` is the deploy gate and stops at the first DiagramError, which costs an analyst
one round trip per mistake. ``lint`` reads the same files with the same checks (sandbox, forms,
instructions, documents) plus the modelling rules a diagram needs to be run and drawn (lanes that
are roles, default flows, BPMN DI, reachability, declared messages and escalations, variables that
something produces: ``app.engine.lint_variables``) and reports them all. Messages are Vietnamese
because analysts read them; ``rule`` is a stable English code.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from lxml import etree

from app.engine.instructions import InstructionsRefused, check_instructions
from app.engine.limits import check_constants
from app.engine.lint_forms import FORM, Forms, document_problems, load_forms, task_form_problems
from app.engine.lint_graph import di_problems, gateway_problems, reference_problems, unreachable_problems
from app.engine.lint_problem import Problem, at, from_error, owner_id
from app.engine.lint_variables import variable_problems
from app.engine.process import NS, _check_one, _expression_sites
from app.engine.safe_xml import parse_xml
from app.engine.sandbox import UnsafeCode
from app.errors import DiagramError, UnsafeDiagram
from app.roles import ROLES

UNSAFE_RULES = frozenset({"unsafe-xml", "unsafe-expression"})
# Rules lint reports but deploy does not refuse on: a diagram without DI runs the same, it only cannot be drawn.
ADVISORY_RULES = frozenset({"missing-di"})
_BPMN = f"{{{NS['bpmn']}}}"
__all__ = ["ADVISORY_RULES", "UNSAFE_RULES", "Problem", "from_error", "lint"]


def lint(process_id: str, files: Mapping[str, str]) -> list[Problem]:
    """Every problem of one process's files (path -> text), in file order; empty when it is fit to deploy."""
    try:
        problems = _lint(process_id, files)
    except (RecursionError, MemoryError):
        problems = [Problem(f"processes/{process_id}", None, None, "too-deep",
                            f"Quy trình {process_id}: sơ đồ hoặc biểu mẫu lồng nhau quá sâu hoặc quá lớn.")]
    return list(dict.fromkeys(problems))  # one UI schema shared by two steps is one problem


def _lint(process_id: str, files: Mapping[str, str]) -> list[Problem]:
    problems: list[Problem] = []
    if not any(path.endswith(".bpmn") for path in files):
        problems.append(Problem(f"processes/{process_id}", None, None, "no-diagram",
                                f"Quy trình {process_id} không có tệp .bpmn nào."))
    trees: dict[str, etree._ElementTree] = {}
    for path in sorted(p for p in files if p.endswith((".bpmn", ".dmn"))):
        try:
            trees[path] = parse_xml(files[path], path)
        except DiagramError as exc:
            problems.append(from_error(exc, path, "unsafe-xml" if isinstance(exc, UnsafeDiagram) else "invalid-xml"))
    forms = load_forms(files)
    problems += forms.problems
    for path, tree in trees.items():
        problems += expression_problems(tree, path)
        if path.endswith(".bpmn"):
            problems += diagram_problems(tree.getroot(), path, forms)
    if len(trees) == sum(p.endswith((".bpmn", ".dmn")) for p in files):  # else what the broken file produces is unknown
        problems += variable_problems(trees, forms)
    diagrams = {path: tree for path, tree in trees.items() if path.endswith(".bpmn")}
    problems += document_problems(process_id, files, diagrams, forms)
    return problems


def diagram_problems(root: etree._Element, path: str, forms: Forms) -> list[Problem]:
    """The rules that read one diagram's elements."""
    return [*user_task_problems(root, path, forms), *gateway_problems(root, path), *di_problems(root, path),
            *unreachable_problems(root, path), *reference_problems(root, path), *instruction_problems(root, path)]


def expression_problems(tree: etree._ElementTree, path: str) -> list[Problem]:
    """Every script, condition, timer and decision cell the restricted engine refuses, not only the first."""
    problems = []
    for node, source, mode in _expression_sites(tree):
        try:
            _check_one(source.strip(), mode)
        except (UnsafeCode, SyntaxError) as exc:
            rule = "unsafe-expression" if isinstance(exc, UnsafeCode) else "expression-syntax"
            problems.append(at(path, node, rule, f"Biểu thức ở phần tử «{owner_id(node)}» của {path} bị từ chối: {exc}"))
    try:
        check_constants(tree, path)
    except DiagramError as exc:
        problems.append(from_error(exc, path, "limit"))
    return problems


def _lanes(root: etree._Element) -> dict[str, str]:
    """Flow node id -> the id of the lane holding it (the lane id is the role)."""
    lanes: dict[str, str] = {}
    for lane in root.iter(f"{_BPMN}lane"):
        for ref in lane.iter(f"{_BPMN}flowNodeRef"):
            lanes[(ref.text or "").strip()] = str(lane.get("id"))
    return lanes


def _form_steps(root: etree._Element) -> Iterator[tuple[etree._Element, dict[str, str]]]:
    """User tasks, and start events that carry a form: the steps an officer fills in."""
    for node in root.iter(f"{_BPMN}userTask", f"{_BPMN}startEvent"):
        props = properties(node)
        if node.tag == f"{_BPMN}userTask" or FORM in props:
            yield node, props


def user_task_problems(root: etree._Element, path: str, forms: Forms) -> list[Problem]:
    """Each step sits in a lane that is a role and names a form (and UI schema) that exist and fit."""
    problems: list[Problem] = []
    lanes = _lanes(root)
    for node, props in _form_steps(root):
        step = f"Bước «{node.get('name') or node.get('id')}» ({node.get('id')})"
        lane = lanes.get(str(node.get("id")))
        if lane is None:
            problems.append(at(path, node, "lane-missing", f"{step} không nằm trong làn (vai trò) nào."))
        elif lane not in ROLES:
            problems.append(at(path, node, "lane-unknown-role", f"{step} nằm trong làn «{lane}», không phải vai trò "
                                                                 f"đã biết; mã làn phải là một trong: {', '.join(ROLES)}."))
        problems += task_form_problems(path, node, props, step, forms)
    return problems


def properties(node: etree._Element) -> dict[str, str]:
    """The spiffworkflow:properties directly under an element's extensionElements."""
    found = node.xpath("bpmn:extensionElements/spiff:properties/spiff:property", namespaces=NS)
    return {str(p.get("name")): str(p.get("value") or "") for p in found}


def instruction_problems(root: etree._Element, path: str) -> list[Problem]:
    """Instructions for officers use only the syntax the renderer supports."""
    problems = []
    for node in root.xpath(".//spiff:instructionsForEndUser", namespaces=NS):
        try:
            check_instructions(node.text or "")
        except InstructionsRefused as exc:
            problems.append(at(path, node, "instructions-refused",
                               f"Hướng dẫn của phần tử «{owner_id(node)}» bị từ chối: {exc}."))
    return problems
