"""Limits of SpiffWorkflow the engine wrapper must not hide, and the bounds it puts on what a diagram asks of it."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from app.engine import Engine, LegalCalendar, compile_process
from app.engine.budget import MAX_INSTANCES, MAX_STATE_BYTES
from app.errors import DiagramError, EngineError, UnsafeDiagram

START_FORM = '{"type": "object", "additionalProperties": false, "properties": {}}'


def _loop(condition: str, loop_element: str = "") -> dict[str, str]:
    bpmn = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="loop" name="Vòng lặp" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="admin" name="Quản trị">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>count</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>again</bpmn:flowNodeRef><bpmn:flowNodeRef>done</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start" name="Bắt đầu"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formJsonSchemaFilename" value="start.schema.json"/>
    </spiffworkflow:properties></bpmn:extensionElements></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="count"/>
    <bpmn:scriptTask id="count" name="Đếm">{loop_element}<bpmn:script>n = n + 1 if n else 1</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="count" targetRef="again"/>
    <bpmn:exclusiveGateway id="again" name="Lặp?" default="f4"/>
    <bpmn:sequenceFlow id="f3" sourceRef="again" targetRef="count">
      <bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="again" targetRef="done"/>
    <bpmn:endEvent id="done" name="Xong"/>
  </bpmn:process>
</bpmn:definitions>"""
    return {"processes/loop/loop.bpmn": bpmn, "forms/loop/start.schema.json": START_FORM}


def _engine() -> Engine:
    return Engine(LegalCalendar(), now=lambda: datetime(2021, 3, 1, 2, tzinfo=UTC))


def test_a_short_gateway_loop_runs_to_its_end() -> None:
    run = _engine().start(compile_process("loop", _loop("n &lt; 50")), {"n": 0})
    assert run.completed and run.data["n"] == 50


def test_a_case_deeper_than_the_engine_can_track_is_an_error_not_a_silent_end() -> None:
    process = compile_process("loop", _loop("n &lt; 5000"))
    with pytest.raises(EngineError, match="lịch sử quá dài"):
        _engine().start(process, {"n": 0})


def test_loop_conditions_are_vetted_at_deploy() -> None:
    escape = ("<bpmn:standardLoopCharacteristics><bpmn:loopCondition>().__class__</bpmn:loopCondition>"
              "</bpmn:standardLoopCharacteristics>")
    with pytest.raises(UnsafeDiagram):
        compile_process("loop", _loop("False", loop_element=escape))


# -- what SpiffWorkflow does with a diagram's values: instances, loops, timers, the size of a case ----------

def _diagram(body: str, script: str = "n = 1", after: str = "", wait: str = "") -> dict[str, str]:
    """start → script task ``s`` (with ``body`` inside it, e.g. loop characteristics) → user task ``wait``
    (``wait`` inside it, ``after`` after it, e.g. a boundary timer on it) → end."""
    bpmn = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="p" name="Giới hạn" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="admin" name="Quản trị">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>s</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>wait</bpmn:flowNodeRef><bpmn:flowNodeRef>done</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start" name="Bắt đầu"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formJsonSchemaFilename" value="start.schema.json"/>
    </spiffworkflow:properties></bpmn:extensionElements></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="s"/>
    <bpmn:scriptTask id="s" name="Tính">{body}<bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="s" targetRef="wait"/>
    <bpmn:userTask id="wait" name="Chờ"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formJsonSchemaFilename" value="start.schema.json"/>
    </spiffworkflow:properties></bpmn:extensionElements>{wait}</bpmn:userTask>{after}
    <bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="done"/>
    <bpmn:endEvent id="done" name="Xong"/>
  </bpmn:process>
</bpmn:definitions>"""
    return {"processes/p/p.bpmn": bpmn, "forms/p/start.schema.json": START_FORM}


def _timer(kind: str, expression: str) -> str:
    return (f'<bpmn:boundaryEvent id="late" name="Quá hạn" attachedToRef="wait" cancelActivity="false">'
            f'<bpmn:timerEventDefinition><bpmn:{kind}>{expression}</bpmn:{kind}></bpmn:timerEventDefinition>'
            f'</bpmn:boundaryEvent>')


def _multi(inner: str, sequential: bool = False) -> str:
    flag = ' isSequential="true"' if sequential else ""
    return f"<bpmn:multiInstanceLoopCharacteristics{flag}>{inner}</bpmn:multiInstanceLoopCharacteristics>"


def _refused_at_once(files: dict[str, str], data: dict[str, object] | None = None) -> EngineError:
    process = compile_process("p", files)
    started = time.thread_time()
    with pytest.raises(EngineError) as refused:
        _engine().start(process, data or {})
    assert time.thread_time() - started < 1.0, "refused at once, not after doing the work"
    return refused.value


@pytest.mark.parametrize(("body", "named"), [
    (_multi("<bpmn:loopCardinality>20000</bpmn:loopCardinality>"), "loopCardinality"),
    (_multi("<bpmn:loopCardinality>20000</bpmn:loopCardinality>", sequential=True), "nhiều phiên bản"),
    ('<bpmn:standardLoopCharacteristics loopMaximum="1000000"/>', "loopMaximum"),
])
def test_a_constant_count_of_instances_or_loops_past_the_limit_is_refused_at_deploy(body: str, named: str) -> None:
    with pytest.raises(DiagramError, match="«s»") as refused:
        compile_process("p", _diagram(body))
    assert str(MAX_INSTANCES) in refused.value.message and refused.value.details["element"] == "s"


@pytest.mark.parametrize("body", [
    _multi("<bpmn:loopCardinality>n</bpmn:loopCardinality>"),
    _multi("<bpmn:loopCardinality>n</bpmn:loopCardinality>", sequential=True),
    _multi("<bpmn:loopDataInputRef>items</bpmn:loopDataInputRef>"),
    _multi("<bpmn:loopDataInputRef>items</bpmn:loopDataInputRef>", sequential=True),
])
def test_a_computed_count_of_instances_past_the_limit_is_refused_at_run_time_naming_the_step(body: str) -> None:
    files = _diagram("", script="n = 20000\nitems = list(range(n))", wait=body)
    refused = _refused_at_once(files)
    assert "ở bước «Chờ»" in refused.message and str(MAX_INSTANCES) in refused.message


def test_as_many_instances_as_the_limit_allows_still_run() -> None:
    files = _diagram(_multi(f"<bpmn:loopCardinality>{MAX_INSTANCES}</bpmn:loopCardinality>"))
    assert _engine().start(compile_process("p", files), {}).ready_tasks()[0].info.bpmn_id == "wait"


def test_a_standard_loop_that_never_ends_is_stopped_naming_its_step() -> None:
    files = _diagram("<bpmn:standardLoopCharacteristics><bpmn:loopCondition>True</bpmn:loopCondition>"
                     "</bpmn:standardLoopCharacteristics>")
    started = time.thread_time()
    with pytest.raises(EngineError, match="ở bước «Tính»: một bước lặp quá 500 lần"):
        _engine().start(compile_process("p", files), {})
    assert time.thread_time() - started < 1.0


TIMER_VALUES = [  # the values of the attack, and their kind
    ("timeDuration", '"P100000000M"'), ("timeCycle", '"R/PT0S"'), ("timeDuration", '"P99999999999D"'),
    ("timeDate", '"9999-12-31T23:59:59-14:00"'), ("timeDate", '"not a date"'), ("timeDate", "12345"),
    ("timeDuration", '"P1.5Y"'), ("timeCycle", '"R5/PT1S"'), ("timeCycle", '"R100000/PT1H"'),
    ("timeDate", '"1900-01-01T00:00:00+07:00"'), ("timeDate", '"2021-W01-1"'), ("timeDuration", '"P200Y"'),
]


@pytest.mark.parametrize(("kind", "value"), TIMER_VALUES)
def test_a_constant_timer_value_spiffworkflow_cannot_wait_for_is_refused_at_deploy(kind: str, value: str) -> None:
    with pytest.raises(DiagramError, match="«late»") as refused:
        compile_process("p", _diagram("", after=_timer(kind, value)))
    assert refused.value.details["element"] == "late"


@pytest.mark.parametrize(("kind", "value"), TIMER_VALUES)
def test_a_computed_timer_value_spiffworkflow_cannot_wait_for_is_a_clear_refusal_at_run_time(kind: str,
                                                                                            value: str) -> None:
    refused = _refused_at_once(_diagram("", script=f"when = {value}", after=_timer(kind, "when")))
    assert "ở bước «Quá hạn»" in refused.message and refused.details["element"] == "late"


@pytest.mark.parametrize(("kind", "value"), [("timeDuration", '"P30D"'), ("timeDuration", '"PT12H"'),
                                             ("timeDate", '"2021-03-04T00:00:00+07:00"'), ("timeCycle", '"R3/P1D"')])
def test_sane_timers_still_wait(kind: str, value: str) -> None:
    run = _engine().start(compile_process("p", _diagram("", script=f"when = {value}", after=_timer(kind, "when"))), {})
    due = run.next_timer_at()
    assert due is not None and datetime(2021, 3, 1, tzinfo=UTC) < due < datetime(2021, 4, 1, tzinfo=UTC)


def test_a_script_leaving_more_data_than_a_case_may_keep_is_refused_before_anything_is_kept() -> None:
    script = "parts = [str(i) + 'x' * 99990 for i in range(25)]"  # 2.5 million characters, each string allowed
    refused = _refused_at_once(_diagram("", script=script))
    assert "ở bước «Tính»" in refused.message and "2.000.000" in refused.message


def test_a_case_whose_state_grows_past_its_limit_is_refused_naming_the_step() -> None:
    """Each task keeps its own copy of the data: 200 instances of 100,000 characters are 20 MB of state."""
    files = _diagram("", script="blob = 'x' * 99000", wait=_multi("<bpmn:loopCardinality>200</bpmn:loopCardinality>"))
    refused = _refused_at_once(files)
    assert "trạng thái quá 16 MB" in refused.message and "ở bước «" in refused.message
    assert MAX_STATE_BYTES == 16 * 1024 * 1024


def test_the_serialized_state_is_measured_once_and_reused_for_the_save() -> None:
    engine = _engine()
    run = engine.start(compile_process("p", _diagram("")), {})
    assert engine.dump(run) is engine.dump(run) and len(engine.dump(run)) < MAX_STATE_BYTES
