"""Typed SQLAlchemy models: deployments, instances, ready tasks, the audit trail, users.

Instance rows keep SpiffWorkflow state without the spec (see ``app.engine.serializer``) and a
``version`` column for optimistic locking; task rows let inboxes be plain indexed queries;
audit rows are append-only (a trigger in the migration refuses UPDATE and DELETE).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from app.persistence import search


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every backend (SQLite drops the zone, PostgreSQL keeps it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC) if dialect.name != "sqlite" else value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    organisation: Mapped[str | None] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    roles: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def role_ids(self) -> set[str]:
        return {r.role for r in self.roles}


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class ApiToken(Base):
    """A bearer token for scripts: only its SHA-256 is kept; it expires, and its owner or an admin revokes it."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    revoke_reason: Mapped[str | None] = mapped_column(String(40))


class UserSession(Base):
    """A signed-in browser: the cookie carries a random id whose SHA-256 is kept here.

    Kept on the server so that signing out, a password reset, a deactivation or a change of roles
    ends it at once, whatever copy of the cookie exists; it ends ``expires_at`` after sign-in
    whatever the activity, and earlier when idle.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(40))
    client_address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")


class SignInThrottle(Base):
    """Failed sign-ins per user name (known or not) in the current window, and the lock they led to.

    In the database rather than in each worker's memory so the count holds across every gunicorn
    worker and node, and the admin can see and lift a lock.
    """

    __tablename__ = "sign_in_throttle"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    first_failed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Deployment(Base):
    __tablename__ = "deployments"
    __table_args__ = (
        UniqueConstraint("process_id", "version"),
        UniqueConstraint("process_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    content_hash: Mapped[str] = mapped_column(String(64))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deployed_by: Mapped[str] = mapped_column(String(64))
    files: Mapped[list[DeploymentFile]] = relationship(cascade="all, delete-orphan", lazy="raise")


class DeploymentFile(Base):
    __tablename__ = "deployment_files"

    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id", ondelete="CASCADE"), primary_key=True)
    path: Mapped[str] = mapped_column(String(300), primary_key=True)
    content: Mapped[str] = mapped_column(Text)


class Instance(Base):
    __tablename__ = "instances"
    __table_args__ = (Index("ix_instances_process_status", "process_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(100))
    case_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20))  # running | completed
    outcome: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(Text)
    serializer_version: Mapped[str] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer)
    started_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    search_key: Mapped[str] = mapped_column(String(400), default="")  # case number and title, folded
    # the organisation the case belongs to (its diagram's ``caseOrganisation`` variable); None: province-level
    organisation: Mapped[str | None] = mapped_column(String(100), index=True)
    # the day the office received the petition (the data's ``received_on``), for the dashboard; None for a plan
    received_on: Mapped[date | None] = mapped_column(Date, index=True)
    # the anchor of the case's audit chain (see app.persistence.audit): its length, its last hash, and a keyed
    # MAC over both, written with each event; ``audit_checkpointed`` is bookkeeping for the next checkpoint
    audit_seq: Mapped[int | None] = mapped_column(Integer)
    audit_head: Mapped[str | None] = mapped_column(String(64))
    audit_anchor: Mapped[str | None] = mapped_column(String(100))
    audit_state: Mapped[str | None] = mapped_column(String(64))  # digest of the case's state and summary, sealed too
    audit_checkpointed: Mapped[int | None] = mapped_column(Integer)
    deployment: Mapped[Deployment] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it once

    @validates("case_number", "title")
    def _keep_search_key(self, name: str, value: str | None) -> str | None:
        parts = {"case_number": self.case_number, "title": self.title, name: value}
        self.search_key = search.case_key(parts["case_number"], parts["title"])
        return value


class TaskRow(Base):
    """One row per READY user task; deleted when the task is completed or cancelled."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_role_due", "role", "due_on"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    bpmn_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(32))
    organisation: Mapped[str | None] = mapped_column(String(100))
    assignee: Mapped[str | None] = mapped_column(String(64), index=True)
    form: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_on: Mapped[date | None] = mapped_column(Date)
    instance: Mapped[Instance] = relationship(lazy="joined")


class AuditEvent(Base):
    """Append-only; ``hash`` chains each event to the previous one of the same instance."""

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("instance_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    task_id: Mapped[str | None] = mapped_column(String(36), index=True)
    bpmn_id: Mapped[str | None] = mapped_column(String(100))
    data: Mapped[str] = mapped_column(Text)  # canonical JSON, exactly what was hashed
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))  # HMAC-SHA-256 under the key ``key_id`` ("" before 0010: SHA-256)
    key_id: Mapped[str] = mapped_column(String(16), default="")


class AccountEvent(Base):
    """Append-only log of changes to user accounts (who gave whom which role, who locked whom).

    One hash chain for the whole log, built like a case's audit trail, so an auditor can check
    that nobody quietly granted themself a role and erased the trace.
    """

    __tablename__ = "account_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))  # user_created | user_changed
    username: Mapped[str] = mapped_column(String(64), index=True)
    data: Mapped[str] = mapped_column(Text)  # canonical JSON, exactly what was hashed; never a password hash
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16), default="")


class LogAnchor(Base):
    """The length, last hash and keyed MAC of a log that has no case row to carry them (the account log)."""

    __tablename__ = "log_anchors"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    head: Mapped[str] = mapped_column(String(100))  # a hash, or for the checkpoints a sealed MAC (key id + MAC)
    anchor: Mapped[str] = mapped_column(String(100))
    checkpointed: Mapped[int | None] = mapped_column(Integer)


class AccessEvent(Base):
    """One read of a case (its page, history, a document, a file, a step), chained per case like its trail.

    Kept apart from the case's own trail and anchored in ``access_anchors``, not in the case's row,
    so a read never takes the case's lock nor bumps its version.
    """

    __tablename__ = "access_events"
    __table_args__ = (UniqueConstraint("instance_id", "seq"), Index("ix_access_events_user_at", "username", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    username: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))  # case | history | documents | document | attachment | task …
    target: Mapped[str] = mapped_column(String(64), default="")  # the document, file or step opened
    address: Mapped[str] = mapped_column(String(64), default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16))


class AccessAnchor(Base):
    """A case's access chain: its length and head, where the pruned part ended, under one keyed seal."""

    __tablename__ = "access_anchors"

    instance_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    head: Mapped[str] = mapped_column(String(64))
    base_seq: Mapped[int] = mapped_column(Integer, default=0)  # events up to here were pruned (retention)
    base_head: Mapped[str] = mapped_column(String(64))  # the hash of the last pruned event (the walk starts here)
    anchor: Mapped[str] = mapped_column(String(100))
    checkpointed: Mapped[int | None] = mapped_column(Integer)


class AuditCheckpoint(Base):
    """A signed statement of the heads of the chains that changed since the previous checkpoint.

    Append-only and chained (``prev_mac``); ``digest`` covers its entries, each of which is also
    sealed on its own so one case can be checked against its latest checkpoint with one query.
    """

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    entries: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    prev_mac: Mapped[str] = mapped_column(String(100))
    mac: Mapped[str] = mapped_column(String(100))


class AuditCheckpointEntry(Base):
    __tablename__ = "audit_checkpoint_entries"
    __table_args__ = (Index("ix_checkpoint_entries_chain", "chain", "checkpoint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkpoint: Mapped[int] = mapped_column(Integer, index=True)  # the checkpoint's seq
    chain: Mapped[str] = mapped_column(String(40))  # "case:<instance id>" or "accounts"
    seq: Mapped[int] = mapped_column(Integer)
    head: Mapped[str] = mapped_column(String(64))
    sealed: Mapped[str] = mapped_column(String(100))


class IntegrityRun(Base):
    """One run of the audit check: every chain (``all``, the CLI or the worker) or one case (``case``, at once).

    A run asked for from the page is ``queued`` until the worker claims it (``running``), then ``done``
    (``ok`` says intact or not) or ``failed`` (``error``); ``problems`` keeps the first breaks found as JSON.
    """

    __tablename__ = "integrity_runs"
    __table_args__ = (Index("ix_integrity_runs_status", "status", "requested_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))  # all | case
    instance_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: a run outlives a deleted case
    label: Mapped[str] = mapped_column(String(60), default="")  # the case's number when scope is case
    status: Mapped[str] = mapped_column(String(10))  # queued | running | done | failed
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    worker: Mapped[str | None] = mapped_column(String(100))
    ok: Mapped[bool | None] = mapped_column(Boolean)
    cases: Mapped[int] = mapped_column(Integer, default=0)
    events: Mapped[int] = mapped_column(Integer, default=0)
    account_events: Mapped[int] = mapped_column(Integer, default=0)
    checkpoints: Mapped[int] = mapped_column(Integer, default=0)
    problem_count: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[str] = mapped_column(Text, default="[]")
    error: Mapped[str | None] = mapped_column(Text)


class Job(Base):
    """Work the worker must do at ``due_at``: today, firing an instance's next timer.

    A worker claims a row by setting ``locked_by``/``locked_until``; a crashed worker's claim
    expires and another takes the job over. After too many failures the job becomes an incident.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("instance_id", "kind"),
        Index("ix_jobs_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"))
    kind: Mapped[str] = mapped_column(String(20))  # timer
    status: Mapped[str] = mapped_column(String(20))  # pending | incident
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_by: Mapped[str | None] = mapped_column(String(100))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    instance: Mapped[Instance] = relationship(lazy="joined")


class StepFailure(Base):
    """A step or letter the engine refused (a script failed, a budget ran out): an incident for the admins.

    Not an event of the case's audit trail: a refused request changed nothing of the case.
    """

    __tablename__ = "step_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    bpmn_id: Mapped[str | None] = mapped_column(String(100))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))  # task_failed | message_failed
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    message: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    instance: Mapped[Instance] = relationship(lazy="joined")


class ClosedTask(Base):
    """The tombstone of a task that stopped waiting, so a late request for it is a 409, not a 404."""

    __tablename__ = "closed_tasks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"))
    bpmn_id: Mapped[str] = mapped_column(String(100))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Escalation(Base):
    """A deadline that passed: visible to the roles told, until someone acknowledges it."""

    __tablename__ = "escalations"
    __table_args__ = (
        UniqueConstraint("instance_id", "code", "deadline", "subject", name="uq_escalations_once"),
        Index("ix_escalations_open", "acknowledged_at", "raised_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str | None] = mapped_column(String(200))  # e.g. the unit of a plan that is late
    deadline: Mapped[date | None] = mapped_column(Date)
    roles: Mapped[str] = mapped_column(String(200))  # space-separated role ids
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)  # what the officer who acknowledged it wrote (migration 0012)
    instance: Mapped[Instance] = relationship(lazy="joined")


class CaseNote(Base):
    """An officer's internal comment on a case: never part of its data, its documents or its decision.

    Append-only (triggers; the application's PostgreSQL role may only insert and read): a note is
    corrected by writing another. ``audit_seq`` is the case event that recorded its author, time and
    keyed SHA-256 (see ``app.services.notes``).
    """

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    author: Mapped[str] = mapped_column(String(64))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)
    body: Mapped[str] = mapped_column(Text)
    audit_seq: Mapped[int] = mapped_column(Integer)


class CalendarOverride(Base):
    """A day the official calendar changes: an extra day off or a make-up working Saturday."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # day_off | working_day
    reason: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CalendarChange(Base):
    """Append-only record of who added or removed a calendar override, when, and why."""

    __tablename__ = "calendar_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(20))  # added | removed
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(500))


class Attachment(Base):
    """A file an officer attached to a case (scan of a letter, minutes, evidence), kept in the database.

    Kept in the database rather than on disk so that every gunicorn node and every backup has it;
    ``sha256`` is written into the case's audit trail when the file is added.
    """

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    bpmn_id: Mapped[str | None] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    audit_seq: Mapped[int | None] = mapped_column(Integer)  # the case event that recorded its SHA-256 (keyed)


# Indexes for the officers' pages (migration 0004): the dashboard counts cases received and
# finished this month; the inbox orders every role's tasks by due date and filters by step.
Index("ix_instances_created_at", Instance.created_at)
Index("ix_instances_completed_at", Instance.completed_at)
Index("ix_tasks_due_on", TaskRow.due_on)
Index("ix_tasks_bpmn_id", TaskRow.bpmn_id)
# Indexes for the auditor's search across the record (migration 0017): newest first, by officer, by kind of act
Index("ix_audit_events_at", AuditEvent.at)
Index("ix_audit_events_actor_at", AuditEvent.actor, AuditEvent.at)
Index("ix_audit_events_action_step_at", AuditEvent.action, AuditEvent.bpmn_id, AuditEvent.at)
Index("ix_account_events_at", AccountEvent.at)
Index("ix_account_events_actor_at", AccountEvent.actor, AccountEvent.at)
# Indexes for the inbox at 100,000 cases (migration 0021, measured by bench/inbox.py): the inbox's count of a
# role's tasks reads (role, organisation, instance_id) from the index alone, and the step filter's
# distinct (bpmn_id, name) of a role likewise, instead of fetching every task row of the role.
Index("ix_tasks_role_org_instance", TaskRow.role, TaskRow.organisation, TaskRow.instance_id)
Index("ix_tasks_role_step", TaskRow.role, TaskRow.bpmn_id, TaskRow.name)


class ReceptionRecord(Base):
    """One line of the citizen-reception register (sổ tiếp công dân) kept during a reception plan.

    The columns are what the report counts and the register page searches; ``details`` keeps the
    whole record as entered (persons, representatives, complaint details).
    """

    __tablename__ = "reception_records"
    __table_args__ = (
        UniqueConstraint("plan_instance_id", "sequence"),
        Index("ix_reception_records_plan_day", "plan_instance_id", "received_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"))
    sequence: Mapped[int] = mapped_column(Integer)  # số thứ tự in the plan's register
    received_on: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    people_count: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    group_case: Mapped[bool] = mapped_column(Boolean)
    bypassing: Mapped[bool] = mapped_column(Boolean)
    protracted: Mapped[bool] = mapped_column(Boolean)
    within_competence: Mapped[bool] = mapped_column(Boolean)
    handling: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    case_instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))  # "daily_entry" or "register"
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    search_key: Mapped[str] = mapped_column(Text, default="")  # every person's name, address, content, folded

    @validates("details", "address", "content")
    def _keep_search_key(self, name: str, value: Any) -> Any:
        parts = {"details": self.details, "address": self.address, "content": self.content, name: value}
        self.search_key = search.record_key(parts["details"], parts["address"], parts["content"])
        return value


class Organisation(Base):
    """An entry of the organisation catalogue (danh mục cơ quan): what users, cases and plan units refer to.

    ``code`` is what the diagrams, the users and the cases hold (a DMN output, ``handling_organisation``)
    and never changes; officers read ``name``. An organisation is never deleted once anything refers to
    it: it is ended (``valid_to``), so old cases and log entries keep their names.
    """

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    valid_from: Mapped[date | None] = mapped_column(Date)  # None: since ever
    valid_to: Mapped[date | None] = mapped_column(Date)  # the last day it exists; None: still exists

    def current_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


class CaseCounter(Base):
    """The last case number given in a series (a prefix such as KN2) and year: one row, locked while a case is made.

    Taken in the transaction that inserts the case, so a creation that rolls back gives its number back.
    """

    __tablename__ = "case_counters"

    series: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class DocumentCounter(Base):
    """The last official document number an issuing body gave for a kind of document in a year (số văn bản).

    Like ``CaseCounter``: moved in the transaction that issues the document, so a rollback gives it back.
    """

    __tablename__ = "document_counters"

    organisation: Mapped[str] = mapped_column(String(100), primary_key=True)  # a catalogue code
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)  # the series: a symbol such as QĐ
    last: Mapped[int] = mapped_column(Integer)


class DocumentSymbol(Base):
    """A symbol an issuing body sets for its documents (ký hiệu): its own abbreviation (kind ``""``) or a kind's.

    A kind without a row of its own uses the default of the kind vocabulary (``app.services.document_numbers``).
    """

    __tablename__ = "document_symbols"

    organisation: Mapped[str] = mapped_column(String(100), primary_key=True)  # a catalogue code
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)  # "" = the body's abbreviation (UBND, TTr)
    symbol: Mapped[str] = mapped_column(String(20))


class DocumentIssuer(Base):
    """How an issuing body heads and signs its documents (Decree 30/2020): set by the admin per catalogue entry.

    ``upper_line`` is the governing body (or the body's kind) and ``lower_line`` the body itself, as the
    header's two lines read; ``head`` is who decides («Chủ tịch Ủy ban nhân dân tỉnh Gia Lai»); the
    signer is who signs by default, with ``signer_authority`` when signing on the head's behalf («KT. CHỦ TỊCH»).
    """

    __tablename__ = "document_issuers"

    organisation: Mapped[str] = mapped_column(String(100), primary_key=True)  # a catalogue code
    name: Mapped[str] = mapped_column(String(300))
    upper_line: Mapped[str] = mapped_column(String(300))
    lower_line: Mapped[str] = mapped_column(String(300))
    place: Mapped[str] = mapped_column(String(100))
    head: Mapped[str] = mapped_column(String(300))
    signer_name: Mapped[str] = mapped_column(String(200))
    signer_title: Mapped[str] = mapped_column(String(200))
    signer_authority: Mapped[str] = mapped_column(String(200), default="")


class Document(Base):
    """An official document a case issued: its number in the body's register and its date, never changed.

    Its files are ``DocumentVersion`` rows: the generated .docx (again after a correction, as a new
    version) and the signed scan; each version's SHA-256 is in the case's audit trail.
    """

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("organisation", "year", "series", "number", name="uq_documents_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    organisation: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer)
    series: Mapped[str] = mapped_column(String(40))  # the symbol whose numbers it takes (TB, QĐ)
    number: Mapped[int] = mapped_column(Integer)
    number_text: Mapped[str] = mapped_column(String(80))  # 45/TB-UBND
    issued_on: Mapped[date] = mapped_column(Date)
    step: Mapped[str] = mapped_column(String(100))  # the user task, message or start event that issued it
    task_id: Mapped[str | None] = mapped_column(String(36))
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DocumentVersion(Base):
    """One file of a document: a generated .docx (``generated``) or the signed scan (``signed``)."""

    __tablename__ = "document_versions"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(20))  # generated | signed
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # read only when served or checked
    deployment_version: Mapped[int | None] = mapped_column(Integer)  # the version whose template made it
    template_sha256: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was made again
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    audit_seq: Mapped[int | None] = mapped_column(Integer)  # the case event that recorded its SHA-256 (keyed)
