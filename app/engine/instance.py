"""A small handle over one running BpmnWorkflow that hides SpiffWorkflow's task states.

Services only ever ask it four things: start with data, which user tasks are ready, complete
one, deliver a message. Every SpiffWorkflow error is translated here, once, into EngineError
with the task, element and line kept.

Each of those actions is one *run*: its evaluations share one deadline (``run_clock``), it may complete
at most ``MAX_RUN_STEPS`` tasks, and it ends by *settling* in memory, before any transaction opens: the
case's data and serialized state are measured against ``MAX_CASE_DATA`` and ``MAX_STATE_BYTES`` (a step
that would leave more is refused, naming it), the state is serialized once for the save, and the ready
tasks' due dates (diagram code) are computed.
"""

from __future__ import annotations

import copy
import functools
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, TypeVar
from uuid import UUID

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import EscalationEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition as CatchingMessage
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from app.engine.budget import (
    MAX_CASE_DATA,
    MAX_INSTANCES,
    MAX_RUN_STEPS,
    MAX_STATE_BYTES,
    BudgetExceeded,
    check_run_clock,
    run_clock,
    weigh,
)
from app.engine.forms import with_defaults
from app.engine.process import CompiledProcess, UserTaskInfo
from app.engine.sandbox import RestrictedScriptEngine, RuleViolation
from app.engine.timers import engine_time, fire_time
from app.errors import AppError, EngineError, FormValidationError, NotFound, TaskNotReady

_P = ParamSpec("_P")
_R = TypeVar("_R")


@dataclass(frozen=True)
class Escalated:
    """A BPMN escalation the diagram threw and did not catch, e.g. a legal deadline that passed."""

    code: str
    name: str
    subject: str | None = None   # what is late, when one case has several (e.g. a unit of a plan)
    deadline: str | None = None  # the deadline that passed, when the diagram says it in the payload


ORGANISATION_VARIABLE = "handling_organisation"
CASE_NUMBER_VARIABLE = "case_number"
# What the host puts into every case's data besides its forms: diagram code may read it (the lint knows it).
HOST_VARIABLES = frozenset({CASE_NUMBER_VARIABLE})


@dataclass(frozen=True)
class ReadyTask:
    """A user task waiting for a person, as the task table stores it."""

    id: str
    info: UserTaskInfo
    due_on: str | None
    organisation: str | None = None  # the task's own ``handling_organisation``, set by the diagram


def _one_run(method: Callable[Concatenate[WorkflowRun, _P], _R]) -> Callable[Concatenate[WorkflowRun, _P], _R]:
    """An action on the case: one run, with one deadline for all its code, settled before it returns."""
    def run(self: WorkflowRun, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with run_clock():
            self._changed()
            result = method(self, *args, **kwargs)
            self._settle()
            return result
    functools.update_wrapper(run, method)
    return run


class WorkflowRun:
    """One instance in memory, between a load and a save."""

    def __init__(self, process: CompiledProcess, workflow: BpmnWorkflow, engine: RestrictedScriptEngine,
                 now: Callable[[], datetime], dump: Callable[[BpmnWorkflow], str] | None = None,
                 state: str | None = None) -> None:
        self.process = process
        self.workflow = workflow
        self.workflow.script_engine = engine  # not serialized: must be set after every load
        self.now = now
        self.steps: list[str] = []
        self.escalations: list[Escalated] = []
        self._data: dict[str, Any] | None = None
        self._ready: list[ReadyTask] | None = None
        self._ready_found: list[Task] | None = None  # the ready user tasks, while the workflow stays as it was
        self._finished: bool | None = None  # whether the workflow finished, while it stays as it was
        self._dump = dump
        self._state = state  # the serialized state, while it is still what the workflow holds
        self._acting: Task | None = None  # the task an officer completes in this run, named if it is refused
        self._completed: Counter[str] = Counter()  # tasks completed per task spec while this run object lives
        self._eager_state = True  # a settled run serializes its state at once (see ``start``)

    @classmethod
    def start(cls, process: CompiledProcess, engine: RestrictedScriptEngine, now: Callable[[], datetime],
              data: dict[str, Any], dump: Callable[[BpmnWorkflow], str] | None = None, *,
              serialized: bool = True) -> WorkflowRun:
        """A new case run to its first wait state.

        ``serialized`` False leaves its state to be serialized (and measured) when first asked: a caller
        that puts facts in before saving (the case number) would otherwise serialize it twice.
        """
        workflow = BpmnWorkflow(process.spec, process.subprocess_specs, script_engine=engine)
        run = cls(process, workflow, engine, now, dump)
        if process.start.form:
            data = with_defaults(process.form_schema(process.start.form), data)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(copy.deepcopy(data))
        run._eager_state = serialized
        try:
            run._begin()
        finally:
            run._eager_state = True
        return run

    @_one_run
    def _begin(self) -> None:
        self._advance()

    @property
    def state(self) -> str:
        """The serialized state (without the spec), measured against ``MAX_STATE_BYTES``: computed once per change."""
        if self._state is None:
            if self._dump is None:
                raise EngineError("Bộ máy quy trình không có bộ tuần tự hóa.")
            text = self._dump(self.workflow)
            if len(text) > MAX_STATE_BYTES:
                raise self._refused(BudgetExceeded(
                    f"trạng thái hồ sơ lớn quá {MAX_STATE_BYTES // (1024 * 1024)} MB ({len(text):,} byte)".replace(",", ".")))
            self._state = text
        return self._state

    # -- reading --------------------------------------------------------------------------

    @property
    def completed(self) -> bool:
        """Whether the case finished: asked several times per change (a walk of the task tree each), found once."""
        if self._finished is None:
            self._finished = bool(self.workflow.is_completed())
        return self._finished

    @property
    def data(self) -> dict[str, Any]:
        """The case data: what the next person would see, or the final data when finished."""
        if self._data is None:
            self._data = self._case_data()
        return dict(self._data)

    def _case_data(self) -> dict[str, Any]:
        if self.completed:
            return dict(self.workflow.data)
        ready = self._ready_user_tasks()
        if ready:
            return dict(ready[0].data)
        waiting = self.workflow.get_tasks(state=TaskState.WAITING | TaskState.READY)
        if waiting:
            return dict(max(waiting, key=lambda t: t.last_state_change).data)
        last = self.workflow.last_task
        return dict(last.data) if last is not None else dict(self.workflow.data)

    def task_data(self, task_id: str) -> dict[str, Any]:
        """What one ready task sees: in a multi-instance activity, its own item (e.g. its day)."""
        return dict(self._find_ready(task_id).data)

    def branch_of(self, task_id: str) -> str | None:
        """The event-subprocess branch a ready task runs in, if any (see ``send_message``)."""
        return _event_branch(self._find_ready(task_id))

    def step_facts(self, task_id: str) -> tuple[str, str, str | None, str] | None:
        """A ready user task's step, lane role, organisation and form as the state says them (None: not ready).

        What a task row must agree with before anyone acts on it; no due date is computed (no code runs).
        """
        task = next((t for t in self._ready_user_tasks() if str(t.id) == task_id), None)
        if task is None:
            return None
        info = self._info(task)
        return info.bpmn_id, info.role, _organisation(task), info.form

    def ready_tasks(self) -> list[ReadyTask]:
        """The waiting user tasks with their due dates (computed by the diagram's code, once per change)."""
        if self._ready is None:
            self._ready = [ReadyTask(str(t.id), self._info(t), self._due_on(t), _organisation(t))
                           for t in self._ready_user_tasks()]
        return list(self._ready)

    def settled(self, steps: list[str], escalations: list[Escalated], ready: list[ReadyTask]) -> None:
        """Take what a run elsewhere (the timer worker's child process) found on the state this run was loaded from."""
        self.steps, self.escalations, self._ready = list(steps), list(escalations), list(ready)

    def next_timer_at(self) -> datetime | None:
        """When the earliest waiting timer of the instance is due (the worker's next job)."""
        times = [fire_time(str(e.event_type), e.value) for e in self.workflow.waiting_events()]
        due = [t for t in times if t is not None]
        return min(due) if due else None

    def waiting_messages(self) -> list[str]:
        """Names of the messages the instance would accept now.

        Read from the waiting tasks' specs rather than ``waiting_events()``, which reports an
        event-based gateway as one nameless "MultipleEventDefinition" and leaves out the message
        start events of event subprocesses (SpiffWorkflow starts those when the message comes).
        """
        names: set[str] = set()
        definitions = [getattr(t.task_spec, "event_definition", None) for t in self.workflow.get_tasks(state=TaskState.WAITING)]
        if not self.completed:  # a message start event of an event subprocess opens a new branch each time
            for name in self.workflow.spec.start.trigger_specs:
                definitions += [start.event_definition for start in self.workflow.subprocess_specs[name].bpmn_start_events]
        for definition in definitions:
            pending = [definition]
            while pending:
                definition = pending.pop()
                if isinstance(definition, MultipleEventDefinition):
                    pending.extend(definition.event_definitions)
                elif isinstance(definition, CatchingMessage):
                    names.add(str(definition.name))
        return sorted(names)

    # -- acting ---------------------------------------------------------------------------

    def put(self, values: dict[str, Any]) -> None:
        """Give every task of the case these values (facts known only once it is saved, e.g. its number)."""
        for task in self.workflow.get_tasks():
            task.data.update(copy.deepcopy(values))
        self.workflow.data.update(copy.deepcopy(values))
        self._changed()

    @_one_run
    def complete(self, task_id: str, data: dict[str, Any]) -> ReadyTask:
        task = self._find_ready(task_id)
        ready = ReadyTask(str(task.id), self._info(task), self._due_on(task))
        if ready.info.form:
            data = with_defaults(self.process.form_schema(ready.info.form), data)
        self._acting = task
        with self._translated(task), engine_time(self.now):
            task.set_data(**copy.deepcopy(data))
            task.run()
        self._data = None
        self._forget_found()
        self._advance()
        return ready

    @_one_run
    def resume(self) -> None:
        """Run to the next wait state after the workflow was changed outside a step (moved to another version)."""
        self._advance()

    @_one_run
    def fire_due_timers(self) -> None:
        """Let every timer that is due by the engine's clock fire, then run to the next wait state."""
        with self._translated(None), engine_time(self.now):
            self.workflow.refresh_timers()
        self._advance()

    def send_message(self, name: str, payload: dict[str, Any]) -> list[str]:
        """Deliver the message; return the ids of the event-subprocess branches it opened.

        A message that starts an event subprocess (a central office's notice) opens a branch of its
        own each time; the branch's id, the engine's own and unique in the case, is the identity that
        ties the message to the steps run for it (``branch_of``), whatever order they finish in.
        """
        if name not in self.waiting_messages():
            raise TaskNotReady("Hồ sơ không ở bước có thể nhận văn bản này.")
        return self._deliver(name, payload)

    @_one_run
    def _deliver(self, name: str, payload: dict[str, Any]) -> list[str]:
        before = set(self.workflow.subprocesses)
        form = self.process.message_form(name)
        if form is not None:
            payload = with_defaults(self.process.form_schema(form), payload)
        with self._translated(None), engine_time(self.now):
            self.workflow.send_event(BpmnEvent(MessageEventDefinition(name), payload=copy.deepcopy(payload)))
        self._advance()
        opened = [self.workflow.get_task_from_id(key) for key in self.workflow.subprocesses if key not in before]
        return sorted(str(task.id) for task in opened if _is_event_subprocess(task))

    # -- internals ------------------------------------------------------------------------

    def _changed(self) -> None:
        self._data = self._ready = self._state = None
        self._forget_found()

    def _forget_found(self) -> None:
        """What was read off the workflow (its ready user tasks, whether it finished) is looked up again after a change."""
        self._ready_found = self._finished = None

    def _settle(self) -> None:
        """End a run in memory: refuse a case grown past its limits, then serialize it and compute the due dates."""
        self._forget_found()  # found again on the workflow as the run left it
        total = 0
        for data in self._all_data():
            try:
                total += weigh(data, min(MAX_CASE_DATA, MAX_STATE_BYTES - total))
            except BudgetExceeded as exc:
                raise self._refused(BudgetExceeded(
                    f"dữ liệu hồ sơ lớn quá {MAX_CASE_DATA:,} ký tự hoặc trạng thái quá "
                    f"{MAX_STATE_BYTES // (1024 * 1024)} MB ({exc})".replace(",", "."))) from exc
        if self._dump is not None and self._eager_state:
            _ = self.state
        self.ready_tasks()

    def _all_data(self) -> Iterator[dict[str, Any]]:
        workflows = [self.workflow, *self.workflow.subprocesses.values()]
        for workflow in workflows:
            yield workflow.data
            for task in workflow.tasks.values():
                yield task.data

    def _refused(self, exc: BudgetExceeded) -> EngineError:
        """The run's step refused for a limit of the whole case: the officer's task, else the last one run."""
        spec = getattr(self._acting, "task_spec", None)
        element = getattr(spec, "bpmn_id", None) or (self.steps[-1] if self.steps else None)
        name = getattr(spec, "bpmn_name", None) or self.process.element_names.get(element or "", element)
        where = f" ở bước «{name}»" if name else ""
        return EngineError(
            f"Quy trình không thực hiện được{where}: {exc}. Hồ sơ giữ nguyên; sự cố đã được ghi lại để cán bộ "
            "phân tích quy trình kiểm tra.", details={"element": element, "line": None, "error": str(exc)[:1000]})

    def _advance(self) -> None:
        def record(task: Task) -> None:
            if task.task_spec.bpmn_id:
                self.steps.append(task.task_spec.bpmn_id)
            self._completed[task.task_spec.name] += 1
            try:
                if len(self.steps) > MAX_RUN_STEPS:
                    raise BudgetExceeded(f"quy trình chạy quá {MAX_RUN_STEPS:,} bước liền nhau".replace(",", "."))
                if self._completed[task.task_spec.name] > MAX_INSTANCES + 1:  # a loop of script tasks spinning
                    raise BudgetExceeded(f"một bước lặp quá {MAX_INSTANCES} lần trong một lần xử lý")
                check_run_clock()
            except BudgetExceeded as exc:
                raise WorkflowTaskException(str(exc), task=task, exception=exc) from exc

        self._data = None
        self._forget_found()
        with self._translated(None), engine_time(self.now):
            self.workflow.do_engine_steps(did_complete_task=record)
        self._collect_thrown_events()
        if self.workflow.is_completed() and any(
            t.state & TaskState.NOT_FINISHED_MASK for t in self.workflow.tasks.values()
        ):
            # SpiffWorkflow's task iterator stops at depth 1000 and would call a deep case finished.
            raise EngineError(
                "Hồ sơ có lịch sử quá dài cho bộ máy quy trình (vòng lặp bằng cổng rẽ nhánh); "
                "hãy mô hình hóa bằng vòng lặp chuẩn (standard loop) hoặc hồ sơ con.",
                details={"error": "task tree depth limit"},
            )

    def _collect_thrown_events(self) -> None:
        """Escalations nobody in the diagram catches are the host's to raise (deadline passed)."""
        for event in self.workflow.get_events():
            definition = event.event_definition
            if isinstance(definition, EscalationEventDefinition):
                code = str(definition.code or definition.name)
                payload = event.payload if isinstance(event.payload, dict) else {}
                subject, deadline = payload.get("subject"), payload.get("deadline")
                self.escalations.append(Escalated(
                    code, self.process.escalation_names.get(code, code),
                    subject=str(subject) if subject else None, deadline=str(deadline) if deadline else None,
                ))

    def _ready_user_tasks(self) -> list[Task]:
        """The ready user tasks, found once per change: the case data, the due dates and the save all ask
        (a walk of the whole task tree each time); every change of the workflow forgets them."""
        if self._ready_found is None:
            tasks = self.workflow.get_tasks(state=TaskState.READY, manual=True)
            self._ready_found = [t for t in tasks if t.task_spec.bpmn_id in self.process.user_tasks]
        return list(self._ready_found)

    def _find_ready(self, task_id: str) -> Task:
        try:
            task = self.workflow.get_task_from_id(UUID(task_id))
        except (ValueError, TaskNotFoundException) as exc:
            raise NotFound("Không tìm thấy bước công việc.") from exc
        if task is None:
            raise NotFound("Không tìm thấy bước công việc.")
        if task.state != TaskState.READY or task.task_spec.bpmn_id not in self.process.user_tasks:
            raise TaskNotReady()
        return task

    def _info(self, task: Task) -> UserTaskInfo:
        return self.process.user_tasks[task.task_spec.bpmn_id]

    def _due_on(self, task: Task) -> str | None:
        expression = self._info(task).due_expression
        if not expression:
            return None
        with self._translated(task):
            value = self.workflow.script_engine.evaluate(task, expression)
        return str(value) if value else None

    @contextmanager
    def _translated(self, task: Task | None) -> Iterator[None]:
        """Any failure of the diagram's code or of SpiffWorkflow on it is a 422 naming the step, never a 500."""
        try:
            yield
        except AppError:
            raise
        except Exception as exc:  # a diagram can make SpiffWorkflow raise anything
            violation = _rule_violation(exc)
            if violation is not None:
                raise FormValidationError(fields={violation.field: violation.message}) from exc
            raise _engine_error(exc, task, self.process.element_names) from exc


def _event_branch(task: Task) -> str | None:
    """The id of the innermost event subprocess holding ``task`` (``None`` outside any)."""
    top = task.workflow.top_workflow
    workflow = task.workflow
    while workflow is not top:
        parent = top.get_task_from_id(workflow.parent_task_id)
        if _is_event_subprocess(parent):
            return str(parent.id)
        workflow = parent.workflow
    return None


def _is_event_subprocess(task: Task) -> bool:
    """Whether the task runs an event subprocess: one its process starts on an event (a trigger spec)."""
    start = getattr(task.workflow.spec, "start", None)
    return getattr(task.task_spec, "spec", None) in getattr(start, "trigger_specs", ())


def _organisation(task: Task) -> str | None:
    """The organisation a task is for, when the diagram routes it (a DMN output or a script).

    Read from the task's own data, so each instance of a multi-instance activity (one per unit)
    goes to its own organisation.
    """
    value = task.data.get(ORGANISATION_VARIABLE)
    return value if isinstance(value, str) and value else None


def _rule_violation(exc: BaseException) -> RuleViolation | None:
    """Find a ``require`` failure however deep SpiffWorkflow wrapped it."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, RuleViolation):
            return seen
        seen = getattr(seen, "exception", None) or seen.__cause__ or seen.__context__
    return None


def _engine_error(exc: Exception, task: Task | None, names: dict[str, str]) -> EngineError:
    """A Vietnamese sentence for the officer; the interpreter's own words only in ``details`` (for the analysts)."""
    spec = getattr(getattr(exc, "task", None) or task, "task_spec", None)
    element = getattr(spec, "bpmn_id", None) or getattr(exc, "id", None)
    name = getattr(spec, "bpmn_name", None) or names.get(element or "") or element  # a loop's own spec has no name
    line = getattr(exc, "line_number", None)
    where = f" ở bước «{name}»" if name else ""
    budget = _cause(exc, BudgetExceeded)
    reason = f": {budget}" if budget is not None else " do lỗi trong biểu thức của sơ đồ"
    return EngineError(
        f"Quy trình không thực hiện được{where}{reason}. Hồ sơ giữ nguyên; sự cố đã được ghi lại để cán bộ "
        "phân tích quy trình kiểm tra.",
        details={"element": element, "line": line, "error": str(exc)[:1000]},
    )


def _cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return seen
        seen = getattr(seen, "exception", None) or seen.__cause__ or seen.__context__
    return None

