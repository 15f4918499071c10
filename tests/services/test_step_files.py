"""A step and its files are one transaction: both saved, or neither (nothing half-written)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.errors import FormValidationError, InvalidInput
from app.persistence.models import Attachment, AuditEvent, Instance
from app.services import cases as case_service
from app.services import tasks, uploads, users
from app.services.runtime import Runtime
from tests import cases
from tests.web.helpers import ready_task_id, start_case

PDF = uploads.Upload("biên bản.pdf", b"%PDF-1.4 minutes")


def _counts(rt: Runtime, instance_id: int) -> tuple[int, int, int]:
    with rt.db.reading() as session:
        files = session.scalar(select(func.count()).select_from(Attachment).where(Attachment.instance_id == instance_id))
        events = session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.instance_id == instance_id))
        version = session.scalar(select(Instance.version).where(Instance.id == instance_id))
    return int(files or 0), int(events or 0), int(version or 0)


def test_a_step_completed_with_a_file_keeps_both_in_the_audit_trail(rt: Runtime) -> None:
    instance_id = start_case(rt)
    resolver = users.authenticate_password(rt, "resolver", "demo")
    task_id = ready_task_id(rt, instance_id)
    tasks.complete_task(rt, resolver, task_id, cases.acceptance(), files=[PDF])
    with rt.db.reading() as session:
        stored = session.scalars(select(Attachment).where(Attachment.instance_id == instance_id)).one()
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.instance_id == instance_id)
                                  .order_by(AuditEvent.seq)).all()
    assert (stored.task_id, stored.bpmn_id, stored.uploaded_by) == (task_id, "review_acceptance", "resolver")
    assert actions[-3:] == ["task_completed", "document_issued", "attachment_added"]  # the notice, then the file


def test_a_bad_file_refuses_the_step_and_an_invalid_step_keeps_no_file(rt: Runtime) -> None:
    instance_id = start_case(rt)
    resolver = users.authenticate_password(rt, "resolver", "demo")
    task_id = ready_task_id(rt, instance_id)
    before = _counts(rt, instance_id)
    with pytest.raises(InvalidInput, match=r"«scan\.pdf» không đúng định dạng \.pdf"):
        tasks.complete_task(rt, resolver, task_id, cases.acceptance(),
                            files=[PDF, uploads.Upload("scan.pdf", b"MZ not a pdf")])
    with pytest.raises(FormValidationError):
        tasks.complete_task(rt, resolver, task_id, {}, files=[PDF])
    assert _counts(rt, instance_id) == before
    assert ready_task_id(rt, instance_id) == task_id


def test_a_failure_while_storing_files_undoes_the_step(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    instance_id = start_case(rt)
    resolver = users.authenticate_password(rt, "resolver", "demo")
    task_id = ready_task_id(rt, instance_id)
    before = _counts(rt, instance_id)

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError("no space left on device")

    monkeypatch.setattr(uploads, "store", disk_full)
    with pytest.raises(OSError):
        tasks.complete_task(rt, resolver, task_id, cases.acceptance(), files=[PDF])
    assert _counts(rt, instance_id) == before
    assert ready_task_id(rt, instance_id) == task_id


def test_a_new_case_and_its_scanned_petition_are_saved_together(rt: Runtime) -> None:
    reception = users.authenticate_password(rt, "reception", "demo")
    with pytest.raises(InvalidInput):
        case_service.start_case(rt, reception, "complaint_second_level", cases.petition(),
                                files=[uploads.Upload("don.exe", b"MZ")])
    with rt.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Instance)) == 0
    change = case_service.start_case(rt, reception, "complaint_second_level", cases.petition(), files=[PDF])
    assert _counts(rt, change.instance.id)[0] == 1
