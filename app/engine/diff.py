"""Compare two deployments of one process from their stored files: what changed for the work, not the bytes.

Diagrams are compared element by element (``diff_bpmn``), forms field by field (``diff_forms``),
Word templates by the SHA-256 of the decoded .docx (their base64 text is only the carrier), and
``documents.json`` kind by kind; every other file (decision tables, UI layouts) by its text.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.engine.diff_bpmn import ElementDiff, diff_elements
from app.engine.diff_forms import SCHEMA_SUFFIX, FormDiff, diff_forms
from app.engine.documents import DECLARATION, TEMPLATE_SUFFIX, decode_template


@dataclass(frozen=True)
class FileDiff:
    added: list[str]
    removed: list[str]
    changed: list[str]


@dataclass(frozen=True)
class KindChange:
    kind: str
    keys: list[str]  # the entry's keys whose values differ (``file``, ``title``, ``step``, …)


@dataclass(frozen=True)
class DeclarationDiff:
    """``documents.json``: kinds of document added, removed, changed, and its other settings changed."""

    added: list[str]
    removed: list[str]
    changed: list[KindChange]
    settings_changed: list[str]  # top-level keys besides ``documents`` (``legal_bases``, …)


@dataclass(frozen=True)
class VersionDiff:
    elements: ElementDiff
    forms: FormDiff
    templates: FileDiff
    document_kinds: DeclarationDiff
    other_files: FileDiff
    files: FileDiff  # every stored file, whatever its kind


def diff_files(before: Mapping[str, str], after: Mapping[str, str]) -> VersionDiff:
    """The structured difference between two deployments' files (``before`` the older, usually)."""
    return VersionDiff(
        elements=diff_elements(before, after),
        forms=diff_forms(before, after),
        templates=_templates(before, after),
        document_kinds=_declaration(before, after),
        other_files=_by_text(before, after, _is_other),
        files=_by_text(before, after, lambda _: True),
    )


def _is_other(path: str) -> bool:
    return not (path.endswith((".bpmn", SCHEMA_SUFFIX, TEMPLATE_SUFFIX)) or path.endswith(f"/{DECLARATION}"))


def _by_text(before: Mapping[str, str], after: Mapping[str, str], keep: Any) -> FileDiff:
    old, new = {p for p in before if keep(p)}, {p for p in after if keep(p)}
    return FileDiff(sorted(new - old), sorted(old - new), sorted(p for p in old & new if before[p] != after[p]))


def _templates(before: Mapping[str, str], after: Mapping[str, str]) -> FileDiff:
    old = {p: _sha256(p, t) for p, t in before.items() if p.endswith(TEMPLATE_SUFFIX)}
    new = {p: _sha256(p, t) for p, t in after.items() if p.endswith(TEMPLATE_SUFFIX)}
    return FileDiff(sorted(new.keys() - old.keys()), sorted(old.keys() - new.keys()),
                    sorted(p for p in old.keys() & new.keys() if old[p] != new[p]))


def _sha256(path: str, text: str) -> str:
    return hashlib.sha256(decode_template(text, path)).hexdigest()


def _declaration(before: Mapping[str, str], after: Mapping[str, str]) -> DeclarationDiff:
    old, new = _declared(before), _declared(after)
    old_kinds, new_kinds = _kinds(old), _kinds(new)
    changed = []
    for kind in sorted(old_kinds.keys() & new_kinds.keys()):
        keys = _differing(old_kinds[kind], new_kinds[kind])
        if keys:
            changed.append(KindChange(kind, keys))
    settings = _differing({k: v for k, v in old.items() if k != "documents"},
                          {k: v for k, v in new.items() if k != "documents"})
    return DeclarationDiff(sorted(new_kinds.keys() - old_kinds.keys()), sorted(old_kinds.keys() - new_kinds.keys()),
                           changed, settings)


def _declared(files: Mapping[str, str]) -> dict[str, Any]:
    """The process's ``documents.json`` (one per process, beside its templates), or nothing."""
    for path in sorted(files):
        if path.endswith(f"/{DECLARATION}"):
            value = json.loads(files[path])
            return value if isinstance(value, dict) else {}
    return {}


def _kinds(declaration: dict[str, Any]) -> dict[str, Any]:
    kinds = declaration.get("documents")
    return kinds if isinstance(kinds, dict) else {}


def _differing(old: Any, new: Any) -> list[str]:
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return [] if old == new else ["(toàn bộ)"]
    return sorted(k for k in old.keys() | new.keys() if old.get(k, ...) != new.get(k, ...))
