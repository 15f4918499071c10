"""Who read what: record each read of a case, show the reads to auditors, prune them after retention.

A surface records one read per request, after its view succeeded (``record``): a refused or failed
read writes nothing, and a page that asks several services about one case still counts once.
Lists and searches are not reads of a case and record nothing. Reading the access log is itself
restricted (``access.require_access_log``) but not recorded as a read of the case: it shows who
opened the file and how, never the citizen's data. When a case's access chain does not match its
seal the read is refused (``TrailBroken``) rather than served unrecorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from app.errors import InvalidInput, NotFound, TrailBroken
from app.persistence import access_log, audit, queries
from app.persistence.access_log import Read
from app.persistence.models import AccessAnchor, AccessEvent, Attachment, Document, Instance, TaskRow, User
from app.services import access
from app.services.access import Right
from app.services.principal import Principal
from app.services.runtime import Runtime

PER_PAGE = 50
# the kinds of read, as an auditor reads them
KINDS = {
    "case": "Mở hồ sơ",
    "history": "Xem nhật ký xử lý",
    "documents": "Xem danh sách văn bản",
    "document": "Tải văn bản",
    "attachment": "Tải tài liệu đính kèm",
    "task": "Mở bước công việc",
    "diagram": "Xem sơ đồ quy trình",
    "preview": "Xem trước văn bản",
    "register": "Xem sổ tiếp công dân",
}
# the kinds whose reference is a document, a file or a step; the case is found from it
_OWNERS: dict[str, type[Document] | type[Attachment] | type[TaskRow]] = {
    "document": Document, "attachment": Attachment, "task": TaskRow, "preview": TaskRow}


@dataclass(frozen=True)
class Access:
    at: datetime
    username: str
    full_name: str
    kind: str
    target: str
    address: str
    instance_id: int
    case_number: str

    @property
    def label(self) -> str:
        return KINDS.get(self.kind, self.kind)


@dataclass(frozen=True)
class AccessPage:
    items: list[Access]
    total: int
    page: int
    per_page: int


def record(rt: Runtime, principal: Principal, kind: str, ref: int | str, address: str) -> None:
    """One access event for a read the caller was just allowed: one INSERT and its anchor's UPDATE."""
    with rt.db.writing() as session:
        instance_id = _case_of(session, kind, ref)
        target = "" if kind not in _OWNERS else str(ref)
        access_log.append(session, rt.audit_keys, Read(instance_id, principal.username, kind, target, address),
                          rt.now())


def _case_of(session: Session, kind: str, ref: int | str) -> int:
    owner = _OWNERS.get(kind)
    if owner is None:
        return int(ref)
    found = session.scalar(select(owner.instance_id).where(owner.id == ref))
    if found is None:  # the view found it a moment ago: gone since (a step completed), still the read happened
        raise NotFound("Không tìm thấy đối tượng vừa xem để ghi nhận lượt xem.")
    return int(found)


def case_accesses(rt: Runtime, principal: Principal, instance_id: int, page: int = 1) -> AccessPage:
    """Who opened one case and how, newest first (auditors and admins, within their organisation)."""
    with rt.db.reading() as session:
        instance = queries.instance(session, instance_id)
        if instance is None:
            raise NotFound(access.CASE_NOT_FOUND)
        access.require_access_log(principal, instance)
        return _page(session, [AccessEvent.instance_id == instance_id], page)


def user_accesses(rt: Runtime, principal: Principal, username: str, page: int = 1, *,
                  required: bool = False) -> AccessPage:
    """Every case one officer opened, newest first; a limited auditor sees only its organisation's cases.

    The right is checked before the name (403 before 400); ``required``: no name is refused, else
    it finds nothing (the page's empty search form).
    """
    access.require(principal, Right.READ_ACCESS_LOG)
    if required and not username:
        raise InvalidInput("Hãy cho biết tên đăng nhập của cán bộ cần xem.", fields={"user": "Thiếu tên đăng nhập."})
    where = [AccessEvent.username == username]
    if principal.organisation is not None:
        where.append(Instance.organisation == principal.organisation)
    with rt.db.reading() as session:
        return _page(session, where, page)


def _page(session: Session, where: list[ColumnElement[bool]], page: int) -> AccessPage:
    base = select(AccessEvent, Instance.case_number, User.full_name).join(
        Instance, Instance.id == AccessEvent.instance_id).outerjoin(User, User.username == AccessEvent.username)
    base = base.where(*where)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(base.order_by(AccessEvent.at.desc(), AccessEvent.id.desc())
                           .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    items = [Access(e.at, e.username, name or e.username, e.kind, e.target, e.address, e.instance_id,
                    number or f"#{e.instance_id}") for e, number, name in rows]
    return AccessPage(items, total, page, PER_PAGE)


@dataclass(frozen=True)
class Pruned:
    cases: int
    events: int
    broken: list[int]  # cases whose chain did not match its seal: left alone for the auditor


def prune(rt: Runtime, before: datetime) -> Pruned:
    """Remove reads older than ``before``, case by case (one short transaction each), and log that it was done.

    Each case's sealed anchor records where its chain now starts, so ``audit verify`` still checks
    what is kept; the account log records who pruned, up to when and how much.
    """
    with rt.db.reading() as session:
        ids = list(session.scalars(select(AccessEvent.instance_id).join(
            AccessAnchor, AccessAnchor.instance_id == AccessEvent.instance_id)
            .where(AccessEvent.at < before, AccessEvent.seq > AccessAnchor.base_seq).distinct()
            .order_by(AccessEvent.instance_id)))
    cases = events = 0
    broken: list[int] = []
    for instance_id in ids:
        try:
            with rt.db.writing() as session:
                dropped = access_log.prune(session, rt.audit_keys, instance_id, before)
        except TrailBroken:
            broken.append(instance_id)
            continue
        cases, events = cases + (dropped > 0), events + dropped
    with rt.db.writing() as session:
        audit.append_account_event(session, rt.audit_keys, at=rt.now(), actor="system", action="access_log_pruned",
                                   username="-", data={"before": audit.stamp(before), "cases": cases,
                                                       "events": events, "broken": broken})
    return Pruned(cases, events, broken)
