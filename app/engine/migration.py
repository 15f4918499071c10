"""Move a running case onto another deployed version of its process, with SpiffWorkflow's own spec migration.

SpiffWorkflow aligns the old and the new task specs by BPMN id (``SpecDiff``), lists a case's tasks
whose spec was removed or changed (``WorkflowDiff``, per subprocess too: ``diff_workflow``) and moves
a workflow onto the new spec (``migrate_workflow``): every task takes its aligned spec, and the READY
and WAITING branches are reset and predicted again from the new diagram. It does not decide what is
safe; this module does. A case moves only when no task that is active or already done sits on a
removed or changed spec: what an officer is doing, or did, must mean the same in the new version. The
move is made in memory, then every task's spec is checked to belong to the new version and the state
is reloaded against it, before anything is saved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from app.engine.compaction import done_specs
from app.engine.instance import WorkflowRun
from app.engine.process import CompiledProcess
from app.engine.timers import engine_time
from app.errors import AppError, EngineError

ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
DONE = TaskState.COMPLETED


@dataclass(frozen=True)
class Obstacle:
    """A step of the case that keeps it on its version: active or done, and removed or changed in the new one."""

    bpmn_id: str
    name: str
    active: bool
    removed: bool
    stray: bool = False  # a task the move left on a spec the new version does not have

    def sentence(self, version: int) -> str:
        step = f"Bước “{self.name}” ({self.bpmn_id})"
        if self.stray:
            return f"{step} không có trong phiên bản {version} nhưng vẫn còn trong hồ sơ sau khi chuyển."
        state = "đang chờ xử lý" if self.active else "đã hoàn thành nhưng"
        change = f"đã bị xóa khỏi phiên bản {version}" if self.removed else f"đã bị thay đổi trong phiên bản {version}"
        return f"{step} {state} {change}."


@dataclass
class MovePlan:
    """SpiffWorkflow's diff of one case against the new version, and what in it forbids the move."""

    obstacles: list[Obstacle]
    top: WorkflowDiff = field(repr=False)
    subprocesses: dict[UUID, WorkflowDiff | None] = field(repr=False)

    @property
    def movable(self) -> bool:
        return not self.obstacles

    def reasons(self, version: int) -> list[str]:
        return [o.sentence(version) for o in self.obstacles]


class SpecDiffs:
    """SpiffWorkflow's ``SpecDiff`` of two specs, computed once per pair: deployments never change.

    Diffing the complaint's specs is most of a case's plan (about 30 ms of 37 on the development VM);
    a preview of 500 cases of one version pays it once.
    """

    def __init__(self, registry: Any, size: int = 64) -> None:
        self.registry = registry
        self._size = size
        self._diffs: dict[tuple[Any, Any], SpecDiff] = {}

    def between(self, old: Any, new: Any) -> SpecDiff:
        diff = self._diffs.get((old, new))
        if diff is None:
            if len(self._diffs) >= self._size:
                self._diffs.clear()
            diff = self._diffs[(old, new)] = SpecDiff(self.registry, old, new)
        return diff


def plan_move(diffs: SpecDiffs, run: WorkflowRun, new: CompiledProcess) -> MovePlan:
    """Diff the case against ``new`` (top process and every subprocess it has opened) and name what forbids the move.

    ``diff_workflow`` of SpiffWorkflow, with each spec pair's ``SpecDiff`` taken from ``diffs``.
    """
    workflow = run.workflow
    with _translated("Không so sánh được hồ sơ với phiên bản mới"):
        top = WorkflowDiff(workflow, diffs.between(workflow.spec, new.spec))
        subs: dict[UUID, WorkflowDiff | None] = {}
        for sp_id, sub in workflow.subprocesses.items():
            spec = new.subprocess_specs.get(sub.spec.name)
            subs[sp_id] = WorkflowDiff(sub, diffs.between(sub.spec, spec)) if spec is not None else None
    found: dict[tuple[str, bool, bool], Obstacle] = {}
    for diff in [top, *subs.values()]:
        if diff is None:
            continue
        for task in diff.removed:
            _note(found, run.process, task, removed=True)
        for task in diff.changed:
            _note(found, run.process, task, removed=False)
    for sp_id, diff in subs.items():
        if diff is None:  # the subprocess's whole spec is gone from the new version
            _note(found, run.process, workflow.get_task_from_id(sp_id), removed=True)
    _note_compacted(found, diffs, run, new)
    return MovePlan(list(found.values()), top, subs)


def _note_compacted(found: dict[tuple[str, bool, bool], Obstacle], diffs: SpecDiffs, run: WorkflowRun,
                    new: CompiledProcess) -> None:
    """Done steps the saved state no longer holds as tasks (``app.engine.compaction``) still keep the case."""
    workflow = run.workflow
    for process_name, spec_name in sorted(done_specs(workflow)):
        if process_name == workflow.spec.name:
            old_spec, new_spec = workflow.spec, new.spec
        else:
            old_spec, new_spec = workflow.subprocess_specs.get(process_name), new.subprocess_specs.get(process_name)
        task_spec = old_spec.task_specs.get(spec_name) if old_spec is not None else None
        if task_spec is None:
            continue  # a spec of a process this deployment no longer has: the move's strays check speaks for it
        if new_spec is None:
            _note_spec(found, run.process, task_spec, active=False, removed=True)
            continue
        with _translated("Không so sánh được hồ sơ với phiên bản mới"):
            diff = diffs.between(old_spec, new_spec)
        if task_spec in diff.removed:
            _note_spec(found, run.process, task_spec, active=False, removed=True)
        elif task_spec in diff.changed:
            _note_spec(found, run.process, task_spec, active=False, removed=False)


def move(run: WorkflowRun, new: CompiledProcess, plan: MovePlan, *, engine: Any, dump: Callable[[BpmnWorkflow], str],
         load: Callable[[str], BpmnWorkflow]) -> WorkflowRun:
    """Move a movable case onto ``new`` in memory and run it to its next wait state; the caller saves it.

    :raises MoveRefused: the plan forbids it, or the moved case still holds a task of the old version.
    :raises EngineError: the new version's code failed on the case, or its state does not reload.
    """
    if not plan.movable:
        raise MoveRefused(plan.obstacles)
    workflow = run.workflow
    # the reset waiting timers are computed again: on the engine's clock, as in any run (not the wall clock)
    with _translated("Không chuyển được hồ sơ sang phiên bản mới"), engine_time(run.now):
        migrate_workflow(plan.top, workflow, new.spec)
        for sp_id, sub in list(workflow.subprocesses.items()):
            diff = plan.subprocesses.get(sp_id)
            if diff is not None:
                migrate_workflow(diff, sub, new.subprocess_specs[sub.spec.name])
        workflow.subprocess_specs = new.subprocess_specs
    strays = _strays(workflow, run.process)
    if strays:
        raise MoveRefused(strays)
    moved = WorkflowRun(new, workflow, engine, run.now, dump)
    moved.resume()
    with _translated("Hồ sơ sau khi chuyển không mở lại được trên phiên bản mới"):  # else nobody could open it again
        load(moved.state)
    return moved


@contextmanager
def _translated(what: str) -> Iterator[None]:
    """SpiffWorkflow failing on a case's move is a refusal of that case (422), never a 500 that stops the others."""
    try:
        yield
    except AppError:
        raise
    except Exception as exc:  # the library may raise anything on a tree it did not expect
        raise EngineError(f"{what}; hồ sơ giữ nguyên.", details={"error": str(exc)[:1000]}) from exc


class MoveRefused(Exception):
    """The case cannot move; ``obstacles`` say which steps keep it where it is."""

    def __init__(self, obstacles: list[Obstacle]) -> None:
        super().__init__(", ".join(o.bpmn_id for o in obstacles))
        self.obstacles = obstacles


def _note(found: dict[tuple[str, bool, bool], Obstacle], process: CompiledProcess, task: Task, *, removed: bool) -> None:
    if not task.state & (ACTIVE | DONE):
        return  # a step only predicted is predicted again from the new diagram
    _note_spec(found, process, task.task_spec, active=bool(task.state & ACTIVE), removed=removed)


def _note_spec(found: dict[tuple[str, bool, bool], Obstacle], process: CompiledProcess, spec: Any, *, active: bool,
               removed: bool) -> None:
    bpmn_id, name = _step(process, spec)
    found.setdefault((bpmn_id, active, removed), Obstacle(bpmn_id, name, active, removed))


def _step(process: CompiledProcess, spec: Any) -> tuple[str, str]:
    """The diagram element a task spec stands for; SpiffWorkflow's own helper specs (``x.BoundaryEventSplit``) are x's."""
    bpmn_id = spec.bpmn_id or str(spec.name).split(".", 1)[0]
    return bpmn_id, spec.bpmn_name or process.element_names.get(bpmn_id) or bpmn_id


def _strays(workflow: BpmnWorkflow, old: CompiledProcess) -> list[Obstacle]:
    """Tasks the move left on a spec the new version does not hold (a removed step only predicted, outside a reset)."""
    found: dict[str, Obstacle] = {}
    for wf in [workflow, *workflow.subprocesses.values()]:
        for task in wf.tasks.values():
            if wf.spec.task_specs.get(task.task_spec.name) is not task.task_spec:
                bpmn_id, name = _step(old, task.task_spec)
                found.setdefault(bpmn_id, Obstacle(bpmn_id, name, bool(task.state & ACTIVE), True, stray=True))
    return list(found.values())
