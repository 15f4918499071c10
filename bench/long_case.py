"""The long case: how the cost of one step grows with the case's history.

Two shapes of "one entry a day for weeks" (``bench/model/``):

* ``bench_loop`` — the entry task in a gateway loop (join → entry → count += 1 → count < n?).
  Every pass adds four tasks *below* the previous ones, so the task tree gets deeper.
* ``bench_loop_standard`` — the entry task with ``standardLoopCharacteristics``: every pass adds
  one child to the same loop task, so the tree gets wider, not deeper.

Each case is driven as the service drives it: after every entry its state is dumped and loaded again,
so the saved state is what a request would find (compacted: ``app.engine.compaction``). At each
checkpoint we time what ``complete_task`` does to the state on every request — ``engine.load``,
validate, complete one entry, ``engine.dump`` — the best of a few repeats, and the same with the
engine saving the whole history (``full history``), as before compaction, for comparison.
``measure_services`` times ``tasks.complete_task`` itself on a SQLite file (lock, load, run, save
the state row, task rows and the audit event) at the same checkpoints.

SpiffWorkflow's task iterator stops at tree depth 1000 (``TaskIterator(max_depth=1000)``), which
``get_tasks``, ``is_completed`` and ``do_engine_steps`` all use: with its whole history a gateway loop
of four tasks per pass *ends* after about 250 passes (the engine refuses it). ``probe_to`` shows how
far each engine gets.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from app.engine import Engine, WorkflowRun, compile_process, validate_form
from app.engine.serializer import StateSerializer
from app.errors import EngineError
from bench.common import loop_payload, model_files
from bench.spiff_alone import full_serializer

CHECKPOINTS = [5, 50, 100, 250, 500]


def _once(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _best_ms(fn: Callable[[], Any], repeat: int) -> float:
    """Best of ``repeat`` (the timeit convention): a paused vCPU only ever adds time."""
    return min(_once(fn) for _ in range(repeat)) * 1000


def full_history(engine: Engine) -> Engine:
    """The same engine saving every finished task, as states were before compaction."""
    full = Engine(engine.calendar, engine.now)
    full.serializer = StateSerializer(compacting=False)
    return full


class _Case:
    """One long case in memory, saved and loaded after every entry like a request would."""

    def __init__(self, engine: Engine, process_id: str, passes: int) -> None:
        self.engine = engine
        self.process = compile_process(process_id, model_files(process_id))
        self.run = engine.start(self.process, {"count": 0, "n": passes + 2})
        self.done = 0

    def advance(self, target: int) -> None:
        while self.done < target:
            ready = self.run.ready_tasks()
            if not ready:
                raise RuntimeError(f"no entry ready after {self.done} passes (completed={self.run.completed})")
            self.run.complete(ready[0].id, loop_payload(self.done))
            self.run = self.engine.load(self.process, self.engine.dump(self.run))
            self.done += 1


def measure(engine: Engine, process_id: str, checkpoints: Sequence[int], repeat: int,
            probe_to: int = 0) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Rows at each checkpoint, compacted and with the full history (as far as SpiffWorkflow runs it);
    with ``probe_to``, then push both engines to that many passes and report where each stops."""
    passes = max(*checkpoints, probe_to)
    case, full = _Case(engine, process_id, passes), _Case(full_history(engine), process_id, passes)
    rows: list[dict[str, Any]] = []
    full_alive = True
    for target in checkpoints:
        t0 = time.perf_counter()
        previous = case.done
        case.advance(target)
        row = {"steps": case.done, **_checkpoint(case, repeat)}
        row["build_ms_per_step"] = 1000 * (time.perf_counter() - t0) / max(1, case.done - previous)
        row["full"] = None  # SpiffWorkflow's depth limit: the whole history cannot go this far
        if full_alive:
            try:
                full.advance(target)
                row["full"] = _checkpoint(full, repeat, spiff=True)
            except (EngineError, RuntimeError):
                full_alive = False
        rows.append(row)
    probe = None
    if probe_to:
        probe = {"process_id": process_id, "passes_asked": probe_to, "compacted": _probe(case, probe_to),
                 "full_history": _probe(full, probe_to) if full_alive else {
                     "passes_done": full.done, "refused": "task tree depth limit", "silently_ended": False}}
    return rows, probe


def _probe(case: _Case, passes: int) -> dict[str, Any]:
    """Push a case towards ``passes``: the engine must run them all or refuse, never end quietly."""
    refused = None
    try:
        while case.done < passes and not case.run.completed:
            case.advance(case.done + 1)
    except (EngineError, RuntimeError) as error:
        refused = error.details.get("error", error.message) if isinstance(error, EngineError) else str(error)
    return {"passes_done": case.done, "refused": refused, "reported_completed": case.run.completed,
            "silently_ended": case.done < passes and refused is None, "tasks_in_tree": len(case.run.workflow.tasks)}


def _checkpoint(case: _Case, repeat: int, spiff: bool = False) -> dict[str, Any]:
    engine, process, run = case.engine, case.process, case.run
    state = engine.dump(run)

    def load() -> WorkflowRun:
        return engine.load(process, state)

    def step() -> None:
        again = load()
        ready = again.ready_tasks()[0]
        data = loop_payload(0)
        if validate_form(process.validator(ready.info.form), data):
            raise RuntimeError("loop payload refused by its form")
        again.complete(ready.id, data)
        engine.dump(again)

    def complete_only() -> float:
        again = load()
        ready = again.ready_tasks()[0]
        return _once(lambda: again.complete(ready.id, loop_payload(0)))

    def dump() -> None:
        fresh = load()
        fresh.put({})  # changed, so the dump serializes (a loaded run hands back the text it was loaded from)
        t0 = time.perf_counter()
        engine.dump(fresh)
        timings.append(time.perf_counter() - t0)

    timings: list[float] = []
    for _ in range(repeat):
        dump()
    row: dict[str, Any] = {
        "tasks_in_tree": len(load().workflow.tasks),
        "state_bytes": len(state.encode("utf-8")),
        "dump_ms": min(timings) * 1000,
        "load_ms": _best_ms(load, repeat),
        "step_ms": _best_ms(step, repeat),
        "complete_in_memory_ms": min(complete_only() for _ in range(repeat)) * 1000,
    }
    row["dump_load_ms"] = row["dump_ms"] + row["load_ms"]
    if spiff:
        serializer = full_serializer()
        row["full_spiff_bytes"] = len(serializer.serialize_json(run.workflow).encode("utf-8"))
        row["full_spiff_round_trip_ms"] = _best_ms(
            lambda: serializer.deserialize_json(serializer.serialize_json(run.workflow)), repeat)
    return row


def measure_services(services: Any, process_id: str, checkpoints: Sequence[int], repeat: int) -> list[dict[str, Any]]:
    """``tasks.complete_task`` on the SQLite file at each checkpoint: the best of ``repeat`` entries made there."""
    from app.persistence import queries
    from app.services import cases, deploy, tasks

    with services.rt.db.reading() as session:
        deployed = queries.latest_deployment(session, process_id) is not None
    if not deployed:
        deploy.deploy(services.rt, None, process_id, model_files(process_id))
    admin = services.principal("admin")
    passes = max(checkpoints) + repeat * len(checkpoints) + 2
    instance = cases.start_case(services.rt, admin, process_id, {"count": 0, "n": passes}).instance
    done, rows = 0, []

    def entry() -> float:
        nonlocal done
        task_id = services.next_task(instance.id, "entry")
        t0 = time.perf_counter()
        tasks.complete_task(services.rt, admin, task_id, loop_payload(done))
        done += 1
        return time.perf_counter() - t0

    for target in checkpoints:
        while done < target:
            entry()
        with services.rt.db.reading() as session:
            row = queries.instance(session, instance.id)
            state_bytes = len(row.state.encode("utf-8")) if row is not None else 0
        rows.append({"steps": done, "state_bytes": state_bytes,
                     "complete_task_ms": min(entry() for _ in range(repeat)) * 1000})
    return rows
