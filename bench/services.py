"""(b) The services layer on a SQLite file, (e) our engine alone, storage per case, and a profile.

Everything here goes through the same functions the API calls: ``cases.start_case`` and
``tasks.complete_task`` (each: read, validate and run in memory, then one short write transaction
saving state, task rows and the audit events under the version read).
"""

from __future__ import annotations

import cProfile
import pstats
import sqlite3
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event

from app import build_runtime
from app.clock import FrozenClock
from app.engine import CompiledProcess, validate_form
from app.persistence import queries
from app.persistence.migrate import upgrade
from app.services import cases, deploy, organisation_seed, tasks, users
from app.services.principal import Principal
from app.services.runtime import Runtime
from bench.common import BENCH_PID, CASE_DAY, REAL_PID, ROOT, Scenario, cases_for, model_files, on_its_day, summary
from bench.spiff_alone import full_serializer


@dataclass
class ServiceBench:
    """A migrated SQLite file with the bench model and our real process deployed, and one user per role."""

    db_path: Path
    rt: Runtime = field(init=False)
    principals: dict[str, Principal] = field(default_factory=dict)
    statements: int = 0  # SQL statements sent so far, on either engine

    def __post_init__(self) -> None:
        url = f"sqlite:///{self.db_path}"
        upgrade(url)
        self.rt = build_runtime({
            "DATABASE_URL": url, "PROCESSES_DIR": str(ROOT / "processes"), "FORMS_DIR": str(ROOT / "forms"),
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # users are made once here and never log in
            "AUDIT_KEY": "bench-audit-key",
            # the cases are Case A of 2021: run them on their own dates, handled on time (no escalation)
            "CLOCK": FrozenClock(CASE_DAY),
        })
        deploy.deploy(self.rt, None, BENCH_PID, model_files(BENCH_PID))
        deploy.deploy(self.rt, None, REAL_PID, deploy.read_sources(self.rt.processes_dir, self.rt.forms_dir, REAL_PID))
        organisation_seed.ensure_demo(self.rt)  # the province's bodies, with what their papers need
        for engine in {self.rt.db.read_engine, self.rt.db.write_engine}:
            event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_: Any) -> None:
        self.statements += 1

    def principal(self, role: str) -> Principal:
        if role not in self.principals:
            self.principals[role] = users.create_user(self.rt, f"bench_{role}", f"Bench {role}", "x", [role])
        return self.principals[role]

    def compiled(self, process_id: str) -> CompiledProcess:
        with self.rt.db.reading() as session:
            deployment = queries.latest_deployment(session, process_id)
            assert deployment is not None
            return self.rt.process(session, deployment)

    def next_task(self, instance_id: int, bpmn_id: str) -> str:
        with self.rt.db.reading() as session:
            rows = [r for r in queries.instance_tasks(session, instance_id) if r.bpmn_id == bpmn_id]
        if not rows:
            raise RuntimeError(f"instance {instance_id}: task {bpmn_id} is not ready")
        return rows[0].id

    def run_case(self, scenario: Scenario, latencies: list[float], starts: list[float],
                 statements: list[int] | None = None) -> int:
        start_data = scenario.start_data()
        on_its_day(self.rt.clock, start_data, first=True)
        t0 = time.perf_counter()
        instance = cases.start_case(self.rt, self.principal(scenario.start_role), scenario.process_id,
                                    start_data).instance
        starts.append(time.perf_counter() - t0)
        for bpmn_id, role, payload in scenario.steps:
            task_id = self.next_task(instance.id, bpmn_id)
            data = payload()
            principal = self.principal(role)
            on_its_day(self.rt.clock, data)
            sent, t0 = self.statements, time.perf_counter()
            tasks.complete_task(self.rt, principal, task_id, data)
            latencies.append(time.perf_counter() - t0)
            if statements is not None:
                statements.append(self.statements - sent)
        return instance.id

    def run_cases(self, scenario: Scenario, completions: int) -> dict[str, Any]:
        latencies: list[float] = []
        starts: list[float] = []
        statements: list[int] = []
        ids = [self.run_case(scenario, latencies, starts, statements)
               for _ in range(cases_for(completions, scenario))]
        with self.rt.db.reading() as session:
            unfinished = [i for i in ids if (inst := queries.instance(session, i)) is None or inst.status != "completed"]
        if unfinished:
            raise RuntimeError(f"{scenario.process_id}: cases {unfinished} did not finish")
        result = summary(latencies)
        result["start_p50_ms"] = summary(starts)["p50_ms"]
        result["cases"] = len(ids)
        result["statements_per_task"] = statistics.mean(statements)  # SQL sent by one complete_task, on average
        result["statements_max"] = max(statements)
        return result

    # -- (e) the engine alone: what complete_task does minus the database ----------------------

    def engine_only(self, scenario: Scenario, completions: int) -> dict[str, Any]:
        engine, process = self.rt.engine, self.compiled(scenario.process_id)
        latencies: list[float] = []
        for _ in range(cases_for(completions, scenario)):
            start_data = scenario.start_data()
            on_its_day(self.rt.clock, start_data, first=True)
            state = engine.dump(engine.start(process, {**start_data, "case_number": "BENCH"}))
            for bpmn_id, _role, payload in scenario.steps:
                data = payload()
                on_its_day(self.rt.clock, data)
                t0 = time.perf_counter()
                run = engine.load(process, state)
                ready = next(t for t in run.ready_tasks() if t.info.bpmn_id == bpmn_id)
                if validate_form(process.validator(ready.info.form), data):
                    raise RuntimeError(f"{bpmn_id}: payload refused by its form")
                run.complete(ready.id, data)
                state = engine.dump(run)
                latencies.append(time.perf_counter() - t0)
        return summary(latencies)

    # -- storage --------------------------------------------------------------------------

    def storage(self, process_id: str) -> dict[str, Any]:
        """Bytes kept per finished case (state + audit data/hashes + task rows), from the DB file."""
        with sqlite3.connect(self.db_path) as conn:
            rows = conn.execute(_STORAGE_SQL, (process_id,)).fetchall()
        if not rows:
            raise RuntimeError(f"no finished case of {process_id}")
        n = len(rows)
        state, audit, events, task_bytes = (sum(r[i] for r in rows) / n for i in range(1, 5))
        sample_id = rows[-1][0]
        full, spec = self._full_serialization(sample_id)
        total = state + audit + task_bytes
        return {"cases": n, "state": state, "audit": audit, "audit_events": events, "tasks": task_bytes,
                "total": total, "full_spiff_serialization": full, "spec_json_once_per_deployment": spec,
                "total_vs_full": total / full}

    def _full_serialization(self, instance_id: int) -> tuple[int, int]:
        with self.rt.db.reading() as session:
            instance = queries.instance(session, instance_id)
            assert instance is not None
            process = self.rt.process(session, instance.deployment)
            run = self.rt.engine.load(process, instance.state)
        full = full_serializer().serialize_json(run.workflow)
        spec = self.rt.engine.serializer.spec_to_json(process.spec, process.subprocess_specs)
        return len(full.encode("utf-8")), len(spec.encode("utf-8"))

    # -- profile --------------------------------------------------------------------------

    def profile(self, scenario: Scenario, completions: int, top: int = 10) -> dict[str, Any]:
        """cProfile each complete_task call on its own and take medians over the calls.

        A host that pauses the VM for hundreds of milliseconds charges the pause to whatever
        function happened to run; per-call medians drop those outliers, a summed profile would not.
        """
        per_call: list[dict[Any, Any]] = []
        for _ in range(cases_for(completions, scenario)):
            start_data = scenario.start_data()
            on_its_day(self.rt.clock, start_data, first=True)
            instance = cases.start_case(self.rt, self.principal(scenario.start_role), scenario.process_id,
                                        start_data).instance
            for bpmn_id, role, payload in scenario.steps:
                task_id, data, principal = self.next_task(instance.id, bpmn_id), payload(), self.principal(role)
                on_its_day(self.rt.clock, data)
                profiler = cProfile.Profile()
                profiler.enable()
                tasks.complete_task(self.rt, principal, task_id, data)
                profiler.disable()
                per_call.append(pstats.Stats(profiler).stats)  # type: ignore[attr-defined]
        return _profile_report(per_call, top)


_STORAGE_SQL = """
SELECT i.id,
       length(CAST(i.state AS BLOB)),
       coalesce((SELECT sum(length(CAST(a.data AS BLOB)) + length(a.prev_hash) + length(a.hash))
                 FROM audit_events a WHERE a.instance_id = i.id), 0),
       (SELECT count(*) FROM audit_events a WHERE a.instance_id = i.id),
       coalesce((SELECT sum(length(CAST(t.id AS BLOB)) + length(CAST(t.bpmn_id AS BLOB)) + length(CAST(t.name AS BLOB))
                            + length(CAST(t.role AS BLOB)) + coalesce(length(CAST(t.organisation AS BLOB)), 0)
                            + coalesce(length(CAST(t.assignee AS BLOB)), 0) + length(CAST(t.form AS BLOB))
                            + length(CAST(t.created_at AS BLOB)) + coalesce(length(CAST(t.due_on AS BLOB)), 0))
                 FROM tasks t WHERE t.instance_id = i.id), 0)
FROM instances i
WHERE i.process_id = ? AND i.status = 'completed'
ORDER BY i.id
"""

_PACKAGES = ("SpiffWorkflow", "sqlalchemy", "jsonschema", "alembic", "json", "copy", "uuid", "sqlite3",
             "referencing", "rpds", "lxml", "hashlib", "datetime")


def _where(filename: str) -> str | None:
    if filename.startswith(str(ROOT / "app")):
        return "app"
    if "SpiffWorkflow" in filename:
        return "SpiffWorkflow"
    return None


def _package(filename: str) -> str:
    if filename.startswith(str(ROOT / "app")):
        return "app (ours)"
    for name in _PACKAGES:
        if f"/{name}/" in filename or filename.endswith(f"/{name}.py") or f"{name}/__init__" in filename:
            return name
    return "builtins/C" if filename.startswith("~") or filename == "" else "other Python"


def _profile_report(per_call: list[dict[Any, Any]], top: int) -> dict[str, Any]:
    cum: dict[str, list[float]] = defaultdict(list)
    own: dict[str, list[float]] = defaultdict(list)
    calls: dict[str, int] = defaultdict(int)
    package_self: dict[str, list[float]] = defaultdict(list)
    totals = []
    for raw in per_call:
        totals.append(max(ct for (_cc, _nc, _tt, ct, _callers) in raw.values()))
        packages: dict[str, float] = defaultdict(float)
        for (filename, line, name), (_cc, ncalls, tottime, cumtime, _callers) in raw.items():
            packages[_package(filename)] += tottime
            if _where(filename):
                key = f"{filename.split('site-packages/')[-1].replace(str(ROOT) + '/', '')}:{line}({name})"
                cum[key].append(cumtime)
                own[key].append(tottime)
                calls[key] += ncalls
        for package, seconds in packages.items():
            package_self[package].append(seconds)
    n = len(per_call)

    def median(values: list[float]) -> float:  # a function absent from a call counts as 0 there
        return statistics.median(values + [0.0] * (n - len(values)))

    ranked = sorted(cum, key=lambda k: -median(cum[k]))[:top]
    return {
        "calls_profiled": n,
        "median_ms": statistics.median(totals) * 1000,
        "summed_s": sum(totals),
        "top_cumulative": [{"function": k, "median_cum_ms": median(cum[k]) * 1000, "median_own_ms": median(own[k]) * 1000,
                            "calls_per_completion": calls[k] / n} for k in ranked],
        "median_self_ms_by_package": dict(sorted(((k, median(v) * 1000) for k, v in package_self.items()),
                                                 key=lambda kv: -kv[1])),
    }
