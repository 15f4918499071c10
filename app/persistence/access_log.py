"""Who read what: one keyed, anchored chain of reads per case, held like the audit trail.

Each read of a case is an ``AccessEvent`` whose MAC (HMAC-SHA-256 under the audit key ring) covers
the case, its sequence number, time, reader, kind of read, target, address and the previous
event's MAC. The chain's length and head are sealed in ``access_anchors`` — not in the case's row,
so a read takes neither the case's lock nor its version, and readers of different cases never wait
for each other. The same seal records where retention cut the chain (``base_seq``, ``base_head``):
pruning moves that mark forward under the key, then deletes what lies at or below it, and the
verifier walks from the mark, so a pruned chain is still checked link by link and a deletion the
seal does not cover is caught.

What it answers, for someone with the database but without the key: an event edited, deleted or
reordered (its MAC, sequence or link); the last reads deleted (the anchor knows more); the anchor
rewound (the signed checkpoints know a later head); an event forged (no key).
"""

from __future__ import annotations

import hmac
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from app.errors import TrailBroken
from app.persistence.audit import (
    GENESIS,
    MESSAGES,
    Break,
    ChainCheck,
    Checkpointed,
    KeyRing,
    anchor_material,
    checkpoint_entry_material,
    stamp,
)
from app.persistence.models import AccessAnchor, AccessEvent, Instance


def chain_name(instance_id: int) -> str:
    return f"access:{instance_id}"


def event_material(e: AccessEvent) -> str:
    return "\x1f".join(["access", str(e.instance_id), str(e.seq), stamp(e.at), e.username, e.kind, e.target,
                        e.address, e.prev_hash])


def _sealed_material(a: AccessAnchor) -> str:
    return anchor_material(chain_name(a.instance_id), a.seq, a.head, f"{a.base_seq}:{a.base_head}")


def sealed(keys: KeyRing, a: AccessAnchor) -> bool:
    """Whether the anchor is what the key sealed (only such anchors are signed into a checkpoint)."""
    return keys.check_seal(a.anchor, _sealed_material(a))


def _seal(keys: KeyRing, a: AccessAnchor) -> None:
    a.anchor = keys.seal(_sealed_material(a))


@dataclass(frozen=True)
class Read:
    """What one read was: the caller resolved the case from the document, file or step opened."""

    instance_id: int
    username: str
    kind: str
    target: str = ""
    address: str = ""


def append(session: Session, keys: KeyRing, read: Read, at: datetime) -> AccessEvent:
    """One INSERT and the anchor's UPDATE; only this case's anchor row is locked, never the case."""
    anchor = _locked_anchor(session, keys, read.instance_id)
    event = AccessEvent(instance_id=read.instance_id, seq=anchor.seq + 1, at=at, username=read.username[:64],
                        kind=read.kind, target=read.target[:64], address=read.address[:64], prev_hash=anchor.head,
                        key_id=keys.current)
    event.hash = keys.sign(event_material(event))
    session.add(event)
    anchor.seq, anchor.head = event.seq, event.hash
    _seal(keys, anchor)
    return event


def _locked_anchor(session: Session, keys: KeyRing, instance_id: int) -> AccessAnchor:
    """The case's access anchor, locked and checked against the chain's last event (created on the first read)."""
    anchor = session.scalar(select(AccessAnchor).where(AccessAnchor.instance_id == instance_id).with_for_update())
    if anchor is None:  # a fresh anchor knows no reads: if the case has some, its anchor was deleted
        anchor = _new_anchor(session, keys, instance_id)
    # read only once the anchor is locked, so a racing first reader's committed read is seen with its anchor
    last = session.execute(select(AccessEvent.seq, AccessEvent.hash).where(AccessEvent.instance_id == instance_id)
                           .order_by(AccessEvent.seq.desc()).limit(1)).first()
    found = (int(last.seq), str(last.hash)) if last else (anchor.base_seq, anchor.base_head)
    if not keys.check_seal(anchor.anchor, _sealed_material(anchor)) or found != (anchor.seq, anchor.head):
        raise TrailBroken()
    return anchor


def _new_anchor(session: Session, keys: KeyRing, instance_id: int) -> AccessAnchor:
    """Two first readers of a case may race: on PostgreSQL the loser's INSERT does nothing and it waits on the row."""
    fresh = AccessAnchor(instance_id=instance_id, seq=0, head=GENESIS, base_seq=0, base_head=GENESIS, anchor="")
    _seal(keys, fresh)
    if session.get_bind().dialect.name != "postgresql":  # SQLite writers are serialised already
        session.add(fresh)
        return fresh
    values = {c: getattr(fresh, c) for c in ("instance_id", "seq", "head", "base_seq", "base_head", "anchor")}
    session.execute(pg_insert(AccessAnchor).values(**values).on_conflict_do_nothing())
    anchor = session.scalar(select(AccessAnchor).where(AccessAnchor.instance_id == instance_id)
                            .with_for_update().execution_options(populate_existing=True))
    if anchor is None:  # cannot happen: inserted or found just now, in this transaction
        raise TrailBroken()
    return anchor


def prune(session: Session, keys: KeyRing, instance_id: int, before: datetime) -> int:
    """Drop a case's reads older than ``before``: move the sealed mark first, then delete what it covers."""
    anchor = _locked_anchor(session, keys, instance_id)
    last_old = session.execute(select(AccessEvent.seq, AccessEvent.hash)
                               .where(AccessEvent.instance_id == instance_id, AccessEvent.at < before)
                               .order_by(AccessEvent.seq.desc()).limit(1)).first()
    if last_old is None or last_old.seq <= anchor.base_seq:
        return 0
    dropped = int(last_old.seq) - anchor.base_seq
    anchor.base_seq, anchor.base_head = int(last_old.seq), str(last_old.hash)
    _seal(keys, anchor)
    session.flush()  # the database's guard lets a DELETE through only below the mark it can see
    session.execute(delete(AccessEvent).where(AccessEvent.instance_id == instance_id,
                                              AccessEvent.seq <= anchor.base_seq))
    return dropped


# -- checking ---------------------------------------------------------------------------------------

def _problem(seq: int | None, kind: str, detail: str = "") -> Break:
    return Break(seq, kind, MESSAGES[kind] + (f" ({detail})" if detail else ""))


def verify(keys: KeyRing, instance_id: int, events: Sequence[AccessEvent], anchor: AccessAnchor | None,
           checkpointed: Checkpointed | None = None) -> ChainCheck:
    """A case's reads, from the prune mark on: sequence, link and MAC of each, then the anchor and checkpoint."""
    if anchor is None:
        breaks = [_problem(None, "no_anchor")] if events else []
    elif not keys.check_seal(anchor.anchor, _sealed_material(anchor)):
        breaks = [_problem(None, "anchor_forged")]
    else:
        kept = [e for e in events if e.seq > anchor.base_seq]
        breaks = _walk(keys, kept, anchor.base_seq, anchor.base_head) + _against_anchor(kept, anchor)
        if checkpointed is not None:
            breaks += _against_checkpoint(keys, instance_id, kept, anchor, checkpointed)
    if not breaks:
        return ChainCheck(True, len(events))
    return ChainCheck(False, len(events), breaks[0].seq, breaks[0].message, tuple(breaks))


def verify_all(session: Session, keys: KeyRing, latest: Mapping[str, Checkpointed],
               batch_size: int) -> tuple[int, list[tuple[str, str, Break]], set[str]]:
    """Every case's chain (anchored, or with reads but no anchor), a batch of cases at a time to bound memory.

    Returns the number of reads checked, each break with its chain and label, and the chains seen.
    """
    anchors = {a.instance_id: a for a in session.scalars(select(AccessAnchor))}
    ids = sorted(set(anchors) | set(session.scalars(select(AccessEvent.instance_id).distinct())))
    count, breaks = 0, []
    for start in range(0, len(ids), batch_size):
        batch = ids[start:start + batch_size]
        numbers = {i: n for i, n in session.execute(select(Instance.id, Instance.case_number)
                                                    .where(Instance.id.in_(batch)))}
        grouped: dict[int, list[AccessEvent]] = defaultdict(list)
        for event in session.scalars(select(AccessEvent).where(AccessEvent.instance_id.in_(batch))
                                     .order_by(AccessEvent.instance_id, AccessEvent.seq)):
            grouped[event.instance_id].append(event)
        for instance_id in batch:
            chain = chain_name(instance_id)
            check = verify(keys, instance_id, grouped[instance_id], anchors.get(instance_id), latest.get(chain))
            count += check.events
            label = f"Lượt xem hồ sơ {numbers.get(instance_id) or instance_id}"
            breaks += [(chain, label, b) for b in check.breaks]
        session.expunge_all()
    return count, breaks, {chain_name(i) for i in ids}


def _walk(keys: KeyRing, events: Sequence[AccessEvent], base_seq: int, base_head: str) -> list[Break]:
    breaks, prev = [], base_head
    for expected, event in enumerate(events, start=base_seq + 1):
        mac = keys.mac(event.key_id, event_material(event)) if event.key_id else None
        if event.seq != expected:
            breaks.append(_problem(event.seq, "sequence"))
        elif event.prev_hash != prev:
            breaks.append(_problem(event.seq, "link"))
        elif not event.key_id:
            breaks.append(_problem(event.seq, "unkeyed"))
        elif mac is None:
            breaks.append(_problem(event.seq, "unknown_key", event.key_id))
        elif not hmac.compare_digest(mac, event.hash):
            breaks.append(_problem(event.seq, "altered"))
        prev = event.hash
    return breaks


def _against_anchor(events: Sequence[AccessEvent], anchor: AccessAnchor) -> list[Break]:
    last_seq, last_head = (events[-1].seq, events[-1].hash) if events else (anchor.base_seq, anchor.base_head)
    if anchor.seq > last_seq:
        return [_problem(last_seq + 1, "truncated", f"mốc neo ghi {anchor.seq} lượt xem, chỉ còn {last_seq}")]
    if anchor.seq < last_seq:
        return [_problem(anchor.seq + 1, "extra", f"mốc neo ghi {anchor.seq} lượt xem, có {last_seq}")]
    if anchor.head != last_head:
        return [_problem(last_seq, "head")]
    return []


def _against_checkpoint(keys: KeyRing, instance_id: int, events: Sequence[AccessEvent], anchor: AccessAnchor,
                        point: Checkpointed) -> list[Break]:
    chain = chain_name(instance_id)
    if not keys.check_seal(point.sealed, checkpoint_entry_material(point.checkpoint, chain, point.seq, point.head)):
        return [_problem(None, "checkpoint_forged", f"bản chốt số {point.checkpoint}")]
    if point.seq <= anchor.base_seq:  # retention pruned past it, under the key: the seal vouches for the cut
        return []
    held = next((e for e in events if e.seq == point.seq), None)
    if held is None or held.hash != point.head or anchor.seq < point.seq:
        when = point.at.strftime("%d/%m/%Y %H:%M")
        return [_problem(point.seq, "rewound", f"bản chốt số {point.checkpoint} lúc {when} UTC ghi {point.seq} lượt xem")]
    return []
