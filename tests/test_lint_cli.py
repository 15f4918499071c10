"""``flask processes lint [DIR]``: one line per problem, exit 1 if any."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parents[1]
BPMN = Path("processes/complaint_second_level/complaint_second_level.bpmn")


def test_the_shipped_processes_lint_clean_from_the_cli(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["processes", "lint"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_a_directory_with_bad_diagrams_prints_each_problem_and_exits_1(app: Flask, tmp_path: Path) -> None:
    for folder in ("processes", "forms"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    text = (tmp_path / BPMN).read_text(encoding="utf-8")
    text = text.replace('default="flow_not_accepted"', "", 1).replace('messageRef="withdrawal"', 'messageRef="x"', 1)
    (tmp_path / BPMN).write_text(text, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["processes", "lint", str(tmp_path)])
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert any(re.fullmatch(rf"{BPMN}:\d+ is_accepted gateway-no-default: Cổng .+", line) for line in lines)
    assert any(re.fullmatch(rf"{BPMN}:\d+ \w+ unknown-message: .+«x».+", line) for line in lines)
