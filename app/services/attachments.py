"""Files attached to a case: checked (size, type), stored with the case, written into its audit trail.

The type is decided from the file name's extension against an allow-list, and the first bytes must
look like that type; what the browser claims is not trusted. Files are served back as downloads only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from app.errors import Forbidden, InvalidInput, NotFound
from app.persistence import audit, queries
from app.persistence.models import Attachment
from app.services.casefile import WORKING_ROLES, check_access
from app.services.cases import get_case
from app.services.principal import Principal
from app.services.runtime import Runtime
from app.services.state import lock_instance

MAX_BYTES = 10 * 1024 * 1024
_ZIP = b"PK\x03\x04"
ALLOWED: dict[str, tuple[str, tuple[bytes, ...]]] = {  # extension -> (content type, accepted first bytes)
    "pdf": ("application/pdf", (b"%PDF",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (_ZIP,)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (_ZIP,)),
    "odt": ("application/vnd.oasis.opendocument.text", (_ZIP,)),
    "doc": ("application/msword", (b"\xd0\xcf\x11\xe0",)),
    "txt": ("text/plain; charset=utf-8", (b"",)),
}


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes


def check_upload(upload: Upload, max_bytes: int = MAX_BYTES) -> str:
    """Return the content type to store, or raise InvalidInput with a Vietnamese reason."""
    name = upload.filename.strip()
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED:
        raise InvalidInput(f"Tệp «{name}»: chỉ nhận {', '.join(sorted(ALLOWED))}.")
    if not upload.content:
        raise InvalidInput(f"Tệp «{name}» rỗng.")
    if len(upload.content) > max_bytes:
        raise InvalidInput(f"Tệp «{name}» lớn hơn {max_bytes // (1024 * 1024)} MB.")
    content_type, magics = ALLOWED[extension]
    if not upload.content.startswith(magics):
        raise InvalidInput(f"Nội dung tệp «{name}» không đúng định dạng .{extension}.")
    if extension == "txt":
        try:
            upload.content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"Tệp «{name}» không phải văn bản UTF-8.") from exc
    return content_type


def add_attachments(rt: Runtime, principal: Principal, instance_id: int, uploads: list[Upload],
                    task_id: str | None = None, bpmn_id: str | None = None) -> list[Attachment]:
    """Store files with a running case, one audit event each; all or nothing."""
    types = [check_upload(u) for u in uploads]
    if not uploads:
        return []
    get_case_checked(rt, principal, instance_id, writing=True)
    stored = []
    with rt.db.writing() as session:
        instance = lock_instance(session, instance_id)
        if instance.status != "running" and task_id is None:  # files of the step that ended it are kept
            raise InvalidInput("Hồ sơ đã kết thúc; không thêm tài liệu được nữa.")
        for upload, content_type in zip(uploads, types, strict=True):
            digest = hashlib.sha256(upload.content).hexdigest()
            attachment = Attachment(instance_id=instance_id, task_id=task_id, bpmn_id=bpmn_id,
                                    filename=_safe_name(upload.filename), content_type=content_type,
                                    size=len(upload.content), sha256=digest, content=upload.content,
                                    uploaded_by=principal.username, uploaded_at=rt.now())
            session.add(attachment)
            session.flush()
            audit.append_event(session, instance_id=instance_id, at=rt.now(), actor=principal.username,
                               action="attachment_added", task_id=task_id, bpmn_id=bpmn_id,
                               data={"attachment": attachment.id, "filename": attachment.filename,
                                     "size": attachment.size, "sha256": digest})
            stored.append(attachment)
    return stored


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


def _safe_name(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip().replace("\x00", "")
    return name[:255] or "tep"
