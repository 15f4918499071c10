"""Bounds on what SpiffWorkflow itself does with what a diagram gives it: instances, loops and timers.

The budget (``app.engine.budget``) bounds diagram code; SpiffWorkflow then acts on its results. It makes
one task per instance of a multi-instance activity (``loopCardinality`` or the input collection), all at
once for a parallel one; repeats a standard loop up to its ``loopMaximum``; and parses timer values with
code that loops month by month or cycles without end (``app.engine.timers.check_timer_value``). So:

- at deploy, ``check_constants`` refuses a constant cardinality or a ``loopMaximum`` past
  ``MAX_INSTANCES`` and a constant timer value that is not a bounded ISO 8601 date, duration or cycle;
- at run time, ``check_result`` (called by the script engine on every value it evaluates) applies the
  same checks to a computed cardinality or timer value, and the multi-instance specs the parser makes
  (``BoundedBpmnParser``) refuse an input collection past ``MAX_INSTANCES`` before making its tasks.

A refusal is a ``WorkflowTaskException`` naming the task, which the engine turns into a 422 naming the step.
"""

from __future__ import annotations

import ast
from typing import Any, ClassVar

from lxml import etree
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.specs.defaults import ParallelMultiInstanceTask, SequentialMultiInstanceTask
from SpiffWorkflow.task import Task

from app.engine.budget import MAX_INSTANCES, BudgetExceeded
from app.engine.pyast import AST_LOCK
from app.engine.timers import TimerValueError, check_timer_value, engine_now
from app.errors import DiagramError

_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


class LimitExceeded(BudgetExceeded):
    """A diagram asked SpiffWorkflow for more than it may do (instances, a timer value)."""


def check_cardinality(value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_INSTANCES:
        raise LimitExceeded(f"số lần lặp của hoạt động nhiều phiên bản phải là số nguyên từ 0 đến {MAX_INSTANCES}, "
                            f"không phải {str(value)[:40]!r}")


def _timer_kind(definition: TimerEventDefinition) -> str:
    if isinstance(definition, CycleTimerEventDefinition):
        return "timeCycle"
    return "timeDuration" if isinstance(definition, DurationTimerEventDefinition) else "timeDate"


def _timers(spec: Any) -> list[TimerEventDefinition]:
    pending, found = [getattr(spec, "event_definition", None)], []
    while pending:
        definition = pending.pop()
        if isinstance(definition, TimerEventDefinition):
            found.append(definition)
        pending.extend(getattr(definition, "event_definitions", None) or [])
    return found


def check_result(task: Task, expression: str, value: Any) -> None:
    """Refuse a value SpiffWorkflow is about to act on without bound: a cardinality, a timer's value."""
    spec = task.task_spec
    try:
        if isinstance(spec, MultiInstanceTask) and expression == spec.cardinality:
            check_cardinality(value)
        for definition in _timers(spec):
            if definition.expression == expression:
                check_timer_value(_timer_kind(definition), value, engine_now())
    except (BudgetExceeded, TimerValueError) as exc:
        limit = LimitExceeded(str(exc))
        raise WorkflowTaskException(str(exc), task=task, exception=limit) from limit


# -- input collections --------------------------------------------------------------------------------

def _check_collection(spec: MultiInstanceTask, my_task: Task) -> None:
    """Refuse an input collection past ``MAX_INSTANCES`` before SpiffWorkflow makes a task for each item."""
    if spec.data_input is not None and spec.data_input.exists(my_task):
        collection = spec.data_input.get(my_task)
        size = len(collection) if hasattr(collection, "__len__") else MAX_INSTANCES + 1
        if size > MAX_INSTANCES:
            limit = LimitExceeded(f"hoạt động nhiều phiên bản nhận {size} phần tử, quá {MAX_INSTANCES}")
            raise WorkflowTaskException(str(limit), task=my_task, exception=limit) from limit


class BoundedParallelMultiInstanceTask(ParallelMultiInstanceTask):
    def create_children(self, my_task: Task) -> None:
        _check_collection(self, my_task)
        super().create_children(my_task)


class BoundedSequentialMultiInstanceTask(SequentialMultiInstanceTask):
    def init_remaining_items(self, my_task: Task) -> Any:
        _check_collection(self, my_task)
        return super().init_remaining_items(my_task)


def _bounded(parser_class: type) -> type:
    return type(parser_class.__name__, (parser_class,), {
        "PARALLEL_MI_CLASS": BoundedParallelMultiInstanceTask,
        "SEQUENTIAL_MI_CLASS": BoundedSequentialMultiInstanceTask,
    })


class BoundedBpmnParser(SpiffBpmnParser):
    """SpiffWorkflow's parser, making multi-instance tasks that bound their input collections."""

    OVERRIDE_PARSER_CLASSES: ClassVar[dict[str, tuple[type, type]]] = {tag: (_bounded(parser), spec)
                               for tag, (parser, spec) in SpiffBpmnParser.OVERRIDE_PARSER_CLASSES.items()}


# -- at deploy ------------------------------------------------------------------------------------------

def _owner(node: etree._Element) -> str:
    while node is not None and not node.get("id"):
        node = node.getparent()
    return str(node.get("id")) if node is not None else "?"


def _refuse(node: etree._Element, path: str, reason: str) -> DiagramError:
    element = _owner(node)
    return DiagramError(f"Phần tử «{element}» của {path} bị từ chối: {reason}.",
                        details={"file": path, "element": element, "line": node.sourceline})


def _constant(text: str | None) -> tuple[bool, Any]:
    try:
        with AST_LOCK:
            return True, ast.literal_eval((text or "").strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


def check_constants(tree: etree._ElementTree, path: str) -> None:
    """Refuse what can be seen without running anything: constant cardinalities, loop maxima and timer values."""
    root = tree.getroot()
    for node in root.iter(f"{_BPMN}loopCardinality"):
        constant, value = _constant(node.text)
        if constant:
            try:
                check_cardinality(value)
            except LimitExceeded as exc:
                raise _refuse(node, path, str(exc)) from exc
    for node in root.iter(f"{_BPMN}standardLoopCharacteristics"):
        maximum = node.get("loopMaximum")
        if maximum is not None and not (maximum.strip().isascii() and maximum.strip().isdigit()
                                        and int(maximum) <= MAX_INSTANCES):
            raise _refuse(node, path, f"loopMaximum phải là số nguyên từ 0 đến {MAX_INSTANCES}")
    for kind in ("timeDate", "timeDuration", "timeCycle"):
        for node in root.iter(f"{_BPMN}{kind}"):
            constant, value = _constant(node.text)
            if constant:
                try:
                    check_timer_value(kind, value)
                except TimerValueError as exc:
                    raise _refuse(node, path, str(exc)) from exc
