"""The benchmark still runs end to end (figures are printed by `make bench`, never asserted here).

What is checked is that every section is there and carries figures measured in this run: rows with
their completions, the server's CPU read from /proc, the inbox's totals and its count of workflows
deserialized (none: the inbox reads plain columns), the workers' memory series, the JSON payloads.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.e2e
@pytest.mark.postgres
def test_benchmark_quick_run_prints_every_section(tmp_path: Path) -> None:
    figures = tmp_path / "bench.json"
    result = subprocess.run([sys.executable, "-m", "bench.run", "--quick", "--json", str(figures)], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    for row in ("(a)  SpiffWorkflow alone", "(e)  our engine alone", "(b)  services complete_task",
                "4 clients vs 1", "long case", "inbox at scale", "bytes stored per finished case",
                "worker memory", "JSON — the stdlib json vs orjson", "total benchmark time"):
        assert row in out, row
    for db in ("SQLite", "PostgreSQL"):
        for level in (1, 4, 8):
            assert f"(c{level}) HTTP {db}, {level} client" in out
    assert "complaint_second_level" in out and "five_user_tasks_one_lane" in out

    r = json.loads(figures.read_text(encoding="utf-8"))
    for db in ("SQLite", "PostgreSQL"):
        for pid in ("five_user_tasks_one_lane", "complaint_second_level"):
            for level in ("c1", "c4", "c8"):
                row = r["c"][db][pid][level]
                assert row["completions"] >= 5 and row["p50_ms"] > 0
                assert row["server_cpu_ms_per_completion"] >= 0  # read from the workers' /proc/<pid>/stat
                sql = row["sql_per_completion"]
                assert sql is None or sql > 0  # None only without GET /metrics: printed as n/a
                assert row["reconnects"] >= 0 and row["connections"] >= 1
        rounds = r["scaling"][db]["rounds"]  # the 4-vs-1 ratio from alternating runs (one round in --quick)
        assert len(rounds) == 1 and all(x["c1_per_s"] > 0 and x["c4_per_s"] > 0 for x in rounds)
        assert r["scaling"][db]["median_ratio"] == rounds[0]["c4_per_s"] / rounds[0]["c1_per_s"]
        assert f"4 clients vs 1, alternating rounds of 1 then 4 clients: {db} median" in out
        assert r["scaling"][db]["median_c1_cpu_ms"] == rounds[0]["c1_cpu_ms"] > 0
        assert f"server CPU per completion at 1 client in those rounds: {db} median" in out
        busy = r["scaling"][db]["median_c1_cores"]
        assert busy == rounds[0]["c1_cores"] > 0 and r["scaling"][db]["cores_ceiling"] == os.cpu_count() / busy
        assert f"cores busy (server workers + client), median: {db} " in out
    calls = r["inbox"]["calls"]
    assert r["inbox"]["cases"] == 400 and r["inbox"]["open_tasks"] == 80
    assert all(call["engine_loads"] == 0 for call in calls.values())
    assert calls["GET /api/tasks (page 1, default scope)"]["total"] > 0
    assert calls["GET /api/tasks?instance_id&bpmn_id (my task on a case)"]["total"] == 1
    series = r["rss"]["series"]
    assert [p["completions"] for p in series] == [0, 50, 100]
    assert all(mb > 0 and not math.isnan(mb) for p in series for mb in p["rss_mb"])
    assert r["json"]["rows"]["finished case state"]["bytes"] > 10_000


def test_sql_counter_is_summed_over_its_samples_and_absent_is_none() -> None:
    """The (c) rows' SQL per completion comes from /metrics: every sample of the counter counts, a
    look-alike name does not, and a page without the counter gives None (printed n/a, never a number)."""
    from bench.http_api import parse_counter

    text = ("# HELP app_sql_statements_total SQL statements sent\n# TYPE app_sql_statements_total counter\n"
            'app_sql_statements_total{pid="11"} 120.0\napp_sql_statements_total{pid="12"} 80\n'
            "app_sql_statements_total_created 1.7e9\napp_requests_total 5\n")
    assert parse_counter(text) == 200.0
    assert parse_counter("app_sql_statements_total 7\n") == 7.0
    assert parse_counter("app_requests_total 5\n") is None
    assert parse_counter("") is None
