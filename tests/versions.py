"""A version 2 of the complaint process made by editing the shipped files, with the changes it is known to make.

The edits: a task renamed, a user task with its form added after the guidance step (so the flow into
the guidance's end is re-pointed), a field added to the guidance form, a template's bytes changed
(its zip comment: the same document, another file) and a kind's title in ``documents.json``.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile

from app.services import deploy
from app.services.principal import Principal
from app.services.runtime import Runtime

PID = "complaint_second_level"
BPMN = f"processes/{PID}/{PID}.bpmn"
FORMS = f"forms/{PID}"
DOCS = f"processes/{PID}/documents"
ANALYST = Principal(0, "analyst", "Analyst", frozenset({"analyst"}))
RENAMED = "Xem xét thụ lý đơn khiếu nại (bản 2)"
NEW_FORM = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Xác nhận gửi hướng dẫn",
            "type": "object", "additionalProperties": False, "required": ["sent_on"],
            "properties": {"sent_on": {"type": "string", "format": "date", "title": "Ngày gửi"}}}


def version_two(rt: Runtime) -> dict[str, str]:
    files = deploy.read_sources(rt.processes_dir, rt.forms_dir, PID)
    files[BPMN] = _diagram(files[BPMN])
    files[f"{FORMS}/confirm_guidance.schema.json"] = json.dumps(NEW_FORM, ensure_ascii=False)
    files[f"{FORMS}/guide_complainant.schema.json"] = _guidance_form(files[f"{FORMS}/guide_complainant.schema.json"])
    files[f"{DOCS}/receipt.docx"] = _recommented(files[f"{DOCS}/receipt.docx"])
    declaration = json.loads(files[f"{DOCS}/documents.json"])
    declaration["documents"]["receipt"]["title"] += " (bản 2)"
    files[f"{DOCS}/documents.json"] = json.dumps(declaration, ensure_ascii=False)
    return files


def deploy_version_two(rt: Runtime) -> None:
    result = deploy.deploy(rt, ANALYST, PID, version_two(rt))
    assert (result.version, result.created) == (2, True)


def insert_user_task(text: str, *, step: str, name: str, after: str, before: str, flow_in: str, flow_out: str,
                     lane_of: str) -> str:
    """The diagram with a user task ``step`` (form ``<step>.schema.json``) on the flow ``flow_in`` from ``after`` to
    the script task ``before``, in the lane of ``lane_of``; the new flow ``flow_out`` leads on to ``before``."""
    task = (f'<bpmn:userTask id="{step}" name="{name}">\n'
            f'      <bpmn:extensionElements>\n        <spiffworkflow:properties>\n'
            f'          <spiffworkflow:property name="formJsonSchemaFilename" value="{step}.schema.json" />\n'
            f'        </spiffworkflow:properties>\n      </bpmn:extensionElements>\n'
            f'      <bpmn:incoming>{flow_in}</bpmn:incoming>\n      <bpmn:outgoing>{flow_out}</bpmn:outgoing>\n'
            f'    </bpmn:userTask>\n    ')
    anchor = f'<bpmn:scriptTask id="{before}"'
    at = text.index(anchor)
    incoming = text.index(f"<bpmn:incoming>{flow_in}</bpmn:incoming>", at)
    text = (text[:at] + task + text[at:incoming] + f"<bpmn:incoming>{flow_out}</bpmn:incoming>"
            + text[incoming + len(f"<bpmn:incoming>{flow_in}</bpmn:incoming>"):])
    lane_ref = f"<bpmn:flowNodeRef>{lane_of}</bpmn:flowNodeRef>"
    text = text.replace(lane_ref, f"{lane_ref}<bpmn:flowNodeRef>{step}</bpmn:flowNodeRef>", 1)
    flow = f'<bpmn:sequenceFlow id="{flow_in}" sourceRef="{after}" targetRef="{before}" />'
    assert flow in text and lane_ref in text
    return text.replace(flow, f'<bpmn:sequenceFlow id="{flow_in}" sourceRef="{after}" targetRef="{step}" />'
                              f'<bpmn:sequenceFlow id="{flow_out}" sourceRef="{step}" targetRef="{before}" />', 1)


def _diagram(text: str) -> str:
    text = text.replace('name="Xem xét thụ lý đơn khiếu nại"', f'name="{RENAMED}"', 1)
    return insert_user_task(text, step="confirm_guidance", name="Xác nhận đã gửi văn bản hướng dẫn",
                            after="guide_complainant", before="mark_guided", flow_in="flow_to_mark_guided",
                            flow_out="flow_confirmed", lane_of="guide_complainant")


def _guidance_form(text: str) -> str:
    schema = json.loads(text)
    schema["properties"]["guidance"]["properties"]["signer"] = {"type": "string", "title": "Người ký", "maxLength": 200}
    return json.dumps(schema, ensure_ascii=False)


def _recommented(encoded: str) -> str:
    """The same template in a zip that differs by its comment: other bytes, the same document."""
    buffer = io.BytesIO(base64.b64decode(encoded))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.comment = b"version 2"
    return base64.b64encode(buffer.getvalue()).decode("ascii")
