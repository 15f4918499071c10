"""Differential checks of the state's compaction (``app.engine.compaction``) against the full history.

``ShadowSerializer`` is installed in the engine of the engine and services tests: every state the
engine saves is also serialized with its whole history, both are loaded again, and what the engine
reads from them must be the same — so every path those tests drive is compared step by step.
``observe`` is what is compared: the tasks still to run (spec, state, data, in SpiffWorkflow's order),
the ready user tasks, the case and subprocess data, the timers, the events thrown, completion.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from app.engine.compaction import done_specs
from app.engine.serializer import StateSerializer


def observe(workflow: BpmnWorkflow, ids: bool = True) -> dict[str, Any]:
    """What the engine and the services read from a loaded workflow (task ids left out with ``ids=False``)."""
    def key(task: Any) -> Any:
        return str(task.id) if ids else None

    # a task still to run may inherit its parent's data again (``TaskSpec._update_hook``): its parent must stay
    live = [(key(t), t.task_spec.name, t.state, t.data, str(t.workflow.spec.name),
             t.parent.task_spec.name if t.parent else None, t.parent.data if t.parent else None)
            for t in workflow.get_tasks(state=TaskState.NOT_FINISHED_MASK)]
    ready = [(key(t), t.task_spec.name, t.data) for t in workflow.get_tasks(state=TaskState.READY, manual=True)]
    events = [(str(e.event_type), e.name, str(e.value)) for e in workflow.waiting_events()]
    last = workflow.last_task
    return {
        "live": live, "ready": ready, "data": workflow.data, "completed": workflow.is_completed(),
        "waiting_events": events, "thrown": [repr(e.event_definition.__dict__) for e in workflow.bpmn_events],
        "correlations": workflow.correlations,
        "subprocesses": sorted((str(k) if ids else "", sp.spec.name, repr(sp.data), sp.is_completed())
                               for k, sp in workflow.subprocesses.items()) if ids else
        sorted((sp.spec.name, repr(sp.data), sp.is_completed()) for sp in workflow.subprocesses.values()),
        "last_task_data": last.data if last is not None else None,
    }


def finished_specs(workflow: BpmnWorkflow) -> set[tuple[str, str]]:
    """(process, task spec) of every COMPLETED task in the state, with those compaction left out."""
    found = {(str(t.workflow.spec.name), t.task_spec.name) for wf in [workflow, *workflow.subprocesses.values()]
             for t in wf.tasks.values() if t.state == TaskState.COMPLETED}
    return found | done_specs(workflow)


class ShadowSerializer(StateSerializer):
    """Saves compacted states, and checks each against the same workflow saved with its whole history."""

    def __init__(self) -> None:
        super().__init__()
        self.full = StateSerializer(compacting=False)
        self.checked = 0

    def dumps(self, workflow: BpmnWorkflow) -> str:
        text = super().dumps(workflow)
        full_text = self.full.dumps(workflow)
        spec, subs = workflow.spec, workflow.subprocess_specs
        compacted, full = self.loads(text, spec, subs), self.full.loads(full_text, spec, subs)
        assert observe(compacted) == observe(full), "the compacted state reads differently from the full one"
        earlier = done_specs(workflow)  # left out by the saves before this one (not in either text's tasks)
        assert finished_specs(compacted) == finished_specs(full) | earlier, "a done step was forgotten"
        self.checked += 1
        return text
