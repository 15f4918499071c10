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
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Table, bindparam, delete, insert, select, update
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
    return _event_material(e.instance_id, e.seq, e.at, e.username, e.kind, e.target, e.address, e.prev_hash)


def _event_material(instance_id: int, seq: int, at: datetime, username: str, kind: str, target: str, address: str,
                    prev_hash: str) -> str:
    return "\x1f".join(["access", str(instance_id), str(seq), stamp(at), username, kind, target, address, prev_hash])


@dataclass(frozen=True)
class _Head:
    """A case's anchor as appending reads it (plain values, no entity): its chain's length and head, its prune
    mark, its seal; ``stored`` False for a first read's fresh anchor not yet written (SQLite)."""

    instance_id: int
    seq: int
    head: str
    base_seq: int
    base_head: str
    anchor: str
    stored: bool = True

    def material(self) -> str:
        return _anchor_material(self.instance_id, self.seq, self.head, self.base_seq, self.base_head)


def _anchor_material(instance_id: int, seq: int, head: str, base_seq: int, base_head: str) -> str:
    return anchor_material(chain_name(instance_id), seq, head, f"{base_seq}:{base_head}")


def sealed(keys: KeyRing, a: AccessAnchor) -> bool:
    """Whether the anchor is what the key sealed (only such anchors are signed into a checkpoint)."""
    return keys.check_seal(a.anchor, _anchor_material(a.instance_id, a.seq, a.head, a.base_seq, a.base_head))


@dataclass(frozen=True)
class Read:
    """What one read was: the caller resolved the case from the document, file or step opened."""

    instance_id: int
    username: str
    kind: str
    target: str = ""
    address: str = ""


# Core statements built once: a read appends on every case view, and the ORM's unit of work costs more than
# the SQL. The anchor is locked FOR UPDATE on PostgreSQL; SQLite's writers are serialised by BEGIN IMMEDIATE.
_ANCHORS: Table = AccessAnchor.__table__  # type: ignore[assignment]
_EVENTS: Table = AccessEvent.__table__  # type: ignore[assignment]
_LOCK_ANCHOR = (select(_ANCHORS.c.seq, _ANCHORS.c.head, _ANCHORS.c.base_seq, _ANCHORS.c.base_head, _ANCHORS.c.anchor)
                .where(_ANCHORS.c.instance_id == bindparam("case")).with_for_update())
_LAST_EVENT = (select(_EVENTS.c.seq, _EVENTS.c.hash).where(_EVENTS.c.instance_id == bindparam("case"))
               .order_by(_EVENTS.c.seq.desc()).limit(1))
_ANCHOR_AND_LAST = _LOCK_ANCHOR.add_columns(_LAST_EVENT.with_only_columns(_EVENTS.c.seq).scalar_subquery(),
                                            _LAST_EVENT.with_only_columns(_EVENTS.c.hash).scalar_subquery())
_INSERT_EVENT = insert(_EVENTS)
_INSERT_ANCHOR = insert(_ANCHORS)
_MOVE_HEAD = (update(_ANCHORS).where(_ANCHORS.c.instance_id == bindparam("case"))
              .values(seq=bindparam("new_seq"), head=bindparam("new_head"), anchor=bindparam("new_anchor")))
_MOVE_MARK = (update(_ANCHORS).where(_ANCHORS.c.instance_id == bindparam("case"))
              .values(base_seq=bindparam("new_base_seq"), base_head=bindparam("new_base_head"),
                      anchor=bindparam("new_anchor")))


def append(session: Session, keys: KeyRing, read: Read, at: datetime) -> None:
    """One INSERT and the anchor's UPDATE (a first read on SQLite: two INSERTs); only this case's anchor row
    is locked, never the case."""
    head = _locked_anchor(session, keys, read.instance_id)
    mac = _insert_event(session, keys, read, head.seq + 1, at, head.head)
    seal = keys.seal(_anchor_material(read.instance_id, head.seq + 1, mac, head.base_seq, head.base_head))
    if head.stored:
        session.execute(_MOVE_HEAD, {"case": read.instance_id, "new_seq": head.seq + 1, "new_head": mac,
                                     "new_anchor": seal})
    else:
        session.execute(_INSERT_ANCHOR, {"instance_id": read.instance_id, "seq": head.seq + 1, "head": mac,
                                         "base_seq": head.base_seq, "base_head": head.base_head, "anchor": seal})


def _insert_event(session: Session, keys: KeyRing, read: Read, seq: int, at: datetime, prev_hash: str) -> str:
    """Write the read as the chain's event ``seq``, linked to ``prev_hash``; its MAC (the chain's new head)."""
    username, target, address = read.username[:64], read.target[:64], read.address[:64]
    mac = keys.sign(_event_material(read.instance_id, seq, at, username, read.kind, target, address, prev_hash))
    session.execute(_INSERT_EVENT, {"instance_id": read.instance_id, "seq": seq, "at": at, "username": username,
                                    "kind": read.kind, "target": target, "address": address,
                                    "prev_hash": prev_hash, "hash": mac, "key_id": keys.current})
    return mac


def _locked_anchor(session: Session, keys: KeyRing, instance_id: int) -> _Head:
    """The case's access anchor, locked and checked against the chain's last event (a fresh one on the first read)."""
    head, last = _anchor_and_last(session, keys, instance_id)
    found = last or (head.base_seq, head.base_head)
    if not keys.check_seal(head.anchor, head.material()) or found != (head.seq, head.head):
        raise TrailBroken()
    return head


def _anchor_and_last(session: Session, keys: KeyRing, instance_id: int) -> tuple[_Head, tuple[int, str] | None]:
    """The anchor, locked, and the chain's last event (seq, MAC) as it stands once the anchor is locked.

    SQLite's writers are serialised (BEGIN IMMEDIATE): one statement reads both. On PostgreSQL the last event
    is read by a statement of its own after the lock: a statement sees what was committed when it began, and a
    racing reader commits its event while this one waits for the lock.
    """
    serialised = session.get_bind().dialect.name != "postgresql"
    row = session.execute(_ANCHOR_AND_LAST if serialised else _LOCK_ANCHOR, {"case": instance_id}).first()
    if row is not None and serialised:
        last_seq, last_hash = row[5], row[6]
        return _Head(instance_id, *row[:5]), None if last_seq is None else (int(last_seq), str(last_hash))
    # a fresh anchor knows no reads: if the case has some, its anchor was deleted
    head = _new_anchor(session, keys, instance_id) if row is None else _Head(instance_id, *row)
    last = session.execute(_LAST_EVENT, {"case": instance_id}).first()
    return head, None if last is None else (int(last.seq), str(last.hash))


def _new_anchor(session: Session, keys: KeyRing, instance_id: int) -> _Head:
    """Two first readers of a case may race: on PostgreSQL the loser's INSERT does nothing and it waits on the row.

    SQLite writers are serialised already: the anchor is written once, with its first read (``stored`` False).
    """
    fresh = _Head(instance_id, 0, GENESIS, 0, GENESIS, "", stored=False)
    fresh = replace(fresh, anchor=keys.seal(fresh.material()))
    if session.get_bind().dialect.name != "postgresql":
        return fresh
    values = {"instance_id": instance_id, "seq": 0, "head": GENESIS, "base_seq": 0, "base_head": GENESIS,
              "anchor": fresh.anchor}
    session.execute(pg_insert(_ANCHORS).values(**values).on_conflict_do_nothing())
    row = session.execute(_LOCK_ANCHOR, {"case": instance_id}).first()
    if row is None:  # cannot happen: inserted or found just now, in this transaction
        raise TrailBroken()
    return _Head(instance_id, *row)


def prune(session: Session, keys: KeyRing, instance_id: int, before: datetime) -> int:
    """Drop a case's reads older than ``before``: move the sealed mark first, then delete what it covers."""
    head = _locked_anchor(session, keys, instance_id)
    last_old = session.execute(select(AccessEvent.seq, AccessEvent.hash)
                               .where(AccessEvent.instance_id == instance_id, AccessEvent.at < before)
                               .order_by(AccessEvent.seq.desc()).limit(1)).first()
    if last_old is None or last_old.seq <= head.base_seq:
        return 0
    base_seq, base_head = int(last_old.seq), str(last_old.hash)
    if not head.stored:  # cannot happen: a case with reads has its anchor (or _locked_anchor refused)
        raise TrailBroken()
    seal = keys.seal(_anchor_material(instance_id, head.seq, head.head, base_seq, base_head))
    # the database's guard lets a DELETE through only below the mark it can see: the mark moves first
    session.execute(_MOVE_MARK, {"case": instance_id, "new_base_seq": base_seq, "new_base_head": base_head,
                                 "new_anchor": seal})
    session.execute(delete(AccessEvent).where(AccessEvent.instance_id == instance_id, AccessEvent.seq <= base_seq))
    return base_seq - head.base_seq


# -- checking ---------------------------------------------------------------------------------------

def _problem(seq: int | None, kind: str, detail: str = "") -> Break:
    return Break(seq, kind, MESSAGES[kind] + (f" ({detail})" if detail else ""))


def verify(keys: KeyRing, instance_id: int, events: Sequence[AccessEvent], anchor: AccessAnchor | None,
           checkpointed: Checkpointed | None = None) -> ChainCheck:
    """A case's reads, from the prune mark on: sequence, link and MAC of each, then the anchor and checkpoint."""
    if anchor is None:
        breaks = [_problem(None, "no_anchor")] if events else []
    elif not sealed(keys, anchor):
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
