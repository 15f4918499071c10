"""The official documents a case issues: numbered and made when their step completes, kept, listed and served.

A step (user task, message or start event) that a deployment's ``documents.json`` names issues its
documents in the same write transaction that saves the step: each gets the next number of its body's
register (``app.services.document_numbers``), written into the step's form field so later steps and
documents cite it; once the case is saved, the .docx is made from the case's data with the template
of the case's own deployment and stored with its SHA-256, which the case's audit trail records. A
correction makes a new version and the signed scan is added as one; nothing is overwritten. A file is
served only if its bytes are those the trail recorded.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.engine import CompiledProcess, WorkflowRun
from app.engine.documents import DocumentKind, Issuer, Signer, document_context, field_value, render, with_field
from app.engine.pdf import to_pdf
from app.errors import Conflict, InvalidInput, NotFound, PdfUnavailable, TrailBroken
from app.persistence import audit, catalogue, queries
from app.persistence import documents as stored
from app.persistence.models import Document, DocumentIssuer, DocumentVersion, Instance
from app.services import access, document_numbers, integrity
from app.services.document_numbers import DocumentNumber
from app.services.principal import Principal
from app.services.runtime import Runtime
from app.services.state import load_run, lock_instance
from app.services.uploads import Upload, check_upload, safe_name
from app.text import unfit

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
GENERATED, SIGNED = "generated", "signed"
SCAN_TYPES = frozenset({PDF, "image/jpeg", "image/png"})
NOT_FOUND = "Không tìm thấy văn bản."
PREVIEW_NUMBER = "      (chưa cấp số)"
ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Numbered:
    """A document given its number in the step's write transaction, made once the case is saved."""

    kind: DocumentKind
    organisation: str
    number: DocumentNumber
    issued_on: date


@dataclass(frozen=True)
class DocumentInfo:
    """One document as the case page and the API list it: its latest generated file and its signed scan."""

    document: Document
    latest: DocumentVersion
    signed: DocumentVersion | None
    versions: list[DocumentVersion]
    template_version: int | None


# -- issuing, inside the step's write transaction ---------------------------------------------------

def without_assigned(process: CompiledProcess, step: str, submitted: Mapping[str, Any]) -> dict[str, Any]:
    """What the officer sent, less the numbers the register gives (a read-only field's value is ignored)."""
    cleaned = dict(submitted)
    for kind in process.documents_of(step):
        if kind.number_field and field_value(cleaned, kind.number_field) is not None:
            cleaned = _without(cleaned, kind.number_field)
    return cleaned


def _without(data: Mapping[str, Any], path: str) -> dict[str, Any]:
    head, _, rest = path.partition(".")
    result = dict(data)
    if not rest:
        result.pop(head, None)
    elif isinstance(data.get(head), Mapping):
        result[head] = _without(data[head], rest)
    return result


def number_step(rt: Runtime, session: Session, instance: Instance, process: CompiledProcess, run: WorkflowRun,
                step: str, submitted: Mapping[str, Any], *, prefix: str = "") -> list[Numbered]:
    """Number the documents ``step`` issues with what was ``submitted``, and write each number into the case.

    ``prefix`` is where the step's form lands in the case data (a message's payload is kept under its
    name). :raises Conflict: the issuing body has no abbreviation or header set.
    """
    kinds = [kind for kind in process.documents_of(step) if kind.applies_to(submitted)]
    if not kinds:
        return []
    organisation = issuing_body(process, run.data, instance)
    if stored.issuer(session, organisation) is None:
        entry = catalogue.by_code(session, organisation)
        name = entry.name if entry is not None else organisation
        raise Conflict(f"Cơ quan «{name}» chưa có thông tin tiêu đề và người ký văn bản, nên chưa ban hành được "
                       f"«{kinds[0].title}»: quản trị cần khai báo ở trang Danh mục cơ quan.")
    before = run.data
    data, numbered = before, []
    for kind in kinds:
        issued_on = _day(field_value(submitted, kind.date_field) if kind.date_field else None) or rt.today()
        number = document_numbers.issue_number(rt, session, organisation, kind.name, kind.symbol, issued_on)
        if kind.number_field:
            data = with_field(data, prefix + kind.number_field, number.text)
        if kind.date_field and not field_value(submitted, kind.date_field):
            data = with_field(data, prefix + kind.date_field, issued_on.isoformat())
        numbered.append(Numbered(kind, organisation, number, issued_on))
    updates = {key: value for key, value in data.items() if before.get(key) != value}  # the objects holding them
    if updates:
        run.put(updates)
    return numbered


def issuing_body(process: CompiledProcess, data: Mapping[str, Any], instance: Instance) -> str:
    """The body whose register numbers the case's documents: the case's organisation, else the declared default."""
    variable = process.case_organisation
    value = data.get(variable) if variable else None
    if isinstance(value, str) and value.strip():
        return value
    if instance.organisation:
        return instance.organisation
    defaults = sorted({kind.issuer for kind in process.documents.values() if kind.issuer})
    if defaults:
        return defaults[0]
    raise Conflict("Hồ sơ chưa xác định cơ quan ban hành văn bản.")


def store_numbered(rt: Runtime, session: Session, actor: str, instance: Instance, process: CompiledProcess,
                   run: WorkflowRun, numbered: list[Numbered], *, step: str, task_id: str | None) -> list[Document]:
    """Make and keep the numbered documents from the saved case, each recorded in its audit trail."""
    made, officer = [], _full_name(session, actor) if numbered else actor
    for item in numbered:
        content = _render(rt, session, instance, process, run.data, item.kind, item.organisation, item.number.text,
                          item.issued_on, officer)
        document = Document(instance_id=instance.id, kind=item.kind.name, title=item.kind.title,
                            organisation=item.organisation, year=item.issued_on.year, series=item.number.series,
                            number=item.number.number,
                            number_text=item.number.text, issued_on=item.issued_on, step=step, task_id=task_id,
                            issued_by=actor, issued_at=rt.now())
        session.add(document)
        session.flush()
        _keep(rt, session, actor, instance, document, version=1, source=GENERATED, content=content,
              filename=_filename(document), content_type=DOCX, kind=item.kind,
              deployment_version=instance.deployment.version, action="document_issued")
        made.append(document)
    return made


def _render(rt: Runtime, session: Session, instance: Instance, process: CompiledProcess, data: Mapping[str, Any],
            kind: DocumentKind, organisation: str, number: str, issued_on: date, officer: str) -> bytes:
    header = stored.issuer(session, organisation)
    if header is None:
        raise Conflict("Cơ quan ban hành chưa có thông tin tiêu đề và người ký văn bản.")
    context = document_context(kind, data, number, issued_on, _issuer(header), _signer(header),
                               process.labels.choices, officer)
    for name in kind.sources:  # the lists the process's procedure keeps apart from the case (a plan's register)
        source = rt.procedures.document_source(instance.process_id, name)
        if source is None:
            raise Conflict(f"Quy trình {instance.process_id} không cung cấp nguồn dữ liệu «{name}» cho văn bản.")
        context[name] = source(session, instance)
    return render(kind.template, context)


def _full_name(session: Session, username: str) -> str:
    """How a paper names the officer who made it (the receipt's receiver): the account's full name."""
    return queries.user_names(session, [username]).get(username, username)


def _issuer(row: DocumentIssuer) -> Issuer:
    return Issuer(name=row.name, upper_line=row.upper_line, lower_line=row.lower_line, head=row.head, place=row.place)


def _signer(row: DocumentIssuer) -> Signer:
    return Signer(name=row.signer_name, title=row.signer_title, authority=row.signer_authority)


def _keep(rt: Runtime, session: Session, actor: str, instance: Instance, document: Document, *, version: int,
          source: str, content: bytes, filename: str, content_type: str, kind: DocumentKind | None,
          deployment_version: int | None, action: str, reason: str = "") -> DocumentVersion:
    digest = hashlib.sha256(content).hexdigest()
    row = DocumentVersion(document_id=document.id, version=version, source=source, filename=filename,
                          content_type=content_type, size=len(content), sha256=digest, content=content,
                          deployment_version=deployment_version, template_sha256=kind.template_sha256 if kind else None,
                          reason=reason, created_by=actor, created_at=rt.now())
    session.add(row)
    event = audit.append_event(
        session, rt.audit_keys, instance, at=rt.now(), actor=actor, action=action, task_id=document.task_id,
        bpmn_id=document.step,
        data={"document": document.id, "title": document.title, "number": document.number_text,
              "issued_on": document.issued_on.isoformat(), "kind": document.kind, "organisation": document.organisation,
              "version": version, "file": filename, "sha256": digest,
              **({"template_sha256": row.template_sha256, "deployment_version": deployment_version} if kind else {}),
              **({"reason": reason} if reason else {})})
    row.audit_seq = event.seq
    return row


def _filename(document: Document, version: int = 1, suffix: str = ".docx") -> str:
    """«QD-so-12-2026-v1.docx»: what a downloaded file is called (ASCII, so every mail client keeps it)."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", _ascii(document.number_text)).strip("-")
    return f"{_ascii(document.title.split(' ')[0])}-{stem}-{document.year}-v{version}{suffix}"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text.replace("Đ", "D").replace("đ", "d")).encode("ascii", "ignore").decode()


def _day(value: Any) -> date | None:
    if isinstance(value, str) and ISO_DAY.match(value):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


# -- reading ---------------------------------------------------------------------------------------------

def case_documents(rt: Runtime, principal: Principal, instance_id: int) -> list[DocumentInfo]:
    """Every document of a case the caller may read, oldest first (404 as for the case itself)."""
    with rt.db.reading() as session:
        instance = session.get(Instance, instance_id)
        if instance is None:
            raise NotFound(access.CASE_NOT_FOUND)
        access.require_case(principal, rt.process(session, instance.deployment), instance)
        return list_documents(session, instance_id)


def list_documents(session: Session, instance_id: int) -> list[DocumentInfo]:
    documents = stored.of_case(session, instance_id)
    files = stored.versions(session, [d.id for d in documents])
    listed = []
    for document in documents:
        generated = [v for v in files[document.id] if v.source == GENERATED]
        signed = [v for v in files[document.id] if v.source == SIGNED]
        if generated:
            latest = generated[-1]
            listed.append(DocumentInfo(document, latest, signed[-1] if signed else None, files[document.id],
                                       latest.deployment_version))
    return listed


def case_of(rt: Runtime, principal: Principal, document_id: int) -> tuple[str, int]:
    """The process and case a document belongs to, for whoever may read that case."""
    with rt.db.reading() as session:
        document = session.get(Document, document_id)
        instance = session.get(Instance, document.instance_id) if document is not None else None
        if instance is None or not access.in_scope(principal, instance.organisation):
            raise NotFound(NOT_FOUND)
        access.require_case(principal, rt.process(session, instance.deployment), instance)
        return instance.process_id, instance.id


@dataclass(frozen=True)
class DocumentFile:
    """A file as served, with the SHA-256 of the stored file the trail records."""

    filename: str
    content_type: str
    content: bytes
    sha256: str
    converted: bool = False  # a PDF made now from the stored .docx whose SHA-256 ``sha256`` is


def document_file(rt: Runtime, principal: Principal, document_id: int, *, version: int | None = None,
                  pdf: bool = False) -> DocumentFile:
    """A document's file (the latest generated version unless one is named), checked against the trail.

    ``pdf`` converts a generated .docx with LibreOffice (``app.engine.pdf``); a signed scan is served as kept.
    """
    with rt.db.reading() as session:
        document = session.get(Document, document_id)
        if document is None:
            raise NotFound(NOT_FOUND)
        instance = session.get(Instance, document.instance_id)
        if instance is None or not access.in_scope(principal, instance.organisation):
            raise NotFound(NOT_FOUND)
        access.require_case(principal, rt.process(session, instance.deployment), instance)
        row = stored.version(session, document_id, version, None if version else GENERATED)
        if row is None:
            raise NotFound("Văn bản không có phiên bản này.")
        problem = file_problem(rt, session, document, row)
        if problem is not None:
            raise TrailBroken(f"Không cung cấp văn bản: {problem}. Hãy báo quản trị kiểm tra (flask audit verify).")
        content, filename, content_type, digest = row.content, row.filename, row.content_type, row.sha256
    if pdf and content_type == DOCX:
        return DocumentFile(filename.rsplit(".", 1)[0] + ".pdf", PDF, to_pdf(content), digest, converted=True)
    return DocumentFile(filename, content_type, content, digest)


def readable(filename: str, content: bytes) -> DocumentFile:
    """A .docx as a browser shows it: PDF when LibreOffice is there, else the Word file itself."""
    try:
        return DocumentFile(filename.rsplit(".", 1)[0] + ".pdf", PDF, to_pdf(content), hashlib.sha256(content).hexdigest(),
                            converted=True)
    except PdfUnavailable:
        return DocumentFile(filename, DOCX, content, hashlib.sha256(content).hexdigest())


def file_problem(rt: Runtime, session: Session, document: Document, row: DocumentVersion) -> str | None:
    """Why a stored document file is not the one its case's trail recorded (None when it is)."""
    return integrity.document_check(rt, session, document, row)


# -- after issuing: made again, signed scan, preview -------------------------------------------------------

def regenerate(rt: Runtime, principal: Principal, document_id: int, reason: str) -> DocumentVersion:
    """Make a document again from the case as it stands (after a correction): a new version, same number and date."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Cần nêu lý do tạo lại văn bản.", fields={"reason": "Cần nêu lý do tạo lại văn bản."})
    problem = unfit(reason)  # the pages' form is not the API's parser: a NUL must not reach the database
    if problem is not None:
        raise InvalidInput(f"Lý do tạo lại văn bản: {problem}", fields={"reason": problem})
    with rt.db.writing() as session:
        document, instance, process = _workable(rt, session, principal, document_id)
        kind = process.documents.get(document.kind)
        if kind is None:
            raise Conflict("Phiên bản quy trình của hồ sơ không còn mẫu văn bản này.")
        _, run = load_run(rt, session, instance)
        content = _render(rt, session, instance, process, run.data, kind, document.organisation, document.number_text,
                          document.issued_on, _full_name(session, document.issued_by))
        version = stored.next_version(session, document.id)
        return _keep(rt, session, principal.username, instance, document, version=version, source=GENERATED,
                     content=content, filename=_filename(document, version), content_type=DOCX, kind=kind,
                     deployment_version=instance.deployment.version, action="document_regenerated",
                     reason=reason[:2000])


def attach_signed(rt: Runtime, principal: Principal, document_id: int, upload: Upload) -> DocumentVersion:
    """Keep the signed and sealed scan of a document beside the file it was printed from (PDF or image)."""
    content_type = check_upload(upload)
    if content_type not in SCAN_TYPES:  # the case's other files may be Word or text; a signed scan may not
        raise InvalidInput(f"Tệp «{safe_name(upload.filename)}»: bản đã ký phải là bản chụp PDF hoặc ảnh "
                           "(pdf, jpg, jpeg, png).")
    with rt.db.writing() as session:
        document, instance, _ = _workable(rt, session, principal, document_id)
        version = stored.next_version(session, document.id)
        return _keep(rt, session, principal.username, instance, document, version=version, source=SIGNED,
                     content=upload.content, filename=safe_name(upload.filename), content_type=content_type,
                     kind=None, deployment_version=None, action="document_signed_added")


def _workable(rt: Runtime, session: Session, principal: Principal,
              document_id: int) -> tuple[Document, Instance, CompiledProcess]:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound(NOT_FOUND)
    instance = lock_instance(rt, session, document.instance_id)
    if not access.in_scope(principal, instance.organisation):
        raise NotFound(NOT_FOUND)
    process = rt.process(session, instance.deployment)
    access.require_case(principal, process, instance)
    access.require_work(principal, process, instance)
    return document, instance, process


def preview(rt: Runtime, session: Session, instance: Instance, process: CompiledProcess, data: Mapping[str, Any],
            step: str, submitted: Mapping[str, Any], kind_name: str, officer: str, *,
            prefix: str = "") -> tuple[str, bytes]:
    """The document a step would issue from what the officer typed, unnumbered and kept nowhere."""
    kind = process.documents.get(kind_name)
    if kind is None or kind.step != step:
        raise NotFound(NOT_FOUND)
    merged = dict(data)
    for key, value in submitted.items():
        merged = with_field(merged, prefix + key, value)
    issued_on = _day(field_value(submitted, kind.date_field) if kind.date_field else None) or rt.today()
    organisation = issuing_body(process, merged, instance)
    content = _render(rt, session, instance, process, merged, kind, organisation, PREVIEW_NUMBER, issued_on,
                      _full_name(session, officer))
    return f"du-thao-{kind.name}.docx", content
