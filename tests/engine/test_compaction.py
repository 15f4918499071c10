"""The saved state leaves finished history out (``app.engine.compaction``): the same case, driven once with
compaction and once without, reads the same at every step; the state stays small however long the case;
older full states still load; a move to another version still sees the done steps left out."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app.clock import FrozenClock
from app.engine import CompiledProcess, Engine, LegalCalendar, WorkflowRun, compile_process
from app.engine.calendar import load_default_overrides
from app.engine.compaction import DONE_KEY
from app.engine.serializer import StateSerializer
from app.services.deploy import read_sources
from bench.common import LOOP_PID, LOOP_STD_PID, loop_payload, model_files
from tests import cases
from tests.compaction import observe
from tests.versions import PID

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def complaint() -> CompiledProcess:
    return compile_process(PID, read_sources(ROOT / "processes", ROOT / "forms", PID))


def _engine(clock: FrozenClock, compacting: bool) -> Engine:
    engine = Engine(LegalCalendar(load_default_overrides()), now=clock.now)
    engine.serializer = StateSerializer(compacting=compacting)
    return engine


class Twin:
    """One case run twice on the same clock, saved and loaded after every step: compacted, and with its whole history."""

    def __init__(self, clock: FrozenClock, process: CompiledProcess, data: dict[str, Any]) -> None:
        self.clock, self.process = clock, process
        self.engines = [_engine(clock, True), _engine(clock, False)]
        self.runs = [self._round_trip(e, e.start(process, data)) for e in self.engines]
        self.compare()

    def _round_trip(self, engine: Engine, run: WorkflowRun) -> WorkflowRun:
        again = engine.load(self.process, engine.dump(run))
        again.escalations = list(run.escalations)  # what the step raised, for the comparison
        return again

    def act(self, bpmn_id: str, data: dict[str, Any]) -> None:
        self.each(lambda run: run.complete(_ready(run, bpmn_id), data))

    def message(self, name: str, payload: dict[str, Any]) -> None:
        self.each(lambda run: run.send_message(name, payload))

    def each(self, action: Callable[[WorkflowRun], Any]) -> None:
        for i, engine in enumerate(self.engines):
            action(self.runs[i])
            self.runs[i] = self._round_trip(engine, self.runs[i])
        self.compare()

    def compare(self) -> None:
        compacted, full = ([_reads(run) for run in self.runs])
        assert compacted == full

    @property
    def states(self) -> list[str]:
        return [engine.dump(run) for engine, run in zip(self.engines, self.runs, strict=True)]


def _ready(run: WorkflowRun, bpmn_id: str) -> str:
    ids = [t.id for t in run.ready_tasks() if t.info.bpmn_id == bpmn_id]
    assert ids, (bpmn_id, [t.info.bpmn_id for t in run.ready_tasks()])
    return ids[0]


def _reads(run: WorkflowRun) -> dict[str, Any]:
    """What the services read from a run, and the engine's view (``observe``) without the task ids."""
    return {
        "ready": [(t.info.bpmn_id, t.due_on, t.organisation, run.task_data(t.id), run.branch_of(t.id) is None)
                  for t in run.ready_tasks()],
        "data": run.data, "next_timer": run.next_timer_at(), "messages": run.waiting_messages(),
        "escalations": run.escalations, "completed": run.completed, "engine": observe(run.workflow, ids=False),
    }


def _case_a(clock: FrozenClock, process: CompiledProcess, petition: dict[str, Any]) -> Twin:
    clock.set(cases.office_hours_of(petition, clock.now()))
    return Twin(clock, process, petition)


def _step(twin: Twin, clock: FrozenClock, bpmn_id: str, payload: dict[str, Any]) -> None:
    clock.set(cases.office_hours_of(payload, clock.now()))
    twin.act(bpmn_id, payload)


def _carried(engine: Engine, clock: FrozenClock, process: CompiledProcess, steps: int) -> WorkflowRun:
    """Case A on one engine through the resolved path's first ``steps`` steps, saved and loaded after each."""
    petition = cases.petition()
    clock.set(cases.office_hours_of(petition, clock.now()))
    run = engine.start(process, petition)
    for bpmn_id, _, payload in cases.RESOLVED_PATH[:steps]:
        data = payload()
        clock.set(cases.office_hours_of(data, clock.now()))
        run.complete(_ready(run, bpmn_id), data)
        run = engine.load(process, engine.dump(run))
    return run


def _message(twin: Twin, clock: FrozenClock, name: str, payload: dict[str, Any]) -> None:
    clock.set(cases.office_hours_of(payload, clock.now()))
    twin.message(name, payload)


def test_case_a_reads_the_same_at_every_step_compacted_or_not(clock: FrozenClock, complaint: CompiledProcess) -> None:
    twin = _case_a(clock, complaint, cases.petition())
    for bpmn_id, _, payload in cases.RESOLVED_PATH:
        _step(twin, clock, bpmn_id, payload())
    assert twin.runs[0].completed and twin.runs[0].data["outcome"] == "resolved"
    compacted, full = twin.states
    assert len(compacted) < len(full)  # something was left out, and nothing read differently


def test_a_late_case_raises_the_same_escalations_compacted_or_not(clock: FrozenClock, complaint: CompiledProcess) -> None:
    twin = _case_a(clock, complaint, cases.petition())
    raised: list[Any] = []
    for bpmn_id, _, payload in cases.RESOLVED_PATH[:4]:
        _step(twin, clock, bpmn_id, payload())
        clock.set(clock.now().replace(year=clock.now().year + 1))  # far past every deadline
        twin.each(lambda run: run.fire_due_timers())
        raised.append(twin.runs[0].escalations)
    assert any(raised)  # the comparison covered timers that fired


def test_a_withdrawal_and_a_2026_suspension_read_the_same_compacted_or_not(
        clock: FrozenClock, complaint: CompiledProcess) -> None:
    twin = _case_a(clock, complaint, cases.petition())
    for bpmn_id, _, payload in cases.RESOLVED_PATH[:2]:
        _step(twin, clock, bpmn_id, payload())
    _message(twin, clock, "withdrawal", cases.withdrawal())
    _step(twin, clock, "issue_termination", cases.termination())
    assert twin.runs[0].completed and twin.runs[0].data["outcome"] == "withdrawn"

    twin = _case_a(clock, complaint, cases.petition_2026())
    for bpmn_id, _, payload in cases.PATH_2026[:3]:
        _step(twin, clock, bpmn_id, payload())
    _message(twin, clock, "suspension", cases.suspension("2026-08-06"))
    _step(twin, clock, "send_suspension_notice", cases.suspension_notice())
    _message(twin, clock, "resumption", cases.resumption("2026-09-14"))
    for bpmn_id, _, payload in cases.PATH_2026[3:]:
        _step(twin, clock, bpmn_id, payload())
    assert twin.runs[0].completed


@pytest.mark.parametrize(("process_id", "twin_until"), [(LOOP_STD_PID, 500), (LOOP_PID, 240)])
def test_a_loop_of_500_entries_reads_the_same_and_its_state_stays_small(
        clock: FrozenClock, process_id: str, twin_until: int) -> None:
    """Compared with the full history as far as SpiffWorkflow runs it (a gateway loop stops near 250 passes)."""
    process = compile_process(process_id, model_files(process_id))
    twin = Twin(clock, process, {"count": 0, "n": 501})
    for i in range(twin_until):
        twin.act("entry", loop_payload(i))
        if i == 4:
            small = len(twin.states[0])
    engine, run = twin.engines[0], twin.runs[0]
    for i in range(twin_until, 500):
        run.complete(_ready(run, "entry"), loop_payload(i))
        run = engine.load(process, engine.dump(run))
    # without compaction the state grew by 500 B (standard loop) to 1.6 kB (gateway loop) per entry
    assert len(engine.dump(run)) < small + 50 * 495
    run.complete(_ready(run, "entry"), loop_payload(500))
    assert run.completed and run.data["entry_amount"] == 500
    if process_id == LOOP_PID:
        assert run.data["count"] == 501


def test_a_gateway_loop_runs_past_the_engines_depth_limit_only_compacted(clock: FrozenClock) -> None:
    process = compile_process(LOOP_PID, model_files(LOOP_PID))
    engines = {True: _engine(clock, True), False: _engine(clock, False)}
    reached = {}
    for compacting, engine in engines.items():
        run = engine.start(process, {"count": 0, "n": 300})
        done = 0
        try:
            while not run.completed and done < 300:
                run.complete(run.ready_tasks()[0].id, loop_payload(done))
                run = engine.load(process, engine.dump(run))
                done += 1
        except Exception as error:  # the engine refuses the deep case (EngineError)
            reached[compacting] = (done, type(error).__name__)
        else:
            reached[compacting] = (done, None)
    assert reached[True] == (300, None)
    assert reached[False][0] < 300 and reached[False][1] == "EngineError"


def test_an_older_full_state_loads_and_its_next_save_is_compacted(clock: FrozenClock, complaint: CompiledProcess) -> None:
    full, compacting = _engine(clock, False), _engine(clock, True)
    old = full.dump(_carried(full, clock, complaint, 5))
    loaded, reference = compacting.load(complaint, old), full.load(complaint, old)
    assert _reads(loaded) == _reads(reference)
    (bpmn_id, _, payload), *rest = cases.RESOLVED_PATH[5:]
    clock.set(cases.office_hours_of(payload(), clock.now()))
    for each in (loaded, reference):  # the next step saves it compacted
        each.complete(_ready(each, bpmn_id), payload())
    again = compacting.load(complaint, compacting.dump(loaded))
    assert _reads(again) == _reads(full.load(complaint, full.dump(reference)))
    assert len(compacting.dump(loaded)) < len(full.dump(reference))
    for bpmn_id, _, payload in rest:
        data = payload()
        clock.set(cases.office_hours_of(data, clock.now()))
        again.complete(_ready(again, bpmn_id), data)
        again = compacting.load(complaint, compacting.dump(again))
    assert again.completed and again.data["outcome"] == "resolved"


def test_a_move_still_sees_the_done_steps_compaction_left_out(clock: FrozenClock, complaint: CompiledProcess) -> None:
    files = read_sources(ROOT / "processes", ROOT / "forms", PID)
    bpmn = f"processes/{PID}/{PID}.bpmn"
    renamed = 'id="determine_competence" name="Xác định thẩm quyền (bản 2)"'
    files[bpmn] = files[bpmn].replace('id="determine_competence" name="Xác định thẩm quyền giải quyết"', renamed, 1)
    assert renamed in files[bpmn]
    new = compile_process(PID, files)
    plans = {}
    for compacting in (True, False):
        engine = _engine(clock, compacting)
        run = _carried(engine, clock, complaint, 2)
        if compacting:  # the business rule task is done and no longer in the state, only its name
            assert not [t for t in run.workflow.tasks.values() if t.task_spec.name == "determine_competence"]
            assert [PID, "determine_competence"] in json.loads(engine.dump(run))[DONE_KEY]
        plans[compacting] = sorted((o.bpmn_id, o.active, o.removed) for o in engine.plan_move(run, new).obstacles)
    assert plans[True] == plans[False] == [("determine_competence", False, False)]


def test_a_waiting_timer_keeps_the_finished_step_it_inherits_from(clock: FrozenClock) -> None:
    """Two branches: a timer waits after a script in one, a person works in the other. The script is
    neither the last task run nor a join's input, only the waiting timer's parent: it must stay."""
    files = {"processes/branch_timer/branch_timer.bpmn":
             (ROOT / "tests/fixtures/compaction/branch_timer.bpmn").read_text(encoding="utf-8")}
    for form in ("loop-start.schema.json", "entry.schema.json"):
        files[f"forms/branch_timer/{form}"] = model_files(LOOP_PID)[f"forms/{LOOP_PID}/{form}"]
    process = compile_process("branch_timer", files)
    twin = Twin(clock, process, {"count": 0, "n": 1})
    compacted = json.loads(twin.states[0])
    assert compacted[DONE_KEY]  # a finished step of the other branch was left out
    assert twin.runs[0].next_timer_at() is not None
    twin.act("entry", loop_payload(1))
    clock.set(clock.now() + timedelta(hours=2))
    twin.each(lambda run: run.fire_due_timers())
    assert twin.runs[0].completed and twin.runs[0].data["b"] == 1 and twin.runs[0].data["c"] == 2
