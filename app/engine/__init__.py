"""The engine: SpiffWorkflow, the sandbox, the legal calendar and forms. No Flask, no database.

``Engine`` is handed its collaborators (calendar, clock) and caches compiled processes per
deployment, which are immutable; it holds no other state.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from app.clock import local_date
from app.engine.calendar import LegalCalendar
from app.engine.forms import validate_form
from app.engine.instance import ReadyTask, WorkflowRun
from app.engine.migration import MovePlan, MoveRefused, SpecDiffs, move, plan_move
from app.engine.process import CompiledProcess, UserTaskInfo, compile_process
from app.engine.sandbox import RestrictedScriptEngine
from app.engine.script_globals import script_globals
from app.engine.serializer import SERIALIZER_VERSION, StateSerializer

__all__ = [
    "SERIALIZER_VERSION",
    "CompiledProcess",
    "Engine",
    "LegalCalendar",
    "MovePlan",
    "MoveRefused",
    "ReadyTask",
    "UserTaskInfo",
    "WorkflowRun",
    "compile_process",
    "validate_form",
]


class Engine:
    """Parses, runs and serializes workflows for the services layer."""

    def __init__(self, calendar: LegalCalendar, now: Callable[[], datetime]) -> None:
        self.now = now
        self.serializer = StateSerializer()
        self._spec_diffs = SpecDiffs(self.serializer.registry)
        self._processes: dict[Any, CompiledProcess] = {}
        self._compiling = threading.Lock()
        self.use_calendar(calendar)

    def use_calendar(self, calendar: LegalCalendar) -> None:
        """Compute deadlines from now on with ``calendar`` (after an override was added or removed)."""
        self.calendar = calendar
        self.script_engine = RestrictedScriptEngine(
            script_globals(calendar, lambda: local_date(self.now()).isoformat()))

    def process(self, key: Any, process_id: str, files: Callable[[], Mapping[str, str]]) -> CompiledProcess:
        """The compiled process of a deployment, compiled on first use and then cached."""
        compiled = self._processes.get(key)
        if compiled is None:
            with self._compiling:  # a gthread worker's threads compile a deployment once, not once each
                compiled = self._processes.get(key)
                if compiled is None:
                    compiled = compile_process(process_id, files(), check_forms=False)
                    self._processes[key] = compiled
        return compiled

    def start(self, process: CompiledProcess, data: dict[str, Any], *, serialized: bool = True) -> WorkflowRun:
        """A new case in memory; ``serialized`` False: its state is serialized only when saved (``WorkflowRun.start``)."""
        return WorkflowRun.start(process, self.script_engine, self.now, data, self.serializer.dumps,
                                 serialized=serialized)

    def load(self, process: CompiledProcess, state: str) -> WorkflowRun:
        workflow = self.serializer.loads(state, process.spec, process.subprocess_specs)
        return WorkflowRun(process, workflow, self.script_engine, self.now, self.serializer.dumps, state)

    def plan_move(self, run: WorkflowRun, new: CompiledProcess) -> MovePlan:
        """What keeps a case from moving to ``new``, by SpiffWorkflow's diff of the two specs and the case's tasks."""
        return plan_move(self._spec_diffs, run, new)

    def move(self, run: WorkflowRun, new: CompiledProcess, plan: MovePlan) -> WorkflowRun:
        """The case moved onto ``new`` in memory (see ``app.engine.migration``); refused with ``MoveRefused``."""
        return move(run, new, plan, engine=self.script_engine, dump=self.serializer.dumps,
                    load=lambda state: self.serializer.loads(state, new.spec, new.subprocess_specs))

    def dump(self, run: WorkflowRun) -> str:
        """The run's serialized state: computed once per change, refused (EngineError) past ``MAX_STATE_BYTES``."""
        return run.state
