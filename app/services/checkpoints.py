"""Signed checkpoints: every so often the heads of all chains that moved are signed together, in a chain of their own.

A checkpoint holds what an intruder with the database's rights cannot rewrite without the key: a
case's, the account log's or a case's reads' chain cut back to before its last checkpoint, or deleted
whole, no longer matches it. ``integrity`` holds every chain to its latest entry here; ``verify``
checks the checkpoints' own chain (sequence, links, seals, entries, anchor, and the account log's
record of each).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.orm import Session

from app.errors import TrailBroken
from app.persistence import access_log, audit
from app.persistence.audit import Checkpointed
from app.persistence.models import AccessAnchor, AccountEvent, AuditCheckpoint, AuditCheckpointEntry, Instance, LogAnchor
from app.services.runtime import Runtime

CHECKPOINTS = "checkpoints"  # the log_anchors row of the checkpoints' own chain
CHECKPOINT_EVERY = timedelta(minutes=10)
Found = tuple[int | None, str]  # a break in the checkpoints' chain: the checkpoint's number (if one), what is wrong


def latest_checkpointed(session: Session, chain: str) -> Checkpointed | None:
    row = session.execute(
        select(AuditCheckpointEntry, AuditCheckpoint.at)
        .join(AuditCheckpoint, AuditCheckpoint.seq == AuditCheckpointEntry.checkpoint)
        .where(AuditCheckpointEntry.chain == chain).order_by(AuditCheckpointEntry.checkpoint.desc()).limit(1)
    ).first()
    if row is None:
        return None
    entry, at = row
    return Checkpointed(entry.checkpoint, at, entry.seq, entry.head, entry.sealed)


def _entries_digest(entries: Sequence[tuple[str, int, str]]) -> str:
    lines = "\n".join(f"{chain}:{seq}:{head}" for chain, seq, head in sorted(entries))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def _checkpoint_material(seq: int, at: datetime, count: int, digest: str, prev_mac: str) -> str:
    return f"checkpoint\x1f{seq}\x1f{audit.stamp(at)}\x1f{count}\x1f{digest}\x1f{prev_mac}"


def checkpoint(rt: Runtime) -> int | None:
    """Sign the heads of every chain that moved since the last checkpoint; None when none did.

    Only anchors whose own seal holds are signed, so a forged anchor never gets a genuine checkpoint.
    """
    now, keys = rt.now(), rt.audit_keys
    with rt.db.writing() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(hashtext('audit_checkpoints'))"))
        moved = _moved_chains(rt, session)
        if not moved:
            return None
        anchor = _checkpoints_anchor(session, keys)
        seq, prev_mac = anchor.seq + 1, anchor.head
        for chain, chain_seq, head in moved:
            session.add(AuditCheckpointEntry(checkpoint=seq, chain=chain, seq=chain_seq, head=head,
                                             sealed=keys.seal(audit.checkpoint_entry_material(seq, chain, chain_seq,
                                                                                              head))))
        digest = _entries_digest(moved)
        mac = keys.seal(_checkpoint_material(seq, now, len(moved), digest, prev_mac))
        session.add(AuditCheckpoint(seq=seq, at=now, entries=len(moved), digest=digest, prev_mac=prev_mac, mac=mac))
        anchor.seq, anchor.head = seq, mac
        anchor.anchor = keys.seal(audit.anchor_material(CHECKPOINTS, seq, mac))
        event = audit.append_account_event(session, keys, at=now, actor="system", action="checkpoint_signed",
                                           username="-", data={"checkpoint": seq, "chains": len(moved), "mac": mac})
        _mark_checkpointed(session, moved, event.seq)
        return seq


def _checkpoints_anchor(session: Session, keys: audit.KeyRing) -> LogAnchor:
    """The checkpoints' own anchor, checked against the last checkpoint before the chain is extended."""
    last = session.execute(select(AuditCheckpoint.seq, AuditCheckpoint.mac).order_by(AuditCheckpoint.seq.desc())
                           .limit(1)).first()
    anchor = session.get(LogAnchor, CHECKPOINTS)
    if anchor is None:
        if last is not None:
            raise TrailBroken()
        anchor = LogAnchor(name=CHECKPOINTS, seq=0, head=audit.GENESIS, anchor="")
        session.add(anchor)
        return anchor
    found = (last.seq, last.mac) if last else (0, audit.GENESIS)
    if found != (anchor.seq, anchor.head) or not keys.check_seal(
            anchor.anchor, audit.anchor_material(CHECKPOINTS, anchor.seq, anchor.head)):
        raise TrailBroken()
    return anchor


def _moved_chains(rt: Runtime, session: Session) -> list[tuple[str, int, str]]:
    rows = session.execute(select(Instance.id, Instance.audit_seq, Instance.audit_head, Instance.audit_anchor,
                                  Instance.audit_state)
                           .where(Instance.audit_seq.is_not(None),
                                  or_(Instance.audit_checkpointed.is_(None),
                                      Instance.audit_checkpointed != Instance.audit_seq))).all()
    moved = [(audit.case_chain(i), s or 0, h or "") for i, s, h, sealed, state in rows
             if rt.audit_keys.check_seal(sealed, audit.anchor_material(audit.case_chain(i), s or 0, h or "",
                                                                       state or ""))]
    log = session.get(LogAnchor, audit.ACCOUNTS)
    if log is not None and log.checkpointed != log.seq and rt.audit_keys.check_seal(
            log.anchor, audit.anchor_material(audit.ACCOUNTS, log.seq, log.head)):
        moved.append((audit.ACCOUNTS, log.seq, log.head))
    reads = session.scalars(select(AccessAnchor).where(or_(AccessAnchor.checkpointed.is_(None),
                                                           AccessAnchor.checkpointed != AccessAnchor.seq)))
    moved += [(access_log.chain_name(a.instance_id), a.seq, a.head) for a in reads if access_log.sealed(rt.audit_keys, a)]
    return moved


def _mark_checkpointed(session: Session, moved: list[tuple[str, int, str]], log_seq: int) -> None:
    """Bookkeeping only (the next checkpoint's starting point), by Core UPDATE: no case version changes.

    The account log counts as checkpointed up to the checkpoint's own event, so that event alone does
    not make the next checkpoint.
    """
    session.execute(update(LogAnchor).where(LogAnchor.name == audit.ACCOUNTS).values(checkpointed=log_seq))
    for chain, seq, _ in moved:
        if chain.startswith("access:"):
            session.execute(update(AccessAnchor).where(AccessAnchor.instance_id == int(chain.split(":", 1)[1]))
                            .values(checkpointed=seq))
        elif chain != audit.ACCOUNTS:
            instance_id = int(chain.split(":", 1)[1])
            session.execute(update(Instance).where(Instance.id == instance_id).values(audit_checkpointed=seq))


def checkpoint_if_due(rt: Runtime, every: timedelta = CHECKPOINT_EVERY) -> int | None:
    """The worker's periodic checkpoint: when the last is older than ``every`` (and something moved)."""
    with rt.db.reading() as session:
        last = session.scalar(select(func.max(AuditCheckpoint.at)))
    if last is not None and rt.now() - last < every:
        return None
    return checkpoint(rt)



# -- checking them -------------------------------------------------------------------------------------

def latest_entries(session: Session) -> dict[str, Checkpointed]:
    """Each chain's newest signed entry: what ``flask audit verify`` holds every chain to."""
    latest: dict[str, Checkpointed] = {}
    at = {seq: moment for seq, moment in session.execute(select(AuditCheckpoint.seq, AuditCheckpoint.at))}
    for entry in session.scalars(select(AuditCheckpointEntry).order_by(AuditCheckpointEntry.checkpoint)):
        latest[entry.chain] = Checkpointed(entry.checkpoint, at.get(entry.checkpoint, datetime.min), entry.seq,
                                           entry.head, entry.sealed)
    return latest


def verify(rt: Runtime, session: Session, log: list[AccountEvent]) -> tuple[int, list[Found]]:
    """The checkpoints' own chain: sequence, link, seal, entries, its anchor, and the account log's record of them."""
    problems = _anchor_problems(rt, session, log)
    grouped: dict[int, list[tuple[str, int, str]]] = defaultdict(list)
    for entry in session.scalars(select(AuditCheckpointEntry)):
        grouped[entry.checkpoint].append((entry.chain, entry.seq, entry.head))
    points = list(session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq)))
    prev = audit.GENESIS
    for expected, point in enumerate(points, start=1):
        material = _checkpoint_material(point.seq, point.at, point.entries, point.digest, point.prev_mac)
        found = (
            "thiếu hoặc thừa bản chốt" if point.seq != expected else
            "liên kết tới bản chốt trước không khớp" if point.prev_mac != prev else
            "bản chốt bị sửa (mã xác thực không khớp)" if not rt.audit_keys.check_seal(point.mac, material) else
            "các mục của bản chốt đã bị xóa hoặc sửa" if (len(grouped[point.seq]) != point.entries
                                                          or _entries_digest(grouped[point.seq]) != point.digest)
            else None
        )
        if found:
            problems.append((point.seq, found))
        prev = point.mac
    return len(points), problems


def _anchor_problems(rt: Runtime, session: Session, log: list[AccountEvent]) -> list[Found]:
    """The newest checkpoints cannot be dropped: their anchor and the account log both know them."""
    points = {seq: mac for seq, mac in session.execute(select(AuditCheckpoint.seq, AuditCheckpoint.mac))}
    anchor = session.get(LogAnchor, CHECKPOINTS)
    found: list[str] = []
    if anchor is None:
        if points:
            found.append("không có mốc neo của chuỗi bản chốt")
    elif not rt.audit_keys.check_seal(anchor.anchor, audit.anchor_material(CHECKPOINTS, anchor.seq, anchor.head)):
        found.append("mốc neo của chuỗi bản chốt bị sửa")
    elif points.get(anchor.seq) != anchor.head or max(points, default=0) != anchor.seq:
        found.append(f"mốc neo ghi {anchor.seq} bản chốt, trong cơ sở dữ liệu còn {len(points)}")
    for event in (e for e in log if e.action == "checkpoint_signed"):
        data = json.loads(event.data)
        if points.get(data.get("checkpoint")) != data.get("mac"):
            found.append(f"bản chốt số {data.get('checkpoint')} (nhật ký tài khoản, sự kiện {event.seq}) "
                         "không còn hoặc đã bị thay")
    return [(None, text) for text in found]
