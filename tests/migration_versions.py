"""A version 2 of the complaint process for moving running cases: one step added late, one renamed.

The edits: a clerk's step «Lưu hồ sơ giải quyết» (``archive_case``, with its form) between publishing
the decision and the end, so every case before publication can take it; and the verification step
renamed, which SpiffWorkflow's spec diff reports as changed, so a case waiting on it, or past it,
may not move.
"""

from __future__ import annotations

import json
from typing import Any

from app.services import cases as case_service
from app.services import deploy, tasks, users
from app.services.runtime import Runtime
from tests import cases
from tests.versions import ANALYST, BPMN, FORMS, PID, insert_user_task

NEW_STEP = "archive_case"
NEW_STEP_NAME = "Lưu hồ sơ giải quyết"
VERIFY_NAME = "Xác minh nội dung khiếu nại"
ARCHIVE_FORM = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": NEW_STEP_NAME,
                "type": "object", "additionalProperties": False, "required": ["archived_on"],
                "properties": {"archived_on": {"type": "string", "format": "date", "title": "Ngày lưu"}}}

STEPS: list[tuple[str, str, Any]] = cases.RESOLVED_PATH  # the resolved path: step, role, its data


def migration_version_two(rt: Runtime, *, rename_verify: bool = True) -> dict[str, str]:
    files = deploy.read_sources(rt.processes_dir, rt.forms_dir, PID)
    text = files[BPMN]
    text = insert_user_task(text, step=NEW_STEP, name=NEW_STEP_NAME, after="publish_decision", before="mark_resolved",
                            flow_in="flow_to_mark_resolved", flow_out="flow_archived", lane_of="mark_resolved")
    if rename_verify:
        text = text.replace(f'name="{VERIFY_NAME}"', f'name="{VERIFY_NAME} (bản 2)"', 1)
    assert text.count(NEW_STEP) >= 4
    files[BPMN] = text
    files[f"{FORMS}/{NEW_STEP}.schema.json"] = json.dumps(ARCHIVE_FORM, ensure_ascii=False)
    return files


def deploy_migration_version_two(rt: Runtime, **changes: Any) -> int:
    result = deploy.deploy(rt, ANALYST, PID, migration_version_two(rt, **changes))
    assert result.created
    return result.version


def advance(rt: Runtime, instance_id: int, until: str) -> None:
    """Complete the resolved path's steps in order, from the one waiting now, until ``until`` is the step waiting."""
    current = ready(rt, instance_id)[0].bpmn_id
    for step, role, data in STEPS[[s for s, _, _ in STEPS].index(current):]:
        waiting = ready(rt, instance_id)
        assert waiting and waiting[0].bpmn_id == step, (waiting, step)
        if step == until:
            return
        tasks.complete_task(rt, users.authenticate_password(rt, role, "demo"), waiting[0].id, data())
    raise AssertionError(until)


def ready(rt: Runtime, instance_id: int) -> list[Any]:
    auditor = users.authenticate_password(rt, "auditor", "demo")
    return list(case_service.get_case(rt, auditor, instance_id).tasks)


def without_guidance(rt: Runtime) -> dict[str, str]:
    """A version without the guidance step: a petition outside the competence goes straight to «đã hướng dẫn»."""
    files = deploy.read_sources(rt.processes_dir, rt.forms_dir, PID)
    text = files[BPMN]
    start = text.index('<bpmn:userTask id="guide_complainant"')
    text = text[:start] + text[text.index("</bpmn:userTask>", start) + len("</bpmn:userTask>"):]
    for drop in (r'<bpmn:flowNodeRef>guide_complainant</bpmn:flowNodeRef>',
                 '<bpmn:sequenceFlow id="flow_to_mark_guided" sourceRef="guide_complainant" targetRef="mark_guided" />'):
        assert drop in text
        text = text.replace(drop, "", 1)
    text = text.replace('sourceRef="is_competent" targetRef="guide_complainant"',
                        'sourceRef="is_competent" targetRef="mark_guided"', 1)
    text = text.replace("<bpmn:incoming>flow_to_mark_guided</bpmn:incoming>",
                        "<bpmn:incoming>flow_not_competent</bpmn:incoming>", 1)
    for shape in ('<bpmndi:BPMNShape id="guide_complainant_di"', '<bpmndi:BPMNEdge id="flow_to_mark_guided_di"'):
        start = text.index(shape)
        closing = "</bpmndi:BPMNShape>" if "Shape" in shape else "</bpmndi:BPMNEdge>"
        text = text[:start] + text[text.index(closing, start) + len(closing):]
    assert "guide_complainant" not in text
    files[BPMN] = text
    for suffix in ("schema.json", "uischema.json"):
        files.pop(f"{FORMS}/guide_complainant.{suffix}", None)
    return files
