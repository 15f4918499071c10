"""The deadline contract: each escalation declares the case variable holding the deadline it watches.

A diagram's ``bpmn:escalation`` says, in a ``spiffworkflow:property`` named ``deadlineVariable``, which
variable of the case holds the deadline whose passing it reports (``acceptance_overdue`` watches
``acceptance_deadline``). The host reads that table to date the escalation rows; it never guesses the
variable from the code. Checked at deploy: every escalation declares its variable, some script of
the diagram assigns it or some form asks for it, and every ``escalationRef`` names an escalation.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from typing import Any

from lxml import etree

from app.errors import DiagramError

DEADLINE_VARIABLE = "deadlineVariable"
_BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_NS = {"bpmn": _BPMN, "spiff": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
_SCRIPTS = ".//bpmn:script | .//spiff:preScript | .//spiff:postScript"
_THROWS = ("intermediateThrowEvent", "endEvent")


def escalation_code(escalation: etree._Element) -> str:
    """The code the host knows an escalation by (as SpiffWorkflow throws it, or its name or id)."""
    return str(escalation.get("escalationCode") or escalation.get("name") or escalation.get("id"))


def check_escalation_refs(tree: etree._ElementTree, path: str) -> None:
    """Every escalation event names an escalation of its own file; every throw names one at all."""
    root = tree.getroot()
    declared = {node.get("id") for node in root.iter(f"{{{_BPMN}}}escalation")}
    for definition in root.iter(f"{{{_BPMN}}}escalationEventDefinition"):
        ref, event = definition.get("escalationRef"), definition.getparent()
        throws = event is not None and etree.QName(event).localname in _THROWS
        if (ref is None and throws) or (ref is not None and ref not in declared):
            element = str(event.get("id") if event is not None else definition.get("id"))
            problem = f"tham chiếu cảnh báo «{ref}» không tồn tại" if ref else "không nêu cảnh báo nào (escalationRef)"
            raise DiagramError(
                f"Sự kiện «{element}» của {path}: {problem}.",
                details={"file": path, "element": element, "escalation": ref, "line": definition.sourceline},
            )


def escalation_deadlines(trees: Mapping[str, etree._ElementTree], forms: Mapping[str, dict[str, Any]], *,
                         stored: bool = False) -> dict[str, str]:
    """Escalation code -> the case variable holding its deadline, each checked against what the diagrams produce.

    ``stored``: the files of a deployment made before the contract existed, loaded to run its cases. Those
    were deployed under the old convention (``x_overdue`` watches ``x_deadline``), which is kept for them
    alone, so cases in flight on an old version keep their escalation dates; a new deployment must declare.
    """
    produced = _assigned(trees.values()) | _form_fields(forms.values())
    table: dict[str, str] = {}
    for path, tree in trees.items():
        for escalation in tree.getroot().iter(f"{{{_BPMN}}}escalation"):
            code = escalation_code(escalation)
            if stored and not _declaration(escalation):
                table[code] = code.removesuffix("_overdue") + "_deadline"
            else:
                table[code] = _declared(escalation, code, path, produced)
    return table


def _declaration(escalation: etree._Element) -> str:
    found = escalation.xpath(f"bpmn:extensionElements/spiff:properties/spiff:property[@name='{DEADLINE_VARIABLE}']",
                             namespaces=_NS)
    return str(found[0].get("value") or "").strip() if found else ""


def _declared(escalation: etree._Element, code: str, path: str, produced: set[str]) -> str:
    variable = _declaration(escalation)
    details = {"file": path, "element": escalation.get("id"), "escalation": code, "line": escalation.sourceline}
    if not variable:
        raise DiagramError(
            f"Cảnh báo «{code}» ({escalation.get('id')}) của {path} phải khai báo biến chứa thời hạn nó theo dõi "
            f"(thuộc tính «{DEADLINE_VARIABLE}»).", details=details)
    if variable not in produced:
        raise DiagramError(
            f"Cảnh báo «{code}» ({escalation.get('id')}) của {path} theo dõi biến «{variable}», nhưng không kịch bản "
            "hay biểu mẫu nào của quy trình tạo ra biến đó.", details={**details, "variable": variable})
    return variable


def _assigned(trees: Iterable[etree._ElementTree]) -> set[str]:
    """The names some script of the diagrams assigns (``name = …``, also augmented, annotated, unpacked)."""
    names: set[str] = set()
    for tree in trees:
        for node in tree.getroot().xpath(_SCRIPTS, namespaces=_NS):
            try:
                module = ast.parse((node.text or "").strip())
            except SyntaxError:
                continue  # already refused by the expression check
            for statement in ast.walk(module):
                if isinstance(statement, ast.Assign):
                    targets = statement.targets
                elif isinstance(statement, ast.AugAssign | ast.AnnAssign):
                    targets = [statement.target]
                else:
                    continue
                names.update(_target_names(targets))
    return names


def _target_names(targets: Iterable[ast.expr]) -> set[str]:
    names: set[str] = set()
    for target in targets:
        if isinstance(target, ast.Name):
            names.add(target.id)
        elif isinstance(target, ast.Tuple | ast.List):
            names |= _target_names(target.elts)
        elif isinstance(target, ast.Starred):
            names |= _target_names([target.value])
    return names


def _form_fields(forms: Iterable[dict[str, Any]]) -> set[str]:
    """The top-level fields of every form: what a person's answer puts into the case."""
    return {str(name) for form in forms if isinstance(form.get("properties"), dict) for name in form["properties"]}
