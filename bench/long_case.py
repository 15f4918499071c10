"""The long case: how the cost of one step grows with the case's history (engine alone, no DB).

Two shapes of "one entry a day for weeks" (``bench/model/``):

* ``bench_loop`` — the entry task in a gateway loop (join → entry → count += 1 → count < n?).
  Every pass adds four tasks *below* the previous ones, so the task tree gets deeper.
* ``bench_loop_standard`` — the entry task with ``standardLoopCharacteristics``: every pass adds
  one child to the same loop task, so the tree gets wider, not deeper.

One workflow is advanced in memory to each checkpoint; there we time what ``complete_task`` does
to the state on every request — ``engine.load``, complete one entry, ``engine.dump`` — and, for
comparison, a full SpiffWorkflow round trip with the spec. Each figure is the best of a few repeats.

SpiffWorkflow's task iterator stops at tree depth 1000 (``TaskIterator(max_depth=1000)``), which
``get_tasks``, ``is_completed`` and ``do_engine_steps`` all use: a gateway loop of four tasks per
pass therefore *silently ends* after about 250 passes. ``measure(..., probe_to=300)`` shows it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from app.engine import CompiledProcess, Engine, WorkflowRun, compile_process, validate_form
from app.errors import EngineError
from bench.common import loop_payload, model_files
from bench.spiff_alone import full_serializer


def _once(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _best_ms(fn: Callable[[], Any], repeat: int) -> float:
    """Best of ``repeat`` (the timeit convention): a paused vCPU only ever adds time."""
    return min(_once(fn) for _ in range(repeat)) * 1000


def _start(engine: Engine, process_id: str, passes: int) -> tuple[CompiledProcess, WorkflowRun]:
    process = compile_process(process_id, model_files(process_id))
    return process, engine.start(process, {"count": 0, "n": passes + 2})


def _advance(run: WorkflowRun, done: int, target: int) -> int:
    while done < target:
        ready = run.ready_tasks()
        if not ready:
            raise RuntimeError(f"no entry ready after {done} passes (completed={run.completed})")
        run.complete(ready[0].id, loop_payload(done))
        done += 1
    return done


def measure(engine: Engine, process_id: str, checkpoints: Sequence[int], repeat: int,
            probe_to: int = 0) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Rows at each checkpoint; with ``probe_to``, then keep completing entries up to that many
    passes while the workflow says it is running, and report where it (wrongly) stops."""
    process, run = _start(engine, process_id, max(*checkpoints, probe_to))
    done = 0
    rows: list[dict[str, Any]] = []
    for target in checkpoints:
        t0 = time.perf_counter()
        previous = done
        done = _advance(run, done, target)
        row = {"steps": done, **_checkpoint(engine, process, run, repeat)}
        row["build_ms_per_step"] = 1000 * (time.perf_counter() - t0) / max(1, done - previous)
        rows.append(row)
    return rows, (_probe(run, process_id, done, probe_to) if probe_to else None)


def _probe(run: WorkflowRun, process_id: str, done: int, passes: int) -> dict[str, Any]:
    """Push a gateway loop past SpiffWorkflow's depth limit: the engine must refuse, not end quietly."""
    refused = None
    try:
        while done < passes and not run.completed:
            ready = run.ready_tasks()
            if not ready:
                break
            run.complete(ready[0].id, loop_payload(done))
            done += 1
    except EngineError as error:
        refused = error.details.get("error", error.message)
    return {"process_id": process_id, "passes_asked": passes, "passes_done": done, "refused": refused,
            "reported_completed": run.completed, "silently_ended": done < passes and refused is None,
            "tasks_in_tree": len(run.workflow.tasks)}


def _checkpoint(engine: Engine, process: CompiledProcess, run: WorkflowRun, repeat: int) -> dict[str, Any]:
    serializer = full_serializer()
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

    row: dict[str, Any] = {
        "tasks_in_tree": len(run.workflow.tasks),
        "state_bytes": len(state.encode("utf-8")),
        "dump_ms": _best_ms(lambda: engine.dump(run), repeat),
        "load_ms": _best_ms(load, repeat),
        "step_ms": _best_ms(step, repeat),
        "complete_in_memory_ms": min(complete_only() for _ in range(repeat)) * 1000,
        "full_spiff_bytes": len(serializer.serialize_json(run.workflow).encode("utf-8")),
        "full_spiff_round_trip_ms": _best_ms(
            lambda: serializer.deserialize_json(serializer.serialize_json(run.workflow)), repeat),
    }
    row["dump_load_ms"] = row["dump_ms"] + row["load_ms"]
    return row
