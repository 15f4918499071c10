"""Files attached to a case from its page, and who may read them (served back as downloads only).

Checking and storing are in ``app.services.uploads``, shared with the steps that carry files.
"""

from __future__ import annotations

from app.errors import Forbidden, InvalidInput, NotFound
from app.persistence import queries
from app.persistence.models import Attachment
from app.services.casefile import WORKING_ROLES, check_access
from app.services.cases import get_case
from app.services.principal import Principal
from app.services.runtime import Runtime
from app.services.state import lock_instance
from app.services.uploads import MAX_BYTES, Upload, check_all, check_upload, store

__all__ = ["MAX_BYTES", "Upload", "add_attachments", "check_upload", "download", "get_case_checked",
           "list_attachments"]


def add_attachments(rt: Runtime, principal: Principal, instance_id: int, files: list[Upload]) -> list[Attachment]:
    """Add files to a running case from its page; all or nothing."""
    checked = check_all(files)
    if not checked:
        return []
    get_case_checked(rt, principal, instance_id, writing=True)
    with rt.db.writing() as session:
        instance = lock_instance(session, instance_id)
        if instance.status != "running":
            raise InvalidInput("Hồ sơ đã kết thúc; không thêm tài liệu được nữa.")
        return store(rt, session, principal.username, instance_id, checked)


def get_case_checked(rt: Runtime, principal: Principal, instance_id: int, *, writing: bool = False) -> None:
    """Who may see a case's files (those who see the case) and add to them (its working roles)."""
    check_access(principal, get_case(rt, principal, instance_id).data)
    if writing and not principal.has_any(set(WORKING_ROLES)):
        raise Forbidden("Chỉ cán bộ xử lý hồ sơ mới được thêm tài liệu.")


def list_attachments(rt: Runtime, instance_id: int) -> list[Attachment]:
    """A case's files, for a caller the case page has already authorised."""
    with rt.db.reading() as session:
        return list(queries.attachments(session, instance_id))


def download(rt: Runtime, principal: Principal, attachment_id: int) -> Attachment:
    with rt.db.reading() as session:
        attachment = session.get(Attachment, attachment_id)
        if attachment is None:
            raise NotFound("Không có tài liệu này.")
    get_case_checked(rt, principal, attachment.instance_id)
    return attachment
