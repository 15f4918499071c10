"""Issued documents, their files, and the issuing bodies' headers: the queries the documents service needs."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.persistence.models import Document, DocumentIssuer, DocumentVersion


def issuer(session: Session, organisation: str) -> DocumentIssuer | None:
    return session.get(DocumentIssuer, organisation)


def of_case(session: Session, instance_id: int) -> Sequence[Document]:
    """A case's documents in the order they were issued."""
    return session.scalars(select(Document).where(Document.instance_id == instance_id).order_by(Document.id)).all()


def versions(session: Session, document_ids: Sequence[int]) -> dict[int, list[DocumentVersion]]:
    """Each document's files (without their bytes loaded twice), oldest first."""
    found: dict[int, list[DocumentVersion]] = {i: [] for i in document_ids}
    if document_ids:
        rows = session.scalars(select(DocumentVersion).where(DocumentVersion.document_id.in_(document_ids))
                               .order_by(DocumentVersion.document_id, DocumentVersion.version))
        for row in rows:
            found[row.document_id].append(row)
    return found


def version(session: Session, document_id: int, number: int | None = None,
            source: str | None = None) -> DocumentVersion | None:
    """One file of a document: the given version, else the latest (of ``source`` when given)."""
    stmt = select(DocumentVersion).where(DocumentVersion.document_id == document_id)
    if number is not None:
        stmt = stmt.where(DocumentVersion.version == number)
    if source is not None:
        stmt = stmt.where(DocumentVersion.source == source)
    return session.scalar(stmt.order_by(DocumentVersion.version.desc()).limit(1))


def next_version(session: Session, document_id: int) -> int:
    last = session.scalar(select(func.max(DocumentVersion.version)).where(DocumentVersion.document_id == document_id))
    return int(last or 0) + 1
