"""Files that come with a form: checked (size, type) before anything is written, then stored in
the caller's transaction with one audit event each, so a step and its files are saved together or
not at all.

The type is decided from the file name's extension against an allow-list, and the first bytes must
look like that type; what the browser claims is not trusted. A name is kept without its control
characters, bidirectional controls, line or paragraph separators and lone surrogates (a name
``x\x01y.txt`` was stored as is and its download then failed in gunicorn, every time).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.errors import InvalidInput
from app.persistence import audit
from app.persistence.models import Attachment, Instance
from app.services.runtime import Runtime
from app.text import clean_file_name

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
    name = safe_name(upload.filename)
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


def check_all(uploads: list[Upload]) -> list[tuple[Upload, str]]:
    """Every file checked before any is stored: one bad file refuses them all."""
    return [(upload, check_upload(upload)) for upload in uploads]


def store(rt: Runtime, session: Session, actor: str, instance: Instance, checked: list[tuple[Upload, str]],
          task_id: str | None = None, bpmn_id: str | None = None) -> list[Attachment]:
    """Add checked files to a case inside the caller's transaction, each written into the audit trail."""
    stored = []
    for upload, content_type in checked:
        digest = hashlib.sha256(upload.content).hexdigest()
        attachment = Attachment(instance_id=instance.id, task_id=task_id, bpmn_id=bpmn_id,
                                filename=safe_name(upload.filename), content_type=content_type,
                                size=len(upload.content), sha256=digest, content=upload.content,
                                uploaded_by=actor, uploaded_at=rt.now())
        session.add(attachment)
        session.flush()
        event = audit.append_event(session, rt.audit_keys, instance, at=rt.now(), actor=actor,
                                   action="attachment_added", task_id=task_id, bpmn_id=bpmn_id,
                                   data={"attachment": attachment.id, "filename": attachment.filename,
                                         "size": attachment.size, "sha256": digest})
        attachment.audit_seq = event.seq
        stored.append(attachment)
    return stored


def safe_name(filename: str) -> str:
    """The name a file is stored under: its last path segment, with nothing that cannot be shown or sent."""
    name = clean_file_name(filename.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    return name[:255] or "tep"
