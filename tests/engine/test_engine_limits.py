"""Limits of SpiffWorkflow the engine wrapper must not hide."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.engine import Engine, LegalCalendar, compile_process
from app.errors import EngineError, UnsafeDiagram

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
