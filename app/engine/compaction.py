"""Leave finished history out of a case's saved state, so that a step costs the same on day 500 as on day 5.

SpiffWorkflow keeps every task a case ever ran in its task tree, and every load and dump walks the
whole tree: a case with 500 entries paid about 24 times what a fresh one did, and a loop drawn with a
gateway grew the tree one level per task until SpiffWorkflow's iterator stopped at depth 1000. What a
case *did* is the audit trail's to keep (``audit_events``, written for every step whatever is saved
here); the state only needs what the engine will read again.

Applied to the serialized dict, never to the workflow in memory (the run that just finished keeps its
objects untouched). A task leaves the state only when all of these hold — each guards a reader found
in SpiffWorkflow 3.2's source:

* it is COMPLETED or CANCELLED, and its spec is a plain activity, exclusive gateway or non-boundary
  event (``_REMOVABLE``): never a join (parallel/inclusive gateways read their instances' parents and
  data), a split or join of boundary/start events (``find_ancestor`` and the split's children), a
  subprocess or call activity (``workflow.subprocesses``), a loop or multi-instance task, or the root;
* it is not the parent of a task still to run, nor of any join instance (``task.parent`` is read
  there: the data a task inherits when it becomes ready, a join's inputs);
* it is not a child of an event split (the split's children are the boundary events a join weighs),
  nor of a loop task — except a standard loop's finished iteration, a leaf whose parent reads only
  how many were merged (``internal_data['merged']``, which keeps its ids);
* it is not the workflow's ``last_task``, and it carries its data as a delta against its parent.

The children of a removed task move to its parent, in its place, with the two data deltas composed, so
every remaining task loads with exactly the data it had, and ancestry between remaining tasks (which
joins in loops compare) is unchanged. The spec names of removed COMPLETED tasks are kept
(``DONE_KEY``): a move to another version must still refuse a case whose done step changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.control import BoundaryEventJoin, EventSplit, StartEventJoin
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import (
    BoundaryEvent,
    EventBasedGateway,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    ReceiveTask,
    SendTask,
)
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.manual_task import ManualTask
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask, StandardLoopTask
from SpiffWorkflow.bpmn.specs.mixins.none_task import NoneTask
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptEngineTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

DONE_KEY = "compacted_done"  # [process spec name, task spec name] of every COMPLETED task left out
_DONE_ATTR = "_compacted_done"

_REMOVABLE = (UserTask, ManualTask, NoneTask, ScriptEngineTask, BusinessRuleTaskMixin, ExclusiveGateway,
              StartEvent, EndEvent, IntermediateCatchEvent, IntermediateThrowEvent, SendTask, ReceiveTask)
_NEVER = (LoopTask, SubWorkflowTask, Join, UnstructuredJoin, EventSplit, BoundaryEventJoin, StartEventJoin,
          BoundaryEvent, EventBasedGateway)
_FINISHED = (TaskState.COMPLETED, TaskState.CANCELLED)

Done = set[tuple[str, str]]


def done_specs(workflow: BpmnWorkflow) -> Done:
    """(process spec name, task spec name) of the COMPLETED tasks an earlier save left out of the state."""
    done: Done = getattr(workflow, _DONE_ATTR, set())
    return done


def remember_done(workflow: BpmnWorkflow, dct: dict[str, Any]) -> None:
    """Carry the left-out done specs of a loaded state over to the workflow, for the next save and a move."""
    setattr(workflow, _DONE_ATTR, {(str(p), str(t)) for p, t in dct.pop(DONE_KEY, [])})


def compact(workflow: BpmnWorkflow, dct: dict[str, Any]) -> None:
    """Leave the finished history out of ``dct``, the spec-less dict of ``workflow`` (top and subprocesses)."""
    done = set(done_specs(workflow))
    _compact_one(workflow, dct, done)
    for key, sub_dct in dct.get("subprocesses", {}).items():
        sub = workflow.subprocesses.get(UUID(key))
        if sub is not None:
            _compact_one(sub, sub_dct, done)
    if done:
        dct[DONE_KEY] = sorted([p, t] for p, t in done)


def _removable(task: Task, dct: dict[str, Any]) -> bool:
    spec = task.task_spec
    if task.state not in _FINISHED or not dct.get("delta") or not dct.get("parent"):
        return False
    if isinstance(spec, _NEVER) or not isinstance(spec, _REMOVABLE):
        return False
    parent = task.parent
    if parent is None or isinstance(parent.task_spec, EventSplit):
        return False
    if isinstance(parent.task_spec, LoopTask):
        # a finished iteration of a standard loop: the loop task counts ``merged``; nothing reads the child
        return (isinstance(parent.task_spec, StandardLoopTask) and task.state == TaskState.COMPLETED
                and not dct["children"] and parent.task_spec.task_spec == spec.name)
    return True


def _compact_one(workflow: Any, dct: dict[str, Any], done: Done) -> None:
    tasks: dict[str, dict[str, Any]] = dct["tasks"]
    keep = _kept(workflow, dct)
    removed = [tid for tid in tasks if tid not in keep]
    if not removed:
        return
    gone = set(removed)
    _reparent(tasks, gone)
    for tid in keep:
        kept = tasks.get(tid)
        if kept is not None and any(child in gone for child in kept["children"]):
            kept["children"] = list(_kept_children(tasks, kept["children"], gone))
    name = workflow.spec.name
    for tid in removed:
        tdct = tasks.pop(tid)
        if tdct["state"] == TaskState.COMPLETED:
            done.add((name, tdct["task_spec"]))


def _kept(workflow: Any, dct: dict[str, Any]) -> set[str]:
    """The ids of the tasks the state must hold (the rules of the module's docstring)."""
    keep: set[str] = {dct["root"]}
    if dct.get("last_task"):
        keep.add(dct["last_task"])
    subprocesses = {str(key) for key in workflow.top_workflow.subprocesses}
    for tid, tdct in dct["tasks"].items():
        task = workflow.tasks.get(UUID(tid))
        if task is None or tid in subprocesses or not _removable(task, tdct):
            keep.add(tid)
        read_through_parent = task is None or task.state not in _FINISHED or isinstance(task.task_spec, UnstructuredJoin)
        if read_through_parent and tdct.get("parent"):
            keep.add(tdct["parent"])
    return keep


def _reparent(tasks: dict[str, dict[str, Any]], gone: set[str]) -> None:
    """Hang each remaining task whose parent leaves on its nearest remaining ancestor, its data delta composed."""
    for tid, tdct in tasks.items():
        if tid in gone or tdct.get("parent") not in gone:
            continue
        delta = tdct.get("delta")
        parent = tdct["parent"]
        while parent in gone:
            above = tasks[parent]
            if delta:
                delta = _compose(above["delta"], delta)
            parent = above["parent"]
        tdct["parent"] = parent
        if delta:
            tdct["delta"] = delta


def _kept_children(tasks: dict[str, dict[str, Any]], children: Iterable[str], gone: set[str]) -> Iterable[str]:
    """The children in order, a removed child replaced by its own remaining children (recursively)."""
    for child in children:
        if child in gone:
            yield from _kept_children(tasks, tasks[child]["children"], gone)
        else:
            yield child


def _compose(outer: dict[str, Any], inner: dict[str, Any]) -> dict[str, Any]:
    """The delta that does ``outer`` then ``inner`` (SpiffWorkflow applies updates, then deletions, top-level keys)."""
    inner_updates: dict[str, Any] = inner.get("updates", {})
    inner_deleted = set(inner.get("deletions", []))
    updates = {k: v for k, v in outer.get("updates", {}).items() if k not in inner_deleted}
    updates.update(inner_updates)
    deletions: list[str] = []
    for key in [*outer.get("deletions", []), *inner.get("deletions", [])]:
        if key not in inner_updates and key not in deletions:
            deletions.append(key)
    return {"updates": updates, "deletions": deletions}
