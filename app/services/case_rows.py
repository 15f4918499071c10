"""From a case's trail to its rows: what the keyed events recorded must still be in the database as recorded.

The row-to-event checks (``integrity``: a file or document file against the SHA-256 its event
recorded) cannot see a row that was deleted, nor a column the event does not hash. Here each event
that created or changed a row is followed to that row: the files (``attachment_added``), the
documents and their versions (``document_*``), the reception register (``reception_recorded``), the
escalations (``escalation_raised`` / ``escalation_acknowledged``) and the day the case was received
(the sealed state's ``received_on``). Nothing in the application deletes these rows, so a row the
trail knows and the database does not was deleted behind its back.

``load`` reads the rows of many cases with one query per table (``verify_all`` reads cases in
batches); ``problems`` judges one case from its events and rows, without reading anything.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer, undefer

from app.persistence import audit
from app.persistence.audit import Break
from app.persistence.models import (
    Attachment,
    AuditEvent,
    Document,
    DocumentVersion,
    Escalation,
    Instance,
    ReceptionRecord,
)

Papers = list[tuple[Document, DocumentVersion]]


@dataclass
class CaseRows:
    """The rows of one case that its trail recorded."""

    files: list[Attachment] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    papers: Papers = field(default_factory=list)  # every version, with its document
    records: list[ReceptionRecord] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)


def load(session: Session, ids: Sequence[int], *, contents: bool) -> dict[int, CaseRows]:
    """The rows of the cases ``ids``, one query per table; the files' bytes only when ``contents``."""
    rows: dict[int, CaseRows] = defaultdict(CaseRows)
    file_content = undefer(Attachment.content) if contents else defer(Attachment.content)
    for attachment in session.scalars(select(Attachment).options(file_content).where(Attachment.instance_id.in_(ids))
                                      .order_by(Attachment.id)):
        rows[attachment.instance_id].files.append(attachment)
    for document in session.scalars(select(Document).where(Document.instance_id.in_(ids)).order_by(Document.id)):
        rows[document.instance_id].documents.append(document)
    by_id = {d.id: d for case in rows.values() for d in case.documents}
    paper_content = undefer(DocumentVersion.content) if contents else defer(DocumentVersion.content)
    for version in session.scalars(select(DocumentVersion).options(paper_content)
                                   .where(DocumentVersion.document_id.in_(list(by_id)))
                                   .order_by(DocumentVersion.document_id, DocumentVersion.version)):
        document = by_id[version.document_id]
        rows[document.instance_id].papers.append((document, version))
    for record in session.scalars(select(ReceptionRecord).where(ReceptionRecord.plan_instance_id.in_(ids))
                                  .order_by(ReceptionRecord.id)):
        rows[record.plan_instance_id].records.append(record)
    for escalation in session.scalars(select(Escalation).where(Escalation.instance_id.in_(ids))
                                      .order_by(Escalation.id)):
        rows[escalation.instance_id].escalations.append(escalation)
    return rows


def problems(instance: Instance, events: Sequence[AuditEvent], rows: CaseRows) -> list[Break]:
    """Every row the case's events recorded that is gone or no longer says what they recorded."""
    parsed = [(e, _data(e)) for e in events]
    return (_files(parsed, rows.files) + _documents(parsed, rows) + _records(parsed, rows.records)
            + _escalations(parsed, rows.escalations) + _received_on(instance, parsed))


Parsed = list[tuple[AuditEvent, dict[str, Any]]]


def _data(event: AuditEvent) -> dict[str, Any]:
    try:
        found = json.loads(event.data)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _differs(pairs: Iterable[tuple[str, object, object]]) -> list[str]:
    return [name for name, recorded, held in pairs if recorded != held]


def _altered(seq: int, kind: str, what: str, names: list[str]) -> list[Break]:
    if not names:
        return []
    return [Break(seq, kind, f"{what} khác với nội dung đã ghi trong nhật ký ({', '.join(names)}): "
                             "đã bị sửa ngoài ứng dụng")]


# -- files ------------------------------------------------------------------------------------------

def _files(events: Parsed, files: list[Attachment]) -> list[Break]:
    held = {a.id: a for a in files}
    found = []
    for event, data in events:
        if event.action != "attachment_added" or not isinstance(data.get("attachment"), int):
            continue
        name = str(data.get("filename") or "")
        attachment = held.get(data["attachment"])
        if attachment is None:
            found.append(Break(event.seq, "attachment_deleted", f"tệp «{name}» đã ghi trong nhật ký nhưng không còn "
                                                                "trong cơ sở dữ liệu (đã bị xóa)"))
            continue
        found += _altered(event.seq, "attachment_altered", f"thông tin của tệp «{name}»", _differs((
            ("tên tệp", name, attachment.filename), ("người tải lên", event.actor, attachment.uploaded_by),
            ("kích thước", data.get("size"), attachment.size), ("dấu vân tay SHA-256", data.get("sha256"),
                                                                 attachment.sha256))))
    return found


# -- documents --------------------------------------------------------------------------------------

def _documents(events: Parsed, rows: CaseRows) -> list[Break]:
    documents = {d.id: d for d in rows.documents}
    versions = {(d.id, v.version): v for d, v in rows.papers}
    found: list[Break] = []
    last: dict[int, tuple[AuditEvent, dict[str, Any]]] = {}
    issuer: dict[int, str] = {}
    for event, data in events:
        if not event.action.startswith("document_") or not isinstance(data.get("document"), int):
            continue
        document_id = data["document"]
        name = f"văn bản «{data.get('title')}» số {data.get('number')}, phiên bản {data.get('version')}"
        last[document_id] = (event, data)
        if event.action == "document_issued":
            issuer.setdefault(document_id, event.actor)
        version = versions.get((document_id, data.get("version")))  # type: ignore[arg-type]
        if version is None:
            found.append(Break(event.seq, "document_deleted", f"{name} đã ghi trong nhật ký nhưng không còn trong "
                                                              "cơ sở dữ liệu (đã bị xóa)"))
            continue
        found += _altered(event.seq, "document_altered", f"thông tin của {name}", _differs((
            ("tên tệp", data.get("file"), version.filename), ("người tạo", event.actor, version.created_by),
            ("dấu vân tay SHA-256", data.get("sha256"), version.sha256),
            ("loại bản", "signed" if event.action == "document_signed_added" else "generated", version.source))))
    for document_id, (event, data) in last.items():
        document = documents.get(document_id)
        if document is not None:
            found += _document_altered(event, data, document, issuer.get(document_id))
    return found


def _document_altered(event: AuditEvent, data: dict[str, Any], document: Document, issuer: str | None) -> list[Break]:
    """The document's row against the latest event that named it (a new version keeps number, date and title)."""
    name = f"văn bản «{data.get('title')}» số {data.get('number')}"
    pairs = [("trích yếu", data.get("title"), document.title), ("số", data.get("number"), document.number_text),
             ("ngày ban hành", data.get("issued_on"), document.issued_on.isoformat())]
    if issuer is not None:
        pairs.append(("người ban hành", issuer, document.issued_by))
    for key, label in (("kind", "loại văn bản"), ("organisation", "cơ quan ban hành")):  # recorded since they are
        if key in data:
            pairs.append((label, data[key], getattr(document, key)))
    return _altered(event.seq, "document_altered", f"thông tin của {name}", _differs(pairs))


# -- reception register -----------------------------------------------------------------------------

def _records(events: Parsed, records: list[ReceptionRecord]) -> list[Break]:
    held = {r.id: r for r in records}
    found, seen = [], set()
    for event, data in events:
        if event.action != "reception_recorded" or not isinstance(data.get("record_id"), int):
            continue
        seen.add(data["record_id"])
        what = f"bản ghi tiếp công dân số thứ tự {data.get('sequence')} ngày {_day(data.get('received_on'))}"
        record = held.get(data["record_id"])
        if record is None:
            found.append(Break(event.seq, "reception_deleted", f"{what} đã ghi trong nhật ký nhưng không còn trong "
                                                               "sổ tiếp công dân (đã bị xóa)"))
            continue
        found += _altered(event.seq, "reception_altered", f"nội dung của {what}", _record_differs(event, data, record))
    for record in records:
        if record.id not in seen:
            found.append(Break(None, "reception_unrecorded", f"bản ghi tiếp công dân số thứ tự {record.sequence} "
                                                             "không có sự kiện ghi nhận trong nhật ký"))
    return found


def _record_differs(event: AuditEvent, data: dict[str, Any], record: ReceptionRecord) -> list[str]:
    found = data.get("record")
    entry: dict[str, Any] = found if isinstance(found, dict) else {}
    persons = entry.get("persons") or [{}]
    first = persons[0] if isinstance(persons[0], dict) else {}
    return _differs((
        ("số thứ tự", data.get("sequence"), record.sequence), ("ngày tiếp", data.get("received_on"),
                                                                record.received_on.isoformat()),
        ("họ tên", str(first.get("full_name") or "")[:200], record.name),
        ("địa chỉ", str(entry.get("address") or "")[:300], record.address),
        ("số người", entry.get("people_count"), record.people_count), ("phân loại", entry.get("kind"), record.kind),
        ("hướng xử lý", entry.get("handling"), record.handling), ("nội dung", entry.get("content"), record.content),
        ("vượt cấp", bool(entry.get("bypassing")), record.bypassing),
        ("kéo dài", bool(entry.get("protracted")), record.protracted),
        ("thuộc thẩm quyền", bool(entry.get("within_competence")), record.within_competence),
        ("chi tiết", entry, record.details), ("hồ sơ được mở", data.get("case_instance_id"), record.case_instance_id),
        ("nguồn", data.get("source"), record.source), ("người ghi", event.actor, record.created_by)))


# -- escalations ------------------------------------------------------------------------------------

_RAISED_KEYS = {"code", "name", "subject", "notified", "request_id"}


def _escalations(events: Parsed, escalations: list[Escalation]) -> list[Break]:
    """Raised and acknowledged, compared as counts per escalation: the acknowledgement's event names only the code."""
    raised: Counter[tuple[Any, ...]] = Counter()
    acknowledged: Counter[tuple[Any, ...]] = Counter()
    for event, data in events:
        if event.action == "escalation_raised":
            deadline = [v for k, v in data.items() if k not in _RAISED_KEYS]
            day = str(deadline[0])[:10] if len(deadline) == 1 and deadline[0] else None
            raised[(data.get("code"), data.get("name"), data.get("subject"), day, audit.stamp(event.at))] += 1
        elif event.action == "escalation_acknowledged":
            acknowledged[(data.get("code"), event.actor, data.get("note"), audit.stamp(event.at))] += 1
    rows_raised = Counter((e.code, e.name, e.subject, e.deadline.isoformat() if e.deadline else None,
                           audit.stamp(e.raised_at)) for e in escalations)
    rows_acknowledged = Counter((e.code, e.acknowledged_by, e.note, audit.stamp(e.acknowledged_at))
                                for e in escalations if e.acknowledged_at is not None)
    names = {e.code: e.name for e in escalations} | {k[0]: k[1] for k in raised}  # people read names, not codes
    found = [Break(None, "escalation_deleted", f"cảnh báo quá hạn «{key[1]}» đã ghi trong nhật ký nhưng không còn "
                                               "trong cơ sở dữ liệu (đã bị xóa hoặc bị sửa)")
             for key in (raised - rows_raised)]
    found += [Break(None, "escalation_unrecorded", f"cảnh báo quá hạn «{key[1]}» không có sự kiện ghi nhận trong "
                                                   "nhật ký (được thêm hoặc bị sửa ngoài ứng dụng)")
              for key in (rows_raised - raised)]
    found += [Break(None, "escalation_acknowledgement", f"việc xác nhận cảnh báo quá hạn «{names.get(key[0], key[0])}» "
                                                        "đã ghi trong nhật ký không còn đúng trong cơ sở dữ liệu "
                                                        "(bị xóa hoặc bị sửa)")
              for key in (acknowledged - rows_acknowledged)]
    found += [Break(None, "escalation_acknowledgement", f"cảnh báo quá hạn «{names.get(key[0], key[0])}» được ghi là đã xác nhận "
                                                        "mà nhật ký không có sự kiện xác nhận (bị sửa ngoài ứng dụng)")
              for key in (rows_acknowledged - acknowledged)]
    return found


# -- the day received ---------------------------------------------------------------------------------

def _received_on(instance: Instance, events: Parsed) -> list[Break]:
    """The row's ``received_on`` against the last value the trail's recorded changes gave the case's data."""
    recorded: str | None = None
    for _, data in events:
        changes = data.get("changes")
        if not isinstance(changes, dict):
            continue
        if "received_on" in (changes.get("removed") or []):
            recorded = None
        changed = changes.get("set")
        if isinstance(changed, dict) and "received_on" in changed:
            value = changed["received_on"]
            recorded = value if isinstance(value, str) else None
    expected = _as_day(recorded)
    if expected == instance.received_on:
        return []
    return [Break(None, "received_on_altered", f"ngày tiếp nhận của hồ sơ ({_day(instance.received_on)}) khác với "
                                               f"ngày đã ghi trong nhật ký ({_day(expected)}): đã bị sửa ngoài ứng dụng")]


def _as_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _day(value: object) -> str:
    if isinstance(value, str):
        value = _as_day(value) or value
    return value.strftime("%d/%m/%Y") if isinstance(value, date) else "không có"
