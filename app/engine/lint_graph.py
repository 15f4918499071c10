"""Lint rules over a diagram's shape: gateways, drawing (BPMN DI), reachability, declared references.

None of these stop SpiffWorkflow from parsing a diagram, which is why they need rules of their own:
a gateway with no default and an unconditioned branch, a step no path reaches, or an event naming a
message that is not declared all parse, and fail (or silently never happen) only when a case runs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from lxml import etree

from app.engine.lint_problem import Problem, at

_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_DI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
FLOW_NODES = frozenset(f"{_BPMN}{tag}" for tag in (
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "task", "userTask", "scriptTask", "serviceTask", "businessRuleTask", "manualTask", "sendTask", "receiveTask",
    "callActivity", "subProcess", "transaction", "adHocSubProcess",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway",
))
_CONTAINERS = frozenset(f"{_BPMN}{tag}" for tag in ("subProcess", "transaction", "adHocSubProcess"))


def _label(node: etree._Element) -> str:
    return f"«{node.get('name') or node.get('id')}» ({node.get('id')})"


def _flow_nodes(root: etree._Element) -> list[etree._Element]:
    return [node for node in root.iter(*FLOW_NODES) if node.get("id")]


def gateway_problems(root: etree._Element, path: str) -> list[Problem]:
    """An exclusive gateway with several ways out has a default, or a condition on every way out."""
    outgoing: dict[str, list[etree._Element]] = defaultdict(list)
    for flow in root.iter(f"{_BPMN}sequenceFlow"):
        outgoing[str(flow.get("sourceRef"))].append(flow)
    problems = []
    for gateway in root.iter(f"{_BPMN}exclusiveGateway"):
        flows = outgoing[str(gateway.get("id"))]
        default = gateway.get("default")
        if default and default not in {f.get("id") for f in flows}:
            problems.append(at(path, gateway, "gateway-default-unknown",
                               f"Cổng {_label(gateway)} lấy nhánh mặc định «{default}», không phải nhánh ra của nó."))
        unconditioned = [str(f.get("id")) for f in flows if not _has_condition(f)]
        if len(flows) > 1 and not default and unconditioned:
            problems.append(at(path, gateway, "gateway-no-default",
                               f"Cổng {_label(gateway)} có {len(flows)} nhánh ra nhưng không có nhánh mặc định, và "
                               f"nhánh {', '.join(unconditioned)} không có điều kiện."))
    return problems


def _has_condition(flow: etree._Element) -> bool:
    condition = flow.find(f"{_BPMN}conditionExpression")
    return condition is not None and bool((condition.text or "").strip())


def di_problems(root: etree._Element, path: str) -> list[Problem]:
    """Every flow node and sequence flow is drawn, or modelers open the diagram with pieces missing."""
    drawn = {node.get("bpmnElement") for node in root.iter(f"{_DI}BPMNShape", f"{_DI}BPMNEdge")}
    elements = [*_flow_nodes(root), *root.iter(f"{_BPMN}sequenceFlow")]
    return [at(path, node, "missing-di", f"Phần tử {_label(node)} không có hình vẽ (BPMN DI: BPMNShape/BPMNEdge).")
            for node in elements if node.get("id") not in drawn]


def unreachable_problems(root: etree._Element, path: str) -> list[Problem]:
    """Every flow node is reached from a start event: what no path reaches is a step no case ever takes."""
    nodes = {str(node.get("id")): node for node in _flow_nodes(root)}
    reached = _reached(root, nodes)
    return [at(path, node, "unreachable", f"Không có đường nào từ sự kiện bắt đầu tới phần tử {_label(node)}.")
            for node_id, node in nodes.items() if node_id not in reached]


def _reached(root: etree._Element, nodes: dict[str, etree._Element]) -> set[str]:
    """Walk sequence flows from the roots; an activity's boundary events and a subprocess's starts come along."""
    following: dict[str, list[str]] = defaultdict(list)
    for flow in root.iter(f"{_BPMN}sequenceFlow"):
        following[str(flow.get("sourceRef"))].append(str(flow.get("targetRef")))
    for node in nodes.values():
        if node.tag == f"{_BPMN}boundaryEvent":
            following[str(node.get("attachedToRef"))].append(str(node.get("id")))
        if node.tag in _CONTAINERS:
            following[str(node.get("id"))] += [str(s.get("id")) for s in node.findall(f"{_BPMN}startEvent")]
    _follow_links(nodes, following)
    todo = [node_id for node_id, node in nodes.items() if _is_root(node)]
    reached: set[str] = set()
    while todo:
        node_id = todo.pop()
        if node_id not in reached:
            reached.add(node_id)
            todo += following[node_id]
    return reached


def _is_root(node: etree._Element) -> bool:
    """A process's start events, and event subprocesses with their starts (an event, not a flow, opens them)."""
    parent = node.getparent()
    if node.get("triggeredByEvent") == "true":
        return True
    if node.tag != f"{_BPMN}startEvent" or parent is None:
        return False
    return bool(parent.tag == f"{_BPMN}process" or parent.get("triggeredByEvent") == "true")


def _follow_links(nodes: dict[str, etree._Element], following: dict[str, list[str]]) -> None:
    """A link throw event goes on at the link catch event of the same name."""
    catches: dict[str, list[str]] = defaultdict(list)
    throws: list[tuple[str, str]] = []
    for node_id, node in nodes.items():
        link = node.find(f"{_BPMN}linkEventDefinition")
        if link is not None:
            name = str(link.get("name"))
            if node.tag == f"{_BPMN}intermediateCatchEvent":
                catches[name].append(node_id)
            else:
                throws.append((node_id, name))
    for node_id, name in throws:
        following[node_id] += catches[name]


def reference_problems(root: etree._Element, path: str) -> list[Problem]:
    """Every messageRef names a bpmn:message and every escalationRef a bpmn:escalation of the file."""
    return [*_references(root, path, "message", "messageRef", "thông điệp"),
            *_references(root, path, "escalation", "escalationRef", "cảnh báo (escalation)")]


def _references(root: etree._Element, path: str, kind: str, attribute: str, noun: str) -> Iterable[Problem]:
    declared = {node.get("id") for node in root.iter(f"{_BPMN}{kind}")}
    for definition in root.iter(f"{_BPMN}{kind}EventDefinition"):
        ref = definition.get(attribute)
        if ref and ref not in declared:
            yield at(path, definition, f"unknown-{kind}",
                     f"Sự kiện «{definition.getparent().get('id')}» dùng {noun} «{ref}» chưa được khai báo "
                     f"(bpmn:{kind}).")
