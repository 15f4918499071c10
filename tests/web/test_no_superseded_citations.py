"""Officers' pages cite the texts in force (rules.md §8): no Decree 75/2012, no TT07/2014, no «chưa kiểm chứng»."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Decree 75/2012 gave way to Decree 124/2020 (petitions after December 2020); TT07/2014 and TT07/2013 to
# TT05/2021 for petition handling after 15/11/2021. An unverified point is an entry with its source, never a mark.
EVERYWHERE = ("75/2012", "07/2014", "chưa kiểm chứng")
IN_PAGES = (*EVERYWHERE, "07/2013")


def _shown_strings(path: Path) -> list[str]:
    """The string literals of a module, docstrings left out (they are read by programmers, not officers)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


@pytest.mark.parametrize("template", sorted((ROOT / "app/web/templates").rglob("*.html")), ids=lambda p: p.name)
def test_no_template_cites_a_superseded_text_or_marks_a_point_unverified(template: Path) -> None:
    text = template.read_text(encoding="utf-8").lower()
    assert not [needle for needle in IN_PAGES if needle in text]


@pytest.mark.parametrize("module", sorted([*(ROOT / "app/web").glob("*.py"), *(ROOT / "app/services").glob("*.py"),
                                           *(ROOT / "app/engine").glob("*.py")]), ids=lambda p: p.name)
def test_no_string_shown_by_the_app_cites_a_superseded_text(module: Path) -> None:
    needles = IN_PAGES if module.parent.name == "web" else EVERYWHERE
    found = [(needle, s[:80]) for s in _shown_strings(module) for needle in needles if needle in s.lower()]
    assert not found
