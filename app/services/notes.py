"""Internal notes on a case (ghi chú nội bộ): officers' comments beside the file, never part of the decision.

Where a note lives, and why there:

- **Its text is in its own append-only table** (``case_notes``), never in the case's data. The
  diagrams, forms, deadlines, reports and decision documents read only the case's data, so no note
  can ever become part of the legal decision or of what the citizen is sent.
- **Its author, time and keyed SHA-256 are an event of the case's trail** (``note_added``), exactly
  as an attached file's are. A second chain only for notes would need its own anchor, checkpoints
  and verification for nothing gained, and would lose the order that matters to an auditor (a note
  written before or after the decision). The event carries the digest, not the text: the trail
  proves who wrote what and when; the text itself stays out of the step-by-step legal record and
  its ``changes``. A note whose text no longer matches its digest is shown as altered on the page
  and reported by ``flask audit verify``.

Notes are never edited or deleted (triggers refuse it): a correction is a new note. Anyone who may
read the case may read its notes (``access.require_notes``) and, but the auditor, who changes nothing,
write them (``access.require_note_write``); a finished case still takes notes (a comment for whoever
reads the file later).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from app.errors import InvalidInput, NotFound
from app.persistence import audit, queries
from app.persistence.models import AuditEvent, CaseNote, Instance
from app.services import access
from app.services.principal import Principal
from app.services.runtime import Runtime
from app.services.state import lock_instance
from app.text import unfit

MAX_CHARACTERS = 5_000
ACTION = "note_added"


@dataclass(frozen=True)
class NoteLine:
    id: int
    author: str
    author_name: str
    written_at: datetime
    text: str
    intact: bool  # the text is the one whose SHA-256 the case's trail recorded


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def clean(text: object) -> str:
    """The note as it will be kept (line breaks as ``\\n``, outer blanks trimmed), or InvalidInput on ``text``."""
    if not isinstance(text, str):
        raise InvalidInput("Ghi chú phải là văn bản.", fields={"text": "Ghi chú phải là văn bản."})
    kept = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    reason = unfit(kept)
    if reason:
        raise InvalidInput("Ghi chú không hợp lệ.", fields={"text": reason})
    if not kept:
        raise InvalidInput("Ghi chú không hợp lệ.", fields={"text": "Chưa nhập nội dung ghi chú."})
    if len(kept) > MAX_CHARACTERS:
        raise InvalidInput("Ghi chú không hợp lệ.", fields={
            "text": f"Ghi chú dài {len(kept):,} ký tự; tối đa {MAX_CHARACTERS:,} ký tự.".replace(",", ".")})
    return kept


def list_notes(rt: Runtime, principal: Principal, instance_id: int) -> list[NoteLine]:
    """A case's notes, oldest first, for whoever may read the case."""
    with rt.db.reading() as session:
        instance = _readable(rt, session, principal, instance_id)
        return notes_of(session, instance)


def add_note(rt: Runtime, principal: Principal, instance_id: int, text: object) -> NoteLine:
    """Keep a note and record its author, time and SHA-256 in the case's trail, in one transaction."""
    with rt.db.writing() as session:
        instance = queries.instance(session, instance_id)
        if instance is None:
            raise NotFound(access.CASE_NOT_FOUND)
        access.require_note_write(principal, rt.process(session, instance.deployment), instance)
        body = clean(text)  # the caller's right first: a refused role learns nothing of the rules
        instance = lock_instance(rt, session, instance_id)
        now = rt.now()
        note = CaseNote(instance_id=instance.id, author=principal.username, written_at=now, body=body,
                        audit_seq=(instance.audit_seq or 0) + 1)
        session.add(note)
        session.flush()
        event = audit.append_event(session, rt.audit_keys, instance, at=now, actor=principal.username, action=ACTION,
                                   data={"note": note.id, "sha256": digest(body), "characters": len(body)})
        assert event.seq == note.audit_seq  # noqa: S101 - the case's lock is held: nobody appended in between
        return NoteLine(note.id, note.author, principal.full_name, now, body, True)


def notes_of(session: Session, instance: Instance) -> list[NoteLine]:
    """The notes of a case the caller was already allowed to read, each checked against its trail event."""
    notes = list(queries.case_notes(session, instance.id))
    events = queries.events_at(session, instance.id, (n.audit_seq for n in notes))
    names = queries.user_names(session, {n.author for n in notes})
    return [NoteLine(n.id, n.author, names.get(n.author, n.author), n.written_at, n.body,
                     note_problem(n, events.get(n.audit_seq)) is None) for n in notes]


def note_problem(note: CaseNote, event: AuditEvent | None) -> str | None:
    """Why a note is not the one its trail event recorded (in Vietnamese), or None when it is.

    The event's own MAC is the chain check's business; here the note must point at a ``note_added``
    event of its case that names it, by the same author, with the SHA-256 of its text.
    """
    if event is None or event.action != ACTION or event.actor != note.author or event.at != note.written_at:
        return f"ghi chú số {note.id} không có sự kiện ghi nhận trong nhật ký"
    try:
        data = json.loads(event.data)
    except ValueError:
        data = {}
    if not isinstance(data, dict) or data.get("note") != note.id:
        return f"sự kiện ghi nhận ghi chú số {note.id} không hợp lệ"
    if data.get("sha256") != digest(note.body):
        return f"nội dung ghi chú số {note.id} khác với dấu vân tay SHA-256 đã ghi trong nhật ký"
    return None


def _readable(rt: Runtime, session: Session, principal: Principal, instance_id: int) -> Instance:
    instance = queries.instance(session, instance_id)
    if instance is None:
        raise NotFound(access.CASE_NOT_FOUND)
    access.require_notes(principal, rt.process(session, instance.deployment), instance)
    return instance


def problems(session: Session) -> list[tuple[int, str, int | None, str]]:
    """Every note that is not the one its trail recorded, and every recorded note that is gone.

    (instance id, case number, event seq, what is wrong), for ``flask audit verify``.
    """
    found: list[tuple[int, str, int | None, str]] = []
    recorded = session.execute(select(CaseNote, AuditEvent, Instance.case_number)
                               .join(Instance, Instance.id == CaseNote.instance_id)
                               .outerjoin(AuditEvent, and_(AuditEvent.instance_id == CaseNote.instance_id,
                                                           AuditEvent.seq == CaseNote.audit_seq))
                               .order_by(CaseNote.id))
    for note, event, number in recorded:
        problem = note_problem(note, event)
        if problem:
            found.append((note.instance_id, number or "", note.audit_seq, problem))
    missing = session.execute(select(AuditEvent.instance_id, AuditEvent.seq, Instance.case_number)
                              .join(Instance, Instance.id == AuditEvent.instance_id)
                              .outerjoin(CaseNote, and_(CaseNote.instance_id == AuditEvent.instance_id,
                                                        CaseNote.audit_seq == AuditEvent.seq))
                              .where(AuditEvent.action == ACTION, CaseNote.id.is_(None)))
    found += [(instance_id, number or "", seq, "ghi chú đã ghi trong nhật ký không còn trong cơ sở dữ liệu (đã bị xóa)")
              for instance_id, seq, number in missing]
    return found
