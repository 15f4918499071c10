"""(a) The ceiling: SpiffWorkflow alone, in memory, with a full serializer round trip after each task.

The serializer is SpiffWorkflow's own, configured with SPIFF_CONFIG, so the process spec is
embedded in every serialization — exactly what a naive service would store per instance.
"""

from __future__ import annotations

import copy
import statistics
import time
from typing import Any

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from bench.common import BENCH_PID, MODEL_DIR, Scenario, cases_for, on_its_day, summary


def full_serializer() -> BpmnWorkflowSerializer:
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


def bench_spec() -> tuple[Any, dict[str, Any]]:
    """The bench model parsed by SpiffWorkflow's own parser (no sandbox, no checks of ours)."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(MODEL_DIR / "five-user-tasks.bpmn"))
    return parser.get_spec(BENCH_PID), parser.get_subprocess_specs(BENCH_PID)


def _ready(workflow: BpmnWorkflow, bpmn_id: str) -> Any:
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        if task.task_spec.bpmn_id == bpmn_id:
            return task
    raise RuntimeError(f"task {bpmn_id} is not ready")


def run_cases(scenario: Scenario, completions: int, spec: Any, subprocess_specs: dict[str, Any],
              script_engine: Any = None, clock: Any = None) -> dict[str, Any]:
    """Start cases and complete every user task, saving and loading the workflow after each one."""
    serializer = full_serializer()
    engine_s: list[float] = []
    serial_s: list[float] = []
    last_text = ""
    for _ in range(cases_for(completions, scenario)):
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine)
        start_data = scenario.start_data()
        on_its_day(clock, start_data, first=True)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(copy.deepcopy(start_data))
        workflow.do_engine_steps()
        for bpmn_id, _role, payload in scenario.steps:
            data = payload()
            on_its_day(clock, data)
            t0 = time.perf_counter()
            task = _ready(workflow, bpmn_id)
            task.set_data(**copy.deepcopy(data))
            task.run()
            workflow.do_engine_steps()
            t1 = time.perf_counter()
            last_text = serializer.serialize_json(workflow)
            workflow = serializer.deserialize_json(last_text)
            if script_engine is not None:
                workflow.script_engine = script_engine
            t2 = time.perf_counter()
            engine_s.append(t1 - t0)
            serial_s.append(t2 - t1)
        if not workflow.is_completed():
            raise RuntimeError(f"{scenario.process_id}: the case did not finish")
    result = summary([e + s for e, s in zip(engine_s, serial_s, strict=True)])
    engine_p50, serial_p50 = statistics.median(engine_s), statistics.median(serial_s)
    result["serialization_share"] = serial_p50 / (engine_p50 + serial_p50)  # medians: robust to host pauses
    result["in_memory_p50_rate_per_s"] = 1 / engine_p50
    result["full_serialization_bytes_finished"] = len(last_text.encode("utf-8"))
    return result
