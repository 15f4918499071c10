"""Moving a running workflow onto another version in the engine alone (no Flask, no database), state round-tripped."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from app.clock import FrozenClock
from app.engine import CompiledProcess, Engine, MoveRefused, WorkflowRun, compile_process, migration
from app.errors import EngineError
from app.services.deploy import read_sources
from app.services.runtime import Runtime
from tests import cases
from tests.migration_versions import NEW_STEP, VERIFY_NAME, migration_version_two
from tests.versions import PID

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def versions() -> tuple[CompiledProcess, CompiledProcess]:
    files = cast(Runtime, SimpleNamespace(processes_dir=ROOT / "processes", forms_dir=ROOT / "forms"))
    return (compile_process(PID, read_sources(ROOT / "processes", ROOT / "forms", PID)),
            compile_process(PID, migration_version_two(files)))


def _run_until(engine: Engine, clock: FrozenClock, process: CompiledProcess, until: str) -> WorkflowRun:
    petition = cases.petition()
    clock.set(cases.office_hours_of(petition, clock.now()))
    run = engine.start(process, petition)
    for step, _, data in cases.RESOLVED_PATH:
        [task] = run.ready_tasks()
        assert task.info.bpmn_id == step
        if step == until:
            break
        payload = data()
        clock.set(cases.office_hours_of(payload, clock.now()))
        run.complete(task.id, payload)
        run = engine.load(process, engine.dump(run))
    return run


def _complete(engine: Engine, clock: FrozenClock, process: CompiledProcess, run: WorkflowRun, data: dict[str, Any]
              ) -> WorkflowRun:
    [task] = run.ready_tasks()
    clock.set(cases.office_hours_of(data, clock.now()))
    run.complete(task.id, data)
    return engine.load(process, engine.dump(run))


def test_a_case_before_the_changes_moves_keeps_its_task_and_takes_the_new_step(
        engine: Engine, clock: FrozenClock, versions: tuple[CompiledProcess, CompiledProcess]) -> None:
    old, new = versions
    run = _run_until(engine, clock, old, "review_acceptance")
    [waiting] = run.ready_tasks()
    due = run.next_timer_at()
    clock.set(datetime(2021, 2, 20, 2, tzinfo=UTC))  # before the acceptance deadline (03/03), whatever the wall clock says
    plan = engine.plan_move(run, new)
    assert plan.movable and plan.obstacles == []

    moved = engine.move(run, new, plan)

    moved = engine.load(new, engine.dump(moved))  # the spec-less state reloads against the new version's spec
    [task] = moved.ready_tasks()
    assert (task.id, task.info.bpmn_id, task.due_on) == (waiting.id, "review_acceptance", waiting.due_on)
    assert due is not None and moved.next_timer_at() == due and moved.escalations == []  # the reset timer still waits
    for step, _, data in cases.RESOLVED_PATH:
        assert moved.ready_tasks()[0].info.bpmn_id == step
        moved = _complete(engine, clock, new, moved, data())
    [archive] = moved.ready_tasks()
    assert (archive.info.bpmn_id, archive.info.role, archive.info.form) == (NEW_STEP, "clerk", f"{NEW_STEP}.schema.json")
    moved = _complete(engine, clock, new, moved, {"archived_on": "2021-04-20"})
    assert moved.completed and moved.data["outcome"] == "resolved"


@pytest.mark.parametrize(("until", "sentence"), [
    ("verify_complaint", f"Bước “{VERIFY_NAME}” (verify_complaint) đang chờ xử lý đã bị thay đổi trong phiên bản 2."),
    ("submit_verification_report",
     f"Bước “{VERIFY_NAME}” (verify_complaint) đã hoàn thành nhưng đã bị thay đổi trong phiên bản 2."),
])
def test_a_case_on_or_past_a_changed_step_is_refused_and_left_as_it_was(
        engine: Engine, clock: FrozenClock, versions: tuple[CompiledProcess, CompiledProcess], until: str,
        sentence: str) -> None:
    old, new = versions
    run = _run_until(engine, clock, old, until)
    state = engine.serializer.dumps(run.workflow)

    plan = engine.plan_move(run, new)

    assert not plan.movable and plan.reasons(2) == [sentence]
    with pytest.raises(MoveRefused):
        engine.move(run, new, plan)
    assert engine.serializer.dumps(run.workflow) == state and run.workflow.spec is old.spec


def test_a_version_against_itself_has_nothing_in_the_way(
        engine: Engine, clock: FrozenClock, versions: tuple[CompiledProcess, CompiledProcess]) -> None:
    old, _ = versions
    run = _run_until(engine, clock, old, "record_dialogue")
    assert engine.plan_move(run, old).obstacles == []


def test_the_library_failing_on_a_move_is_a_refusal_not_a_crash(
        engine: Engine, clock: FrozenClock, versions: tuple[CompiledProcess, CompiledProcess],
        monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = versions
    run = _run_until(engine, clock, old, "review_acceptance")
    plan = engine.plan_move(run, new)

    def broken(*_: Any) -> None:
        raise KeyError("task spec")

    monkeypatch.setattr(migration, "migrate_workflow", broken)
    with pytest.raises(EngineError, match=r"Không chuyển được hồ sơ sang phiên bản mới; hồ sơ giữ nguyên\."):
        engine.move(run, new, plan)
