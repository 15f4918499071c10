"""The benchmark still runs end to end (figures are printed by `make bench`, never asserted here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_quick_run_prints_every_row() -> None:
    result = subprocess.run([sys.executable, "-m", "bench.run", "--quick", "--skip-http"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    for row in ("(a)  SpiffWorkflow alone", "(e)  our engine alone", "(b)  services complete_task",
                "bytes stored per finished case", "long case"):
        assert row in result.stdout
    assert "complaint_second_level" in result.stdout and "five_user_tasks_one_lane" in result.stdout
