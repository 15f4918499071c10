"""The README's role table states the access policy: every cell is compared with the code and the diagrams."""

from __future__ import annotations

import re
from pathlib import Path

from app.engine import CompiledProcess, compile_process
from app.services import access
from app.services.access import ROLE_RIGHTS, Right
from app.services.deploy import read_sources

ROOT = Path(__file__).resolve().parents[1]


def _table() -> tuple[list[str], list[tuple[list[str], set[str]]]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Who may read and do what", 1)[1].split("\n### ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")][1:]
    rows = []
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        codes = re.findall(r"`([a-z_:]+)`", cells[0])
        rows.append((codes, {role for role, mark in zip(header, cells[1:], strict=True) if mark == "✓"}))
    return header, rows


def _processes() -> dict[str, CompiledProcess]:
    return {pid: compile_process(pid, read_sources(ROOT / "processes", ROOT / "forms", pid))
            for pid in ("complaint_second_level", "na_session_reception")}


def _policy(code: str, processes: dict[str, CompiledProcess]) -> frozenset[str]:
    kind, _, name = code.partition(":")
    if kind == "read":
        return access.case_readers(processes[name])
    if kind == "notes":
        return access.note_writers(processes[name])
    if kind == "start":
        return frozenset({processes[name].start.role})
    if kind == "record":
        return next(p.message_roles[name] for p in processes.values() if name in p.message_roles)
    return ROLE_RIGHTS[Right(code)]


def test_every_cell_of_the_readmes_role_table_is_the_policy() -> None:
    header, rows = _table()
    processes = _processes()
    assert header == ["reception", "resolver", "verifier", "clerk", "inspectorate", "unit_head", "analyst", "auditor",
                      "admin"]
    stated = {code: roles for codes, roles in rows for code in codes}
    for code, roles in stated.items():
        assert roles == set(_policy(code, processes)), f"README says {code}: {sorted(roles)}"
    assert {r.value for r in Right} <= set(stated), "every right of the policy is in the table"
    assert {f"record:{m}" for p in processes.values() for m in p.message_roles} <= set(stated)
    assert {f"{kind}:{pid}" for pid in processes for kind in ("read", "notes", "start")} <= set(stated)
