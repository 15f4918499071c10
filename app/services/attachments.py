"""Files attached to a case from its page, and who may read them (served back as downloads only).

Checking and storing are in ``app.services.uploads``, shared with the steps that carry files.
"""

from __future__ import annotations

from app.errors import InvalidInput, NotFound, TrailBroken
from app.persistence.models import Attachment, Instance
from app.services import access, integrity
from app.services.cases import readable_case
from app.services.principal import Principal
from app.services.runtime import Runtime
from app.services.state import lock_instance
from app.services.uploads import MAX_BYTES, Upload, check_all, check_upload, store

__all__ = ["MAX_BYTES", "Upload", "add_attachments", "check_upload", "download"]


def add_attachments(rt: Runtime, principal: Principal, instance_id: int, files: list[Upload]) -> list[Attachment]:
    """Add files to a running case from its page; all or nothing."""
    with rt.db.writing() as session:
        instance = lock_instance(rt, session, instance_id)
        access.require_work(principal, rt.process(session, instance.deployment), instance)
        checked = check_all(files)
        if not checked:
            raise InvalidInput("Chưa chọn tệp nào.")
        if instance.status != "running":
            raise InvalidInput("Hồ sơ đã kết thúc; không thêm tài liệu được nữa.")
        return store(rt, session, principal.username, instance, checked)


def download(rt: Runtime, principal: Principal, attachment_id: int) -> Attachment:
    """A file of a case, for whoever may read the case (404 for anyone else, as for the case itself).

    The bytes are served only if they are the ones the case's trail recorded (their keyed SHA-256).
    """
    with rt.db.reading() as session:
        attachment = session.get(Attachment, attachment_id)
        instance = session.get(Instance, attachment.instance_id) if attachment is not None else None
        if attachment is None or instance is None or not access.in_scope(principal, instance.organisation):
            raise NotFound(access.ATTACHMENT_NOT_FOUND)
        readable_case(rt, session, principal, attachment.instance_id)
        problem = integrity.attachment_check(rt, session, attachment)
        if problem is not None:
            raise TrailBroken(f"Không cung cấp tệp: {problem}. Hãy báo quản trị kiểm tra (flask audit verify).")
        return attachment
