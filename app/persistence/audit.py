"""The tamper-evident audit trail: append with a hash chain, verify by recomputing it.

Each event's hash covers its own fields and the previous event's hash, so changing,
inserting or removing any past event breaks every hash after it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.persistence.models import AccountEvent, AuditEvent

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _digest(instance_id: int, seq: int, at: datetime, actor: str, action: str,
            task_id: str | None, bpmn_id: str | None, data: str, prev_hash: str) -> str:
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    material = "\x1f".join([str(instance_id), str(seq), stamp, actor, action, task_id or "",
                            bpmn_id or "", data, prev_hash])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def append_event(session: Session, *, instance_id: int, at: datetime, actor: str, action: str,
                 data: dict[str, Any], task_id: str | None = None, bpmn_id: str | None = None) -> AuditEvent:
    """Add the next event of an instance; the caller holds the instance's lock."""
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq = last.seq + 1 if last else 1
    prev_hash = last.hash if last else GENESIS
    payload = canonical_json(data)
    event = AuditEvent(
        instance_id=instance_id, seq=seq, at=at, actor=actor, action=action, task_id=task_id,
        bpmn_id=bpmn_id, data=payload, prev_hash=prev_hash,
        hash=_digest(instance_id, seq, at, actor, action, task_id, bpmn_id, payload, prev_hash),
    )
    session.add(event)
    return event


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    events: int
    broken_at: int | None = None
    reason: str | None = None


def verify_chain(events: Sequence[AuditEvent]) -> ChainCheck:
    """Recompute every hash in order; report the first sequence number that does not match."""
    return _verify(events, lambda e: _digest(e.instance_id, e.seq, e.at, e.actor, e.action, e.task_id, e.bpmn_id,
                                             e.data, e.prev_hash))


def _verify(events: Sequence[Any], digest: Callable[[Any], str]) -> ChainCheck:
    prev = GENESIS
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            return ChainCheck(False, len(events), event.seq, "thiếu hoặc thừa sự kiện trong chuỗi")
        if event.prev_hash != prev:
            return ChainCheck(False, len(events), event.seq, "liên kết tới sự kiện trước không khớp")
        if digest(event) != event.hash:
            return ChainCheck(False, len(events), event.seq, "nội dung sự kiện đã bị thay đổi")
        prev = event.hash
    return ChainCheck(True, len(events))


# -- the account log: one chain for all changes to users ---------------------------------------

def _account_digest(seq: int, at: datetime, actor: str, action: str, username: str, data: str, prev_hash: str) -> str:
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    material = "\x1f".join(["accounts", str(seq), stamp, actor, action, username, data, prev_hash])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def append_account_event(session: Session, *, at: datetime, actor: str, action: str, username: str,
                         data: dict[str, Any]) -> AccountEvent:
    """Add the next event of the account log, serialised against other writers of the log."""
    if session.get_bind().dialect.name == "postgresql":  # SQLite's BEGIN IMMEDIATE already serialises writers
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('account_events'))"))
    last = session.execute(select(AccountEvent.seq, AccountEvent.hash).order_by(AccountEvent.seq.desc()).limit(1)).first()
    seq = last.seq + 1 if last else 1
    prev_hash = last.hash if last else GENESIS
    payload = canonical_json(data)
    event = AccountEvent(seq=seq, at=at, actor=actor, action=action, username=username, data=payload,
                         prev_hash=prev_hash,
                         hash=_account_digest(seq, at, actor, action, username, payload, prev_hash))
    session.add(event)
    return event


def verify_account_chain(events: Sequence[AccountEvent]) -> ChainCheck:
    """The same check as a case's trail, over the account log in order."""
    return _verify(events, lambda e: _account_digest(e.seq, e.at, e.actor, e.action, e.username, e.data, e.prev_hash))
