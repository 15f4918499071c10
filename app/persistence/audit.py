"""The tamper-evident audit trail: keyed hash chains, anchors outside the events, signed checkpoints.

What each protection answers (someone with database access but without the audit key):

- an event edited, inserted or removed in the middle → its keyed MAC, its link to the previous
  event or the sequence breaks;
- an event appended by INSERT with a hash computed as the service does, or the whole chain
  recomputed → without the key the MACs (HMAC-SHA-256) cannot be made;
- the last events, or all of a case's events, deleted → the chain's length and head are anchored
  in the instance row (for the account log: in ``log_anchors``) under a keyed MAC of their own,
  written in the same transaction as the event;
- an anchor put back to an earlier, genuine value → the signed checkpoints (``audit_checkpoints``)
  know a later head for that chain;
- the case's state and summary edited in its row → the anchor also seals their digest;
- events written before migration 0010 (plain SHA-256) stay checkable as such: the one
  ``audit_rekeyed`` event appended after them (once, by the first ``flask setup``, never again)
  carries a keyed MAC over their head.

Before it appends, the application checks that the chain's head is the one its anchor sealed; when
it is not, it writes nothing more on that chain (``TrailBroken``) instead of signing over a forgery.

Someone with both the database and the key can forge anything; the README says how to keep the key.
Every MAC names the key it was made with (``key_id``), so a key can be rotated and old events
still checked with the old key kept for verification.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.errors import TrailBroken
from app.persistence.models import AccountEvent, AuditEvent, Instance, LogAnchor, User
from app.request_context import request_id

GENESIS = "0" * 64
REKEY = "audit_rekeyed"
ACCOUNTS = "accounts"
LEGACY = ""  # key id of events hashed without a key (before migration 0010)


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class KeyRing:
    """The audit key (for new MACs) and older keys kept only to check what they signed."""

    current: str  # key id of the key new MACs are made with
    keys: Mapping[str, bytes] = field(repr=False)

    @staticmethod
    def key_id(secret: bytes) -> str:
        return hashlib.sha256(b"khieunai audit key\x00" + secret).hexdigest()[:12]

    @classmethod
    def of(cls, current: bytes, older: Iterable[bytes] = ()) -> KeyRing:
        keys = {cls.key_id(k): k for k in older}
        keys[cls.key_id(current)] = current
        return cls(cls.key_id(current), keys)

    def mac(self, key_id: str, material: str) -> str | None:
        """The MAC of ``material`` under a key of the ring; None for a key the ring does not hold."""
        if key_id == LEGACY:
            return hashlib.sha256(material.encode("utf-8")).hexdigest()
        key = self.keys.get(key_id)
        return hmac.new(key, material.encode("utf-8"), hashlib.sha256).hexdigest() if key is not None else None

    def sign(self, material: str) -> str:
        return hmac.new(self.keys[self.current], material.encode("utf-8"), hashlib.sha256).hexdigest()

    def seal(self, material: str) -> str:
        """``key_id:mac`` in one column (anchors), so the key it was made with travels with it."""
        return f"{self.current}:{self.sign(material)}"

    def check_seal(self, sealed: str | None, material: str) -> bool:
        if not sealed or ":" not in sealed:
            return False
        key_id, mac = sealed.split(":", 1)
        expected = self.mac(key_id, material) if key_id != LEGACY else None
        return expected is not None and hmac.compare_digest(expected, mac)


# -- what is hashed ---------------------------------------------------------------------------------

def event_material(e: Any) -> str:
    return "\x1f".join([str(e.instance_id), str(e.seq), stamp(e.at), e.actor, e.action, e.task_id or "",
                        e.bpmn_id or "", e.data, e.prev_hash])


def account_material(e: Any) -> str:
    return "\x1f".join([ACCOUNTS, str(e.seq), stamp(e.at), e.actor, e.action, e.username, e.data, e.prev_hash])


def anchor_material(chain: str, seq: int, head: str, state: str = "") -> str:
    return f"anchor\x1f{chain}\x1f{seq}\x1f{head}\x1f{state}"


def state_digest(instance: Instance) -> str:
    """What of the case's row the anchor seals besides the chain: its state and the summary lists show."""
    parts = [instance.process_id, str(instance.deployment_id), instance.case_number or "", instance.title or "",
             instance.status, instance.outcome or "", instance.organisation or "", instance.state]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def case_chain(instance_id: int) -> str:
    return f"case:{instance_id}"


# -- appending --------------------------------------------------------------------------------------

def append_event(session: Session, keys: KeyRing, instance: Instance, *, at: datetime, actor: str, action: str,
                 data: dict[str, Any], task_id: str | None = None, bpmn_id: str | None = None) -> AuditEvent:
    """Add the next event of a case and move its anchor, in the caller's transaction (which holds the case's lock)."""
    seq, head = _checked_head(session, keys, instance)
    data = _with_request_id(data)
    event = AuditEvent(instance_id=instance.id, seq=seq + 1, at=at, actor=actor, action=action,
                       task_id=task_id, bpmn_id=bpmn_id, data=canonical_json(data), prev_hash=head, key_id=keys.current)
    event.hash = keys.sign(event_material(event))
    session.add(event)
    _anchor_case(session, keys, instance, event.seq, event.hash)
    return event


def _with_request_id(data: dict[str, Any]) -> dict[str, Any]:
    """The event's data with the HTTP request that wrote it, inside the MAC'd data (none from the timer worker)."""
    current = request_id()
    return {**data, "request_id": current} if current is not None else data


def _checked_head(session: Session, keys: KeyRing, instance: Instance) -> tuple[int, str]:
    """The chain's last (seq, hash), refused unless it is the one the anchor sealed (a new case has none)."""
    last = session.execute(select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.instance_id == instance.id)
                           .order_by(AuditEvent.seq.desc()).limit(1)).first()
    if instance.audit_anchor is None:
        raise TrailBroken()
    sealed = anchor_material(case_chain(instance.id), instance.audit_seq or 0, instance.audit_head or GENESIS,
                             instance.audit_state or "")
    found: tuple[int, str] = (int(last.seq), str(last.hash)) if last else (0, GENESIS)
    if not keys.check_seal(instance.audit_anchor, sealed) or found != (instance.audit_seq, instance.audit_head):
        raise TrailBroken()
    return found


def sealed_head(keys: KeyRing, instance: Instance) -> tuple[int, str]:
    """The chain's (seq, head) as the case's row carries it, refused unless its anchor sealed them.

    The save path appends from this without reading the events back: a last event deleted behind
    the application's back then leaves a gap in the sequence, which ``verify_case`` reports.
    """
    sealed = anchor_material(case_chain(instance.id), instance.audit_seq or 0, instance.audit_head or GENESIS,
                             instance.audit_state or "")
    if not keys.check_seal(instance.audit_anchor, sealed):
        raise TrailBroken()
    return instance.audit_seq or 0, instance.audit_head or GENESIS


@dataclass
class Appended:
    """Events of one case built in memory, chained from a known head, written with one statement.

    ``rows`` go to ``insert_events``; ``seq`` and ``head`` are what the case's anchor must then seal.
    """

    keys: KeyRing
    instance_id: int
    seq: int
    head: str
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, *, at: datetime, actor: str, action: str, data: dict[str, Any], task_id: str | None = None,
            bpmn_id: str | None = None) -> None:
        event = _Material(self.instance_id, self.seq + 1, at, actor, action, task_id, bpmn_id,
                          canonical_json(_with_request_id(data)), self.head)
        digest = self.keys.sign(event_material(event))
        self.rows.append({**event.__dict__, "hash": digest, "key_id": self.keys.current})
        self.seq, self.head = event.seq, digest


@dataclass(frozen=True)
class _Material:
    instance_id: int
    seq: int
    at: datetime
    actor: str
    action: str
    task_id: str | None
    bpmn_id: str | None
    data: str
    prev_hash: str


_INSERT_EVENTS = insert(AuditEvent.__table__)  # type: ignore[arg-type]


def insert_events(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.connection().execute(_INSERT_EVENTS, rows)


def anchor_values(keys: KeyRing, instance: Instance, seq: int, head: str) -> dict[str, Any]:
    """The anchor columns sealing the chain's (seq, head) and the row as ``instance`` holds it now."""
    state = state_digest(instance)
    return {"audit_seq": seq, "audit_head": head, "audit_state": state,
            "audit_anchor": keys.seal(anchor_material(case_chain(instance.id), seq, head, state))}


def row_is_sealed(keys: KeyRing, instance: Instance) -> bool:
    """Whether the case's row (state, summary, chain length and head) is what its anchor sealed."""
    sealed = anchor_material(case_chain(instance.id), instance.audit_seq or 0, instance.audit_head or GENESIS,
                             instance.audit_state or "")
    return keys.check_seal(instance.audit_anchor, sealed) and instance.audit_state == state_digest(instance)


def open_chain(session: Session, keys: KeyRing, instance: Instance) -> None:
    """A new case's empty chain, anchored before its first event (so a missing anchor always means tampering)."""
    _anchor_case(session, keys, instance, 0, GENESIS)


def _anchor_case(session: Session, keys: KeyRing, instance: Instance, seq: int, head: str) -> None:
    """Written with a Core UPDATE so the case's optimistic-lock version is not bumped by its own trail."""
    session.flush()  # the row's state as this transaction leaves it is what the anchor seals
    state = state_digest(instance)
    anchor = keys.seal(anchor_material(case_chain(instance.id), seq, head, state))
    session.execute(update(Instance).where(Instance.id == instance.id)
                    .values(audit_seq=seq, audit_head=head, audit_anchor=anchor, audit_state=state))
    for name, value in (("audit_seq", seq), ("audit_head", head), ("audit_anchor", anchor), ("audit_state", state)):
        set_committed_value(instance, name, value)


def rekey_case(session: Session, keys: KeyRing, instance: Instance, at: datetime) -> None:
    """A case from before the keyed chain: seal its unkeyed events under the key, once, as an event of its own.

    Only the one-time upgrade (``app.services.integrity.rekey_legacy``) calls this: were it run on any
    chain that merely lacks an anchor, an intruder could delete the anchor and have forged events sealed.
    """
    last = session.execute(select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.instance_id == instance.id)
                           .order_by(AuditEvent.seq.desc()).limit(1)).first()
    if last is None:
        _anchor_case(session, keys, instance, 0, GENESIS)
        return
    event = AuditEvent(instance_id=instance.id, seq=last.seq + 1, at=at, actor="system", action=REKEY,
                       data=canonical_json({"legacy_events": last.seq, "legacy_head": last.hash}),
                       prev_hash=last.hash, key_id=keys.current)
    event.hash = keys.sign(event_material(event))
    session.add(event)
    _anchor_case(session, keys, instance, event.seq, event.hash)


def append_account_event(session: Session, keys: KeyRing, *, at: datetime, actor: str, action: str, username: str,
                         data: dict[str, Any]) -> AccountEvent:
    """Add the next event of the account log, serialised against other writers of the log."""
    if session.get_bind().dialect.name == "postgresql":  # SQLite's BEGIN IMMEDIATE already serialises writers
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('account_events'))"))
    anchor = _checked_log_head(session, keys)
    event = AccountEvent(seq=anchor.seq + 1, at=at, actor=actor, action=action, username=username,
                         data=canonical_json(_with_request_id(data)), prev_hash=anchor.head, key_id=keys.current)
    event.hash = keys.sign(account_material(event))
    session.add(event)
    anchor.seq, anchor.head = event.seq, event.hash
    anchor.anchor = keys.seal(anchor_material(ACCOUNTS, event.seq, event.hash))
    return event


def _checked_log_head(session: Session, keys: KeyRing) -> LogAnchor:
    last = session.execute(select(AccountEvent.seq, AccountEvent.hash).order_by(AccountEvent.seq.desc())
                           .limit(1)).first()
    anchor = session.get(LogAnchor, ACCOUNTS)
    if anchor is None:
        if last is not None:
            raise TrailBroken()
        anchor = LogAnchor(name=ACCOUNTS, seq=0, head=GENESIS, anchor="")
        session.add(anchor)
        return anchor
    found = (last.seq, last.hash) if last else (0, GENESIS)
    if not keys.check_seal(anchor.anchor, anchor_material(ACCOUNTS, anchor.seq, anchor.head)) or \
            found != (anchor.seq, anchor.head):
        raise TrailBroken()
    return anchor


def rekey_account_log(session: Session, keys: KeyRing, at: datetime) -> LogAnchor:
    """The account log from before the keyed chain, sealed once (the one-time upgrade only)."""
    last = session.execute(select(AccountEvent.seq, AccountEvent.hash).order_by(AccountEvent.seq.desc())
                           .limit(1)).first()
    anchor = LogAnchor(name=ACCOUNTS, seq=last.seq if last else 0, head=last.hash if last else GENESIS, anchor="")
    session.add(anchor)
    if last is not None:
        logged = set(session.scalars(select(AccountEvent.username).where(AccountEvent.action == "user_created")))
        older = sorted(set(session.scalars(select(User.username))) - logged)
        event = AccountEvent(seq=last.seq + 1, at=at, actor="system", action=REKEY, username="-",
                             data=canonical_json({"legacy_events": last.seq, "legacy_head": last.hash,
                                                  "accounts_before_log": older}),
                             prev_hash=last.hash, key_id=keys.current)
        event.hash = keys.sign(account_material(event))
        session.add(event)
        anchor.seq, anchor.head = event.seq, event.hash
    anchor.anchor = keys.seal(anchor_material(ACCOUNTS, anchor.seq, anchor.head))
    return anchor


# -- checking ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Break:
    """One thing found wrong in a chain: where (sequence number, if it is about one event) and what."""

    seq: int | None
    kind: str
    message: str


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    events: int
    broken_at: int | None = None
    reason: str | None = None
    breaks: tuple[Break, ...] = ()


@dataclass(frozen=True)
class Anchor:
    seq: int
    head: str
    sealed: str | None
    state: str = ""  # the digest the anchor sealed (cases only)
    actual_state: str | None = None  # the digest of the row as it is now


@dataclass(frozen=True)
class Checkpointed:
    """The latest signed checkpoint of one chain: the head it had then."""

    checkpoint: int
    at: datetime
    seq: int
    head: str
    sealed: str


MESSAGES = {
    "sequence": "thiếu hoặc thừa sự kiện trong chuỗi",
    "link": "liên kết tới sự kiện trước không khớp",
    "altered": "nội dung sự kiện đã bị thay đổi (mã xác thực không khớp)",
    "unkeyed": "sự kiện không được ký bằng khóa kiểm toán (bị ghi từ ngoài ứng dụng)",
    "unknown_key": "sự kiện được ký bằng một khóa không có trong bộ khóa",
    "no_anchor": "không có mốc neo của chuỗi (hồ sơ chưa được neo hoặc mốc đã bị xóa)",
    "anchor_forged": "mốc neo của chuỗi bị sửa (mã xác thực của mốc không khớp)",
    "truncated": "các sự kiện cuối của chuỗi đã bị xóa",
    "extra": "có sự kiện được thêm sau mốc neo, từ ngoài ứng dụng",
    "head": "sự kiện cuối không khớp với mốc neo",
    "rewound": "chuỗi ngắn hơn hoặc khác với lần chốt đã ký",
    "checkpoint_forged": "bản chốt của chuỗi bị sửa (mã xác thực không khớp)",
    "state_altered": "dữ liệu của hồ sơ (trạng thái, kết quả, cơ quan, nội dung) đã bị sửa ngoài ứng dụng",
    "empty": "hồ sơ không còn sự kiện nào trong nhật ký (đã bị xóa)",
}


def _problem(seq: int | None, kind: str, detail: str = "") -> Break:
    return Break(seq, kind, MESSAGES[kind] + (f" ({detail})" if detail else ""))


def verify_events(keys: KeyRing, events: Sequence[Any], material: Callable[[Any], str],
                  anchor: Anchor | None, chain: str, checkpointed: Checkpointed | None = None) -> ChainCheck:
    """Check a chain: every event's sequence, link and MAC, then its anchor and its latest checkpoint."""
    breaks = _walk(keys, events, material)
    breaks += _check_anchor(keys, events, anchor, chain)
    if checkpointed is not None:
        breaks += _check_checkpointed(keys, events, anchor, chain, checkpointed)
    if not breaks:
        return ChainCheck(True, len(events))
    first = breaks[0]
    return ChainCheck(False, len(events), first.seq, first.message, tuple(breaks))


def _walk(keys: KeyRing, events: Sequence[Any], material: Callable[[Any], str]) -> list[Break]:
    rekeyed_at = next((i for i, e in enumerate(events) if e.action == REKEY and e.key_id != LEGACY), None)
    breaks, prev = [], GENESIS
    for index, event in enumerate(events):
        found = _event_problem(keys, event, material, index + 1, prev,
                               legacy_allowed=rekeyed_at is not None and index < rekeyed_at)
        if found is not None:
            breaks.append(found)
        prev = event.hash
    return breaks


def _event_problem(keys: KeyRing, event: Any, material: Callable[[Any], str], expected_seq: int, prev: str, *,
                   legacy_allowed: bool) -> Break | None:
    if event.seq != expected_seq:
        return _problem(event.seq, "sequence")
    if event.prev_hash != prev:
        return _problem(event.seq, "link")
    if event.key_id == LEGACY and not legacy_allowed:
        return _problem(event.seq, "unkeyed")
    expected = keys.mac(event.key_id, material(event))
    if expected is None:
        return _problem(event.seq, "unknown_key", event.key_id)
    if not hmac.compare_digest(expected, event.hash):
        return _problem(event.seq, "altered")
    return None


def _check_anchor(keys: KeyRing, events: Sequence[Any], anchor: Anchor | None, chain: str) -> list[Break]:
    last_seq, last_head = (events[-1].seq, events[-1].hash) if events else (0, GENESIS)
    if anchor is None or anchor.sealed is None:
        return [_problem(None, "no_anchor")]
    if not keys.check_seal(anchor.sealed, anchor_material(chain, anchor.seq, anchor.head, anchor.state)):
        return [_problem(None, "anchor_forged")]
    if anchor.actual_state is not None and anchor.actual_state != anchor.state:
        return [_problem(None, "state_altered")]
    if anchor.seq > last_seq:
        return [_problem(last_seq + 1, "truncated", f"mốc neo ghi {anchor.seq} sự kiện, chỉ còn {last_seq}")]
    if anchor.seq < last_seq:
        return [_problem(anchor.seq + 1, "extra", f"mốc neo ghi {anchor.seq} sự kiện, có {last_seq}")]
    if anchor.head != last_head:
        return [_problem(last_seq, "head")]
    return []


def checkpoint_entry_material(checkpoint: int, chain: str, seq: int, head: str) -> str:
    return f"checkpoint-entry\x1f{checkpoint}\x1f{chain}\x1f{seq}\x1f{head}"


def _check_checkpointed(keys: KeyRing, events: Sequence[Any], anchor: Anchor | None, chain: str,
                        point: Checkpointed) -> list[Break]:
    if not keys.check_seal(point.sealed, checkpoint_entry_material(point.checkpoint, chain, point.seq, point.head)):
        return [_problem(None, "checkpoint_forged", f"bản chốt số {point.checkpoint}")]
    held = events[point.seq - 1] if 0 < point.seq <= len(events) else None
    if held is None or held.seq != point.seq or held.hash != point.head or (anchor and anchor.seq < point.seq):
        when = point.at.strftime("%d/%m/%Y %H:%M")
        return [_problem(point.seq, "rewound", f"bản chốt số {point.checkpoint} lúc {when} UTC ghi {point.seq} sự kiện")]
    return []


def verify_case(keys: KeyRing, instance: Instance, events: Sequence[AuditEvent],
                checkpointed: Checkpointed | None = None) -> ChainCheck:
    anchor = Anchor(instance.audit_seq or 0, instance.audit_head or GENESIS, instance.audit_anchor,
                    instance.audit_state or "", state_digest(instance))
    check = verify_events(keys, events, event_material, anchor, case_chain(instance.id), checkpointed)
    if events or not check.ok:
        return check
    found = _problem(None, "empty")  # every case is born with its first event: none left means all were deleted
    return ChainCheck(False, 0, None, found.message, (found,))


def verify_account_log(keys: KeyRing, events: Sequence[AccountEvent], anchor: LogAnchor | None,
                       checkpointed: Checkpointed | None = None) -> ChainCheck:
    found = Anchor(anchor.seq, anchor.head, anchor.anchor) if anchor is not None else None
    return verify_events(keys, events, account_material, found, ACCOUNTS, checkpointed)
