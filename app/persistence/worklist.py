"""Who works on what, beside the engine's task rows: routes to named officers, drafts, petition keys.

Tables of migration 0014, with their queries here rather than in ``queries`` because nothing else
reads them:

- ``task_routes``: the officer a case's next tasks of one role (for one organisation) go to when
  they become ready — set when someone assigns a step to a named officer, or when a form names the
  officer (the verifier of ``assign_verification``); cleared when the holder gives the work back.
- ``task_drafts``: a form saved without completing it, per task and per officer. Not part of the
  case's legal trail; deleted with the task's row when the task stops waiting (``ON DELETE CASCADE``,
  migration 0020).
- ``petition_keys``: digests of who complains against which first decision (the ID number, or the
  name and address, each with the decision's number), so a registration can warn of a case already
  open for the same petition without reading any case's state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.persistence.models import Base, Instance, User, UserRole, UTCDateTime

PROVINCE = ""  # the organisation column of a route for province-level tasks (part of the primary key)


class TaskRoute(Base):
    __tablename__ = "task_routes"

    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation: Mapped[str] = mapped_column(String(100), primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TaskDraft(Base):
    __tablename__ = "task_drafts"

    # a draft goes with its task's row (migration 0020): deleting the tasks that stopped waiting drops their drafts
    task_id: Mapped[str] = mapped_column(String(36), ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    content: Mapped[str] = mapped_column(Text)  # JSON: {"fields": [[name, value], …]} or {"data": {…}}
    size: Mapped[int] = mapped_column(Integer)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PetitionKey(Base):
    __tablename__ = "petition_keys"
    __table_args__ = (Index("ix_petition_keys_key", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # id_number | name_address
    key: Mapped[str] = mapped_column(String(64))  # SHA-256 of the normalised identity and decision number


# -- routes -----------------------------------------------------------------------------------

def route(session: Session, instance_id: int, role: str, organisation: str | None) -> TaskRoute | None:
    return session.get(TaskRoute, (instance_id, role, organisation or PROVINCE))


def routes(session: Session, instance_id: int) -> Sequence[TaskRoute]:
    return session.scalars(select(TaskRoute).where(TaskRoute.instance_id == instance_id)).all()


def set_route(session: Session, instance_id: int, role: str, organisation: str | None, username: str, *,
              by: str, at: datetime) -> None:
    found = route(session, instance_id, role, organisation)
    if found is None:
        session.add(TaskRoute(instance_id=instance_id, role=role, organisation=organisation or PROVINCE,
                              username=username, set_by=by, set_at=at))
    else:
        found.username, found.set_by, found.set_at = username, by, at


def clear_route(session: Session, instance_id: int, role: str, organisation: str | None) -> None:
    found = route(session, instance_id, role, organisation)
    if found is not None:
        session.delete(found)


def role_holders(session: Session, role: str) -> Sequence[User]:
    """Active users holding a role, by name; the access policy then says which may work a given task."""
    return session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                           .where(UserRole.role == role, User.is_active.is_(True))
                           .order_by(User.full_name, User.username)).all()


# -- drafts ------------------------------------------------------------------------------------

def draft(session: Session, task_id: str, username: str) -> TaskDraft | None:
    return session.get(TaskDraft, (task_id, username))


def drop_drafts(session: Session, task_id: str) -> None:
    session.execute(delete(TaskDraft).where(TaskDraft.task_id == task_id))


def drop_drafts_except(session: Session, instance_id: int, waiting: Iterable[str]) -> None:
    """Drafts of a case's tasks that no longer wait (completed, cancelled) go with them."""
    keep = sorted(set(waiting))
    stmt = delete(TaskDraft).where(TaskDraft.instance_id == instance_id)
    if keep:
        stmt = stmt.where(TaskDraft.task_id.not_in(keep))
    session.execute(stmt)


# -- petition keys -----------------------------------------------------------------------------

def cases_with_keys(session: Session, keys: Iterable[str]) -> list[tuple[Instance, str]]:
    """The cases holding any of these keys, with the kind of key each matched, oldest first."""
    wanted = sorted(set(keys))
    if not wanted:
        return []
    rows = session.execute(select(Instance, PetitionKey.kind).join(PetitionKey, PetitionKey.instance_id == Instance.id)
                           .where(PetitionKey.key.in_(wanted)).order_by(Instance.id, PetitionKey.kind)).all()
    return [(instance, kind) for instance, kind in rows]


def add_keys(session: Session, instance_id: int, keys: Iterable[tuple[str, str]]) -> None:
    for kind, key in keys:
        session.add(PetitionKey(instance_id=instance_id, kind=kind, key=key))


def instances_without_keys(session: Session, process_id: str) -> Sequence[Instance]:
    """Cases of a process that have no petition key yet (opened before migration 0014, or without the facts)."""
    keyed = select(PetitionKey.instance_id)
    return session.scalars(select(Instance).where(Instance.process_id == process_id, Instance.id.not_in(keyed))
                           .order_by(Instance.id)).all()
