"""The pages' benchmark still runs end to end (figures are printed by `python -m bench.web`, never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_web_benchmark_seeds_in_bulk_and_times_every_page() -> None:
    result = subprocess.run([sys.executable, "-m", "bench.web", "--cases", "60", "--repeat", "1"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "seeded 60 cases" in result.stdout
    for page in ("inbox (resolver, page 1)", "case page", "task page", "dashboard"):
        assert page in result.stdout
