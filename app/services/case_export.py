"""Export one case as a signed ``.zip`` that proves itself offline (layout: ``app.services.export_check``).

The export is itself an act on the case: a ``case_exported`` event is appended in the same
transaction, before the file is built, so the archive carries its own record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from app.persistence import audit, queries
from app.persistence.models import Attachment, AuditEvent, Document, DocumentVersion, Instance
from app.services import access, export_check
from app.services.access import Right
from app.services.principal import Principal
from app.services.runtime import Runtime
from app.services.state import lock_instance

EXPORTED = "case_exported"


@dataclass(frozen=True)
class CaseExport:
    filename: str
    content: bytes


def export_case(rt: Runtime, principal: Principal, instance_id: int) -> CaseExport:
    """The case's signed file, for the oversight roles that may read the case (404 outside their scope)."""
    with rt.db.writing() as session:
        instance = lock_instance(rt, session, instance_id)
        access.require_case(principal, rt.process(session, instance.deployment), instance)
        access.require(principal, Right.EXPORT_CASES)
        key = export_check.private_key(rt.export_key_pem)
        record_export(rt, session, principal, instance, export_check.fingerprint(export_check.public_pem(key)))
        members, events = _members(session, instance)
        manifest = {"case": instance.case_number or str(instance.id), "instance_id": instance.id,
                    "exported_at": audit.stamp(rt.now()), "exported_by": principal.username,
                    "audit_key_id": rt.audit_keys.current,
                    "events": [{"seq": e["seq"], "sha256": export_check.event_digest(e)} for e in events]}
        content = export_check.build_zip(members, manifest, key)
    return CaseExport(f"ho-so-{_safe(instance.case_number or str(instance.id))}.zip", content)


def record_export(rt: Runtime, session: Session, principal: Principal, instance: Instance, key: str) -> None:
    """The one place an export is recorded (a read-access log may take it over: switch it here)."""
    audit.append_event(session, rt.audit_keys, instance, at=rt.now(), actor=principal.username, action=EXPORTED,
                       data={"signing_key": key})


def public_key(rt: Runtime) -> tuple[bytes, str]:
    """The instance's export public key (PEM) and its fingerprint: what auditors check exports against."""
    pem = export_check.public_pem(export_check.private_key(rt.export_key_pem))
    return pem, export_check.fingerprint(pem)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:80]


def _members(session: Session, instance: Instance) -> tuple[dict[str, bytes], list[dict[str, Any]]]:
    events = [_event_record(e) for e in queries.audit_events(session, instance.id)]
    members: dict[str, bytes] = {export_check.EVENTS: export_check.dumps(events)}
    documents = _documents(session, instance.id, members)
    attachments = _attachments(session, instance.id, members)
    members[export_check.CASE] = export_check.dumps({**_case_record(instance), "documents": documents,
                                                     "attachments": attachments})
    deployment = instance.deployment
    files = queries.deployment_files(session, deployment.id)
    for path, text in files.items():
        members[f"diagram/files/{path}"] = text.encode("utf-8")
    members[export_check.DEPLOYMENT] = export_check.dumps({
        "process_id": deployment.process_id, "version": deployment.version, "name": deployment.name,
        "content_hash": deployment.content_hash, "deployed_at": audit.stamp(deployment.deployed_at),
        "deployed_by": deployment.deployed_by})
    return members, events


def _event_record(e: AuditEvent) -> dict[str, Any]:
    """Exactly the fields the event's MAC covers (``audit.event_material``), the link and the MAC."""
    return {"seq": e.seq, "at": audit.stamp(e.at), "actor": e.actor, "action": e.action, "task_id": e.task_id,
            "bpmn_id": e.bpmn_id, "data": e.data, "prev_hash": e.prev_hash, "hash": e.hash, "key_id": e.key_id}


def _case_record(i: Instance) -> dict[str, Any]:
    return {"id": i.id, "process_id": i.process_id, "deployment_id": i.deployment_id, "case_number": i.case_number,
            "title": i.title, "status": i.status, "outcome": i.outcome, "organisation": i.organisation,
            "created_at": audit.stamp(i.created_at), "completed_at": audit.stamp(i.completed_at)
            if i.completed_at else None, "state": i.state, "serializer_version": i.serializer_version,
            "anchor": {"seq": i.audit_seq, "head": i.audit_head, "sealed": i.audit_anchor, "state": i.audit_state}}


def _documents(session: Session, instance_id: int, members: dict[str, bytes]) -> list[dict[str, Any]]:
    rows = session.execute(select(Document, DocumentVersion)
                           .join(DocumentVersion, DocumentVersion.document_id == Document.id)
                           .where(Document.instance_id == instance_id).options(undefer(DocumentVersion.content))
                           .order_by(Document.id, DocumentVersion.version))
    listed = []
    for document, version in rows:
        path = f"documents/{document.id}-v{version.version}-{_safe(version.filename)}"
        members[path] = version.content
        listed.append({"path": path, "document": document.id, "title": document.title, "kind": document.kind,
                       "number": document.number_text, "issued_on": document.issued_on.isoformat(),
                       "version": version.version, "source": version.source, "filename": version.filename,
                       "sha256": version.sha256, "audit_seq": version.audit_seq})
    return listed


def _attachments(session: Session, instance_id: int, members: dict[str, bytes]) -> list[dict[str, Any]]:
    listed = []
    for a in session.scalars(select(Attachment).where(Attachment.instance_id == instance_id).order_by(Attachment.id)):
        path = f"attachments/{a.id}-{_safe(a.filename)}"
        members[path] = a.content
        listed.append({"path": path, "attachment": a.id, "filename": a.filename, "content_type": a.content_type,
                       "sha256": a.sha256, "audit_seq": a.audit_seq, "uploaded_by": a.uploaded_by,
                       "uploaded_at": audit.stamp(a.uploaded_at)})
    return listed
