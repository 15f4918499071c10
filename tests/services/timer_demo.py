"""Deploy and drive the small timer fixture (tests/fixtures/timer_demo) through the services."""

from __future__ import annotations

from pathlib import Path

from app.services import cases, deploy
from app.services.principal import Principal
from app.services.runtime import Runtime

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "timer_demo"
ANALYST = Principal(0, "analyst", "Analyst", frozenset({"analyst"}))
RESOLVER = Principal(0, "resolver", "Resolver", frozenset({"resolver"}))


def _files() -> dict[str, str]:
    return {f"{'processes' if p.suffix == '.bpmn' else 'forms'}/timer_demo/{p.name}": p.read_text(encoding="utf-8")
            for p in FIXTURE.iterdir()}


def deploy_timer_demo(rt: Runtime) -> None:
    deploy.deploy(rt, ANALYST, "timer_demo", _files())


def deploy_with_script(rt: Runtime, script: str, name: str = "Tính toán") -> None:
    """The fixture with a script task ``script`` between its timer and its escalation, as a new deployment."""
    files = _files()
    bpmn = "processes/timer_demo/timer_demo.bpmn"
    files[bpmn] = files[bpmn].replace(
        '<bpmn:sequenceFlow id="f3" sourceRef="demo_overdue_timer" targetRef="demo_overdue_raised"/>',
        '<bpmn:sequenceFlow id="f3" sourceRef="demo_overdue_timer" targetRef="script"/>'
        f'<bpmn:scriptTask id="script" name="{name}"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>'
        '<bpmn:sequenceFlow id="f3b" sourceRef="script" targetRef="demo_overdue_raised"/>')
    assert deploy.deploy(rt, ANALYST, "timer_demo", files).created


def deploy_with_side_task(rt: Runtime) -> None:
    """The fixture with a second officer's task ``side`` in parallel with ``handle`` (whose timer stays due)."""
    files = _files()
    bpmn = "processes/timer_demo/timer_demo.bpmn"
    form = ('<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property '
            'name="formJsonSchemaFilename" value="handle.schema.json"/></spiffworkflow:properties>'
            '</bpmn:extensionElements>')
    files[bpmn] = files[bpmn].replace(
        '<bpmn:flowNodeRef>done</bpmn:flowNodeRef>',
        '<bpmn:flowNodeRef>done</bpmn:flowNodeRef><bpmn:flowNodeRef>split</bpmn:flowNodeRef>'
        '<bpmn:flowNodeRef>side</bpmn:flowNodeRef><bpmn:flowNodeRef>side_done</bpmn:flowNodeRef>').replace(
        '<bpmn:sequenceFlow id="f1" sourceRef="received" targetRef="handle"/>',
        '<bpmn:sequenceFlow id="f1" sourceRef="received" targetRef="split"/>'
        '<bpmn:parallelGateway id="split" name="Tách"/>'
        '<bpmn:sequenceFlow id="f1a" sourceRef="split" targetRef="handle"/>'
        '<bpmn:sequenceFlow id="f1b" sourceRef="split" targetRef="side"/>'
        f'<bpmn:userTask id="side" name="Việc song song">{form}</bpmn:userTask>'
        '<bpmn:sequenceFlow id="f1c" sourceRef="side" targetRef="side_done"/>'
        '<bpmn:endEvent id="side_done" name="Xong việc song song"/>')
    assert deploy.deploy(rt, ANALYST, "timer_demo", files).created


def start_timer_demo(rt: Runtime, deadline: str) -> int:
    return cases.start_case(rt, RESOLVER, "timer_demo", {"demo_deadline": deadline}).instance.id
