"""Make a parsed spec whole before any workflow runs on it, so it is never changed while one runs.

SpiffWorkflow links two kinds of task spec into their process lazily, the first time a workflow
needs them: an event subprocess started by a message or signal (``BpmnStartTask.trigger_wf`` connects
it after the start event and before the end), and the body of a multi-instance or loop activity
(``create_child`` connects its completion to ``merge_child``). SpiffWorkflow's own serializer keeps
those links because it stores the spec with every workflow; we store the spec once per deployment
and share the parsed objects (``app.engine.serializer``), so a link made in one process was missing in
every other gunicorn worker, on another node and after a restart — where completing a step inside the
triggered subprocess failed with «No input task connected» — while the process that had made it
started its later workflows with the subprocess linked after their start.

``settle_links`` makes both links at compile time, in the form that leaves the start event's outputs
alone: the event subprocess gets the start event among its *inputs* (so ``trigger_wf`` finds it linked
and does not add it to the start's outputs, which would run it in every new workflow) and the end
among its outputs; each body's completion is connected to its activity's ``merge_child`` as the
serializer does on load. After this a shared spec is the same in every process, whatever ran first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.control import BpmnStartTask
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.specs.base import TaskSpec


def settle_links(specs: Iterable[BpmnProcessSpec]) -> None:
    """Link every triggered event subprocess and every loop body of ``specs`` once, before any run."""
    for spec in specs:
        _link_triggered_subprocesses(spec)
        _link_loop_bodies(spec)


def _link_triggered_subprocesses(spec: BpmnProcessSpec) -> None:
    start = spec.start
    if not isinstance(start, BpmnStartTask):
        return
    for name in start.trigger_specs:
        triggered: TaskSpec | None = spec.task_specs.get(name)
        if triggered is None or start in triggered.inputs:
            continue
        triggered._connect_notify(start)  # an input only: the start event does not run it by itself
        if spec.end not in triggered.outputs:
            triggered.connect(spec.end)


def _link_loop_bodies(spec: BpmnProcessSpec) -> None:
    for task_spec in list(spec.task_specs.values()):
        if not isinstance(task_spec, LoopTask):
            continue
        body: Any = spec.task_specs.get(task_spec.task_spec)
        if body is not None and not body.completed_event.is_connected(task_spec.merge_child):
            body.completed_event.connect(task_spec.merge_child)
