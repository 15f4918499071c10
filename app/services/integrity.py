"""Checking the audit trail and the account log against their anchors and the signed checkpoints (``checkpoints``).

``verify_all`` is what ``flask audit verify`` runs: every case's chain against its anchor and its
latest checkpoint, the account log likewise, every case's chain of reads (``access_log``), the
chain of checkpoints itself, and the cases a checkpoint knows but the database no longer has;
also, from each case's trail to its rows (``case_rows``: files, documents, the reception register,
escalations, the day received, deleted or edited behind the application's back) and every deployed
process definition against the hash the account log sealed (``deployment_seals``). The history API
and the case page run the same check for one case (``case_check``, which hashes no file's bytes:
``case_problems`` does, for a one-case run), so the three give the same verdict; a deployment is
reported once by ``verify_all`` and under each of its cases by the one-case paths.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session, defer

from app.persistence import access_log, audit, queries
from app.persistence.audit import Break, ChainCheck, Checkpointed
from app.persistence.models import (
    AccountEvent,
    Attachment,
    AuditEvent,
    Document,
    DocumentVersion,
    Instance,
    LogAnchor,
    User,
)
from app.services import access, case_rows, checkpoints, deployment_seals, notes
from app.services.access import Right
from app.services.principal import Principal
from app.services.runtime import Runtime

BATCH = 500
DEPLOYMENTS = "deployments"  # the chain name deployed process definitions are reported under
LEGACY = "legacy"  # the log_anchors row that says the one-time sealing of pre-0010 chains was done


@dataclass(frozen=True)
class Problem:
    """One break found by a full check, named so an operator can find it."""

    chain: str  # "case:12" | "accounts" | "checkpoints" | "deployments"
    label: str  # the case number, or the log's name
    seq: int | None
    kind: str
    message: str


@dataclass
class Report:
    cases: int = 0
    events: int = 0
    account_events: int = 0
    checkpoints: int = 0
    access_events: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# -- one chain -----------------------------------------------------------------------------------

def case_check(rt: Runtime, session: Session, instance: Instance,
               events: Sequence[AuditEvent] | None = None) -> ChainCheck:
    """A case's chain against its anchor and its latest checkpoint, and its rows against the chain (the case page
    and the history API; the files' bytes are hashed by ``case_problems`` and ``verify_all`` only)."""
    found = list(events if events is not None else queries.audit_events(session, instance.id))
    latest = checkpoints.latest_checkpointed(session, audit.case_chain(instance.id))
    rows = case_rows.load(session, [instance.id], contents=False).get(instance.id, case_rows.CaseRows())
    check = audit.verify_case(rt.audit_keys, instance, found, latest)
    return _with_rows(check, instance, found, rows, _deployment_break(rt, session, instance))


def _deployment_break(rt: Runtime, session: Session, instance: Instance) -> list[Break]:
    """The deployment the case runs (``verify_all`` reports each deployment once, not under every case)."""
    found = deployment_seals.case_problem(rt.audit_keys, session, instance.deployment_id)
    return [Break(None, found.kind, found.message)] if found is not None else []


def _with_rows(check: ChainCheck, instance: Instance, events: list[AuditEvent], rows: case_rows.CaseRows,
               more: Sequence[Break] = ()) -> ChainCheck:
    extra = [*case_rows.problems(instance, events, rows), *more]
    if not extra:
        return check
    breaks = (*check.breaks, *extra)
    return ChainCheck(False, check.events, breaks[0].seq, breaks[0].message, breaks)


def case_problems(rt: Runtime, session: Session, instance: Instance) -> tuple[int, list[Problem]]:
    """One case as ``verify_all`` checks it (chain, anchor, checkpoint, rows, files, documents): its events and breaks."""
    events = list(queries.audit_events(session, instance.id))
    latest = checkpoints.latest_checkpointed(session, audit.case_chain(instance.id))
    rows = case_rows.load(session, [instance.id], contents=True).get(instance.id, case_rows.CaseRows())
    return len(events), _case_problems(rt, instance, events, rows, latest, _deployment_break(rt, session, instance))


def _case_problems(rt: Runtime, instance: Instance, events: list[AuditEvent], rows: case_rows.CaseRows,
                   latest: Checkpointed | None, more: Sequence[Break] = ()) -> list[Problem]:
    """Everything wrong with one case: the same judgement for ``verify_all`` and ``case_problems``."""
    chain, label = audit.case_chain(instance.id), instance.case_number or audit.case_chain(instance.id)
    check = _with_rows(audit.verify_case(rt.audit_keys, instance, events, latest), instance, events, rows, more)
    problems = [_problem(chain, label, b) for b in check.breaks]
    return (problems + _file_problems(rt, chain, label, events, rows.files)
            + _document_problems(rt, chain, label, events, rows.papers))


def account_log_check(rt: Runtime, session: Session) -> tuple[list[AccountEvent], ChainCheck]:
    events = list(queries.account_events(session))
    anchor = session.get(LogAnchor, audit.ACCOUNTS)
    latest = checkpoints.latest_checkpointed(session, audit.ACCOUNTS)
    return events, audit.verify_account_log(rt.audit_keys, events, anchor, latest)


# -- the whole record ---------------------------------------------------------------------------------

def verify_all(rt: Runtime, principal: Principal | None = None) -> Report:
    """Check every case, the account log and the checkpoints; every break is reported, none stops the check."""
    if principal is not None:
        access.require(principal, Right.VERIFY_AUDIT)
    report = Report()
    with rt.db.reading() as session:
        latest = checkpoints.latest_entries(session)
        seen: set[str] = set()
        for instance, events, rows in _cases_with_events(session):
            chain = audit.case_chain(instance.id)
            seen.add(chain)
            report.cases += 1
            report.events += len(events)
            report.problems += _case_problems(rt, instance, events, rows, latest.get(chain))
        report.problems += [Problem(audit.case_chain(case_id), number or audit.case_chain(case_id), seq, "note", text)
                            for case_id, number, seq, text in notes.problems(session)]
        log, check = account_log_check(rt, session)
        report.account_events = len(log)
        report.problems += [_problem(audit.ACCOUNTS, "Nhật ký tài khoản", b) for b in check.breaks]
        report.problems += _missing_accounts(session, log)
        report.problems += [Problem(DEPLOYMENTS, found.label, None, found.kind, found.message)
                            for found in deployment_seals.verify_all(rt.audit_keys, session, log)]
        report.checkpoints, found = checkpoints.verify(rt, session, log)
        report.problems += [Problem(checkpoints.CHECKPOINTS, "Bản chốt nhật ký", seq, "checkpoint", message)
                            for seq, message in found]
        report.access_events, problems, reads_seen = _verify_access_chains(rt, session, latest)
        report.problems += problems
        gone = sorted(set(latest) - seen - reads_seen - {audit.ACCOUNTS})
        report.problems += [_problem(chain, chain, Break(None, "deleted", "hồ sơ có trong bản chốt đã ký nhưng "
                                                         "không còn trong cơ sở dữ liệu (đã bị xóa)"))
                            for chain in gone if not chain.startswith("access:")]
        report.problems += [_problem(chain, chain, Break(None, "deleted", "nhật ký lượt xem có trong bản chốt đã ký "
                                                         "nhưng không còn trong cơ sở dữ liệu (đã bị xóa)"))
                            for chain in gone if chain.startswith("access:")]
    return report


def _verify_access_chains(rt: Runtime, session: Session,
                          latest: dict[str, Checkpointed]) -> tuple[int, list[Problem], set[str]]:
    """Every case's chain of reads, from its prune mark, against its anchor and its latest checkpoint."""
    count, found, seen = access_log.verify_all(session, rt.audit_keys, latest, BATCH)
    return count, [_problem(chain, label, b) for chain, label, b in found], seen


def _problem(chain: str, label: str, found: Break) -> Problem:
    return Problem(chain, label, found.seq, found.kind, found.message)


Papers = case_rows.Papers


def _cases_with_events(session: Session) -> Iterator[tuple[Instance, list[AuditEvent], case_rows.CaseRows]]:
    last_id = 0
    while True:
        batch = list(session.scalars(select(Instance).where(Instance.id > last_id).order_by(Instance.id).limit(BATCH)))
        if not batch:
            return
        ids = [i.id for i in batch]
        grouped: dict[int, list[AuditEvent]] = defaultdict(list)
        for event in session.scalars(select(AuditEvent).where(AuditEvent.instance_id.in_(ids))
                                     .order_by(AuditEvent.instance_id, AuditEvent.seq)):
            grouped[event.instance_id].append(event)
        rows = case_rows.load(session, ids, contents=True)
        for instance in batch:
            yield instance, grouped.get(instance.id, []), rows.get(instance.id) or case_rows.CaseRows()
        session.expunge_all()  # keep the memory of a full check bounded
        last_id = ids[-1]


def _file_problems(rt: Runtime, chain: str, label: str, events: list[AuditEvent],
                   files: list[Attachment]) -> list[Problem]:
    """Every file of a case against the SHA-256 its trail recorded."""
    by_seq = {e.seq: e for e in events}
    problems = []
    for attachment in files:
        found = _attachment_problem(rt.audit_keys, attachment, by_seq.get(attachment.audit_seq or 0))
        if found:
            problems.append(Problem(chain, label, attachment.audit_seq, "attachment", found))
    return problems


def _document_problems(rt: Runtime, chain: str, label: str, events: list[AuditEvent], papers: Papers) -> list[Problem]:
    """Every file of every document a case issued against the SHA-256 its trail recorded."""
    by_seq = {e.seq: e for e in events}
    problems = []
    for document, row in papers:
        found = document_problem(rt.audit_keys, document, row, by_seq.get(row.audit_seq or 0))
        if found:
            problems.append(Problem(chain, label, row.audit_seq, "document", found))
    return problems


def document_check(rt: Runtime, session: Session, document: Document, row: DocumentVersion) -> str | None:
    """Why a stored document file is not the one its case's trail recorded (None when it is)."""
    event = session.scalar(select(AuditEvent).where(AuditEvent.instance_id == document.instance_id,
                                                    AuditEvent.seq == (row.audit_seq or 0)))
    return document_problem(rt.audit_keys, document, row, event)


def document_problem(keys: audit.KeyRing, document: Document, row: DocumentVersion,
                     event: AuditEvent | None) -> str | None:
    name = f"«{document.title}» số {document.number_text}, phiên bản {row.version}"
    if event is None or not event.action.startswith("document_"):
        return f"văn bản {name} không có sự kiện ghi nhận trong nhật ký"
    expected = keys.mac(event.key_id, audit.event_material(event))
    data = json.loads(event.data)
    if expected is None or expected != event.hash or (data.get("document"), data.get("version")) != (document.id,
                                                                                                     row.version):
        return f"sự kiện ghi nhận văn bản {name} không hợp lệ"
    if data.get("sha256") != hashlib.sha256(row.content).hexdigest() or data.get("number") != document.number_text:
        return f"nội dung văn bản {name} khác với dấu vân tay SHA-256 đã ghi trong nhật ký"
    return None


def _missing_accounts(session: Session, log: list[AccountEvent]) -> list[Problem]:
    """Every account was created through the log: a user the log never saw means the log lost its beginning."""
    created = {e.username for e in log if e.action == "user_created"}
    for event in (e for e in log if e.action == audit.REKEY):  # accounts older than the log itself (sealed once)
        created |= set(json.loads(event.data).get("accounts_before_log") or [])
    return [Problem(audit.ACCOUNTS, "Nhật ký tài khoản", None, "missing",
                    f"tài khoản «{name}» không có sự kiện tạo trong nhật ký (nhật ký đã bị xóa bớt)")
            for name in sorted(set(session.scalars(select(User.username))) - created)]


# -- legacy chains ------------------------------------------------------------------------------------

def rekey_legacy(rt: Runtime) -> int:
    """Seal the chains written before migration 0010 under the key: once for the whole database (``flask setup``).

    Afterwards a chain without an anchor is never sealed again (it can only mean tampering), so the
    first setup after the upgrade is the only moment this runs; a marker row says it was done.
    """
    with rt.db.reading() as session:
        if session.get(LogAnchor, LEGACY) is not None:
            return 0
        ids = list(session.scalars(select(Instance.id).where(Instance.audit_anchor.is_(None)).order_by(Instance.id)))
        log_anchored = session.get(LogAnchor, audit.ACCOUNTS) is not None
    for instance_id in ids:
        with rt.db.writing() as session:
            instance = queries.instance(session, instance_id, for_update=True)
            if instance is not None and instance.audit_anchor is None:
                audit.rekey_case(session, rt.audit_keys, instance, rt.now())
    with rt.db.writing() as session:
        if not log_anchored and session.get(LogAnchor, audit.ACCOUNTS) is None:
            audit.rekey_account_log(session, rt.audit_keys, rt.now())
        _link_legacy_attachments(session)
        session.add(LogAnchor(name=LEGACY, seq=len(ids), head=audit.GENESIS,
                              anchor=rt.audit_keys.seal(audit.anchor_material(LEGACY, len(ids), audit.GENESIS))))
    return len(ids)


def _link_legacy_attachments(session: Session) -> None:
    """Files added before 0010: point each at the event that recorded its SHA-256."""
    pending = {a.id: a.instance_id for a in session.scalars(select(Attachment).options(defer(Attachment.content))
                                                             .where(Attachment.audit_seq.is_(None)))}
    if not pending:
        return
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "attachment_added",
                                                      AuditEvent.instance_id.in_(sorted(set(pending.values())))))
    for event in events:
        attachment_id = json.loads(event.data).get("attachment")
        if pending.get(attachment_id) == event.instance_id:
            session.execute(update(Attachment).where(Attachment.id == attachment_id).values(audit_seq=event.seq))


def attachment_check(rt: Runtime, session: Session, attachment: Attachment) -> str | None:
    """Why a stored file is not the one its case's trail recorded (None when it is)."""
    event = session.scalar(select(AuditEvent).where(AuditEvent.instance_id == attachment.instance_id,
                                                    AuditEvent.seq == attachment.audit_seq))
    return _attachment_problem(rt.audit_keys, attachment, event)


def _attachment_problem(keys: audit.KeyRing, attachment: Attachment, event: AuditEvent | None) -> str | None:
    if event is None or event.action != "attachment_added":
        return f"tệp «{attachment.filename}» không có sự kiện ghi nhận trong nhật ký"
    expected = keys.mac(event.key_id, audit.event_material(event))
    data = json.loads(event.data)
    if expected is None or expected != event.hash or data.get("attachment") != attachment.id:
        return f"sự kiện ghi nhận tệp «{attachment.filename}» không hợp lệ"
    if data.get("sha256") != hashlib.sha256(attachment.content).hexdigest():
        return f"nội dung tệp «{attachment.filename}» khác với dấu vân tay SHA-256 đã ghi trong nhật ký"
    return None
