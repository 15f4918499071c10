"""What each BPMN element of a deployment says, by id, so two versions can be compared element by element.

A reader of a diff cares about what an officer or a case meets: the step's name, its kind, whose
lane it sits in, the form it shows, its instructions, the condition on a flow, where a flow leads
and the script a step runs. Layout (BPMN DI) and the order of elements in the file are left out: moving a box is no change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from app.engine.safe_xml import parse_xml

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "spiffworkflow": SPIFF}
FACTS = ("name", "type", "lane", "form", "instructions", "condition", "script", "pre_script", "post_script",
         "source", "target", "attached_to")
_REFERENCES = {"source": "sourceRef", "target": "targetRef", "attached_to": "attachedToRef"}  # a flow's ends, an event's task
_DIRECT_TEXT = {
    "instructions": "bpmn:extensionElements/spiffworkflow:instructionsForEndUser",
    "condition": "bpmn:conditionExpression",
    "script": "bpmn:script",
    "pre_script": "bpmn:extensionElements/spiffworkflow:preScript",
    "post_script": "bpmn:extensionElements/spiffworkflow:postScript",
}
_FORM = "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property[@name='formJsonSchemaFilename']"


@dataclass(frozen=True)
class Change:
    """One fact of an element or field, before and after."""

    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class ElementChange:
    """An element added, removed or changed; ``changes`` is empty for an added or removed one."""

    id: str
    type: str
    name: str | None
    changes: list[Change] = field(default_factory=list)


@dataclass(frozen=True)
class ElementDiff:
    added: list[ElementChange]
    removed: list[ElementChange]
    changed: list[ElementChange]


def element_facts(files: Mapping[str, str]) -> dict[str, dict[str, str | None]]:
    """Every BPMN element with an id in the deployment's diagrams: id → its facts (see ``FACTS``)."""
    facts: dict[str, dict[str, str | None]] = {}
    for path in sorted(p for p in files if p.endswith(".bpmn")):
        root = parse_xml(files[path], path).getroot()
        lanes = _lanes(root)
        for node in root.iter(f"{{{BPMN}}}*"):
            element_id = node.get("id")
            if element_id and element_id not in facts:
                facts[element_id] = _facts(node, lanes.get(element_id))
    return facts


def _lanes(root: etree._Element) -> dict[str, str]:
    """Element id → the id of the lane holding it (a lane lists its elements as ``flowNodeRef``)."""
    lanes: dict[str, str] = {}
    for lane in root.iter(f"{{{BPMN}}}lane"):
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            if ref.text:
                lanes[ref.text.strip()] = lane.get("id", "")
    return lanes


def _facts(node: etree._Element, lane: str | None) -> dict[str, str | None]:
    form = node.find(_FORM, NS)
    facts: dict[str, str | None] = {
        "name": node.get("name"),
        "type": etree.QName(node).localname,
        "lane": lane,
        "form": form.get("value") if form is not None else None,
    }
    for fact, attribute in _REFERENCES.items():
        facts[fact] = node.get(attribute)
    for fact, where in _DIRECT_TEXT.items():
        child = node.find(where, NS)
        facts[fact] = (child.text or "").strip() if child is not None else None
    return facts


def diff_elements(before: Mapping[str, str], after: Mapping[str, str]) -> ElementDiff:
    """Elements added, removed and changed between two deployments' files, by id."""
    old, new = element_facts(before), element_facts(after)
    changed = []
    for element_id in sorted(old.keys() & new.keys()):
        changes = [Change(f, old[element_id][f], new[element_id][f]) for f in FACTS
                   if old[element_id][f] != new[element_id][f]]
        if changes:
            changed.append(_entry(element_id, new[element_id], changes))
    return ElementDiff(
        added=[_entry(i, new[i]) for i in sorted(new.keys() - old.keys())],
        removed=[_entry(i, old[i]) for i in sorted(old.keys() - new.keys())],
        changed=changed,
    )


def _entry(element_id: str, facts: dict[str, str | None], changes: list[Change] | None = None) -> ElementChange:
    return ElementChange(element_id, facts["type"] or "", facts["name"], changes or [])
