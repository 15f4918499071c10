"""A lint problem: where it is (file, element id, XML line), which rule, and what is wrong in Vietnamese."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from lxml import etree

from app.errors import DiagramError


def owner_id(node: etree._Element) -> str:
    """The id of the node or of its nearest ancestor that has one: the element an analyst looks for."""
    current: etree._Element | None = node
    while current is not None:
        if current.get("id"):
            return str(current.get("id"))
        current = current.getparent()
    return "?"


@dataclass(frozen=True)
class Problem:
    """One thing to mend: where it is (file, element id, XML line) and what is wrong."""

    file: str
    element: str | None
    line: int | None
    rule: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.file}:{self.line or ''} {self.element or '-'} {self.rule}: {self.message}"


def at(path: str, node: etree._Element, rule: str, message: str) -> Problem:
    """A problem located at an XML node: its own (or nearest ancestor's) id and its line."""
    return Problem(path, owner_id(node), node.sourceline, rule, message)


def from_error(error: DiagramError, file: str, rule: str) -> Problem:
    """A DiagramError raised by a gate as a problem, keeping the file, element and line it names."""
    details = error.details
    return Problem(str(details.get("file") or file), details.get("element") or details.get("document"),
                   details.get("line"), rule, error.message)
