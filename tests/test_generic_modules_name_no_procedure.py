"""Generic modules and templates name no process and no element a procedure's contract declares.

A renamed step then breaks only its procedure's module, which the deploy check guards; the
import contract (``pyproject.toml``) keeps the generic layers from importing a procedure at all.
"""

from __future__ import annotations

import re
from pathlib import Path

from app.procedures import all_procedures

APP = Path(__file__).resolve().parents[1] / "app"


def _declared_names() -> set[str]:
    names: set[str] = set()
    for procedure in all_procedures():
        contract = procedure.contract
        names |= {procedure.process_id, *contract.steps, *contract.messages, *contract.escalations}
    return names


def _generic_files() -> list[Path]:
    return sorted(p for p in APP.rglob("*") if p.suffix in {".py", ".html"} and "procedures" not in p.parts)


def _mentions(text: str, names: set[str]) -> set[str]:
    return {name for name in names if re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", text)}


def test_no_generic_module_or_template_names_a_process_or_a_declared_element() -> None:
    names = _declared_names()
    found = {str(p.relative_to(APP)): sorted(hits) for p in _generic_files()
             if (hits := _mentions(p.read_text(encoding="utf-8"), names))}
    assert found == {}


def test_the_scan_sees_the_names_where_they_belong() -> None:
    """The nearest allowed case: the procedure's own modules and templates do name them."""
    names = _declared_names()
    assert {"na_session_reception", "record_reception_day", "central_coordination", "complaint_second_level"} <= names
    own = [p for p in (APP / "procedures").rglob("*") if p.suffix in {".py", ".html"}]
    seen = set().union(*(_mentions(p.read_text(encoding="utf-8"), names) for p in own))
    assert {"na_session_reception", "record_reception_day", "central_coordination"} <= seen
    assert _mentions("if process_id == 'na_session_reception':", names) == {"na_session_reception"}
    assert _generic_files() and all("procedures" not in p.parts for p in _generic_files())
