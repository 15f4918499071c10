"""Every query the services run, in one place; views never see SQL."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    Select,
    Table,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased, defer, lazyload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from app.persistence import search
from app.persistence.models import (
    AccountEvent,
    ApiToken,
    Attachment,
    AuditEvent,
    CalendarChange,
    CalendarOverride,
    CaseNote,
    ClosedTask,
    Deployment,
    DeploymentFile,
    Escalation,
    Instance,
    Job,
    ReceptionRecord,
    StepFailure,
    TaskRow,
    User,
    UserRole,
)
from app.persistence.worklist import TaskRoute


@dataclass(frozen=True)
class Page:
    items: Sequence[Any]
    total: int
    page: int
    per_page: int


@dataclass(frozen=True)
class Scope:
    """Which cases a caller's lists may show (from ``app.services.access``): applied in the query itself."""

    process_ids: frozenset[str] | None  # None: every process
    organisation: str | None  # None: every organisation

    def apply(self, stmt: Any) -> Any:
        if self.process_ids is not None:
            stmt = stmt.where(Instance.process_id.in_(sorted(self.process_ids)))
        if self.organisation is not None:
            stmt = stmt.where(Instance.organisation == self.organisation)
        return stmt


def paginate(session: Session, stmt: Select[Any], page: int, per_page: int) -> Page:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items, total, page, per_page)


# -- users ----------------------------------------------------------------------------------

def user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def user_by_token_hash(session: Session, token_sha256: str) -> User | None:
    return session.scalar(
        select(User).join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_sha256 == token_sha256, ApiToken.revoked_at.is_(None))
    )


# who a request is: the account's columns and its roles (one string), in the one query that finds the account.
# The separator is SQL text: given as a Python string, SQLAlchemy renders it into the statement anew on every
# execution (a "post-compile" parameter), about 10 µs of each API request's token look-up; the function takes any
# SQL expression there, its stub says ``str``
PRINCIPAL_COLUMNS = (User.id, User.username, User.full_name, User.organisation, User.is_active,
                     select(func.aggregate_strings(UserRole.role, literal_column("' '")))  # type: ignore[arg-type]
                     .where(UserRole.user_id == User.id).scalar_subquery().label("role_list"))


# a bearer token's account, built once: every API request asks it (its statement is not rebuilt per call)
_TOKEN_PRINCIPAL = (select(*PRINCIPAL_COLUMNS).join(ApiToken, ApiToken.user_id == User.id)
                    .where(ApiToken.token_sha256 == bindparam("digest"), ApiToken.revoked_at.is_(None),
                           ApiToken.expires_at > bindparam("now")))


def principal_by_token(connection: Session | Connection, digest: str, now: datetime) -> Any:
    """The account (``PRINCIPAL_COLUMNS``) a live, unrevoked token with this SHA-256 belongs to, or None."""
    return connection.execute(_TOKEN_PRINCIPAL, {"digest": digest, "now": now}).first()


# -- deployments ----------------------------------------------------------------------------

_LATEST_DEPLOYMENT = (select(Deployment).where(Deployment.process_id == bindparam("process_id"))
                      .order_by(Deployment.version.desc()).limit(1))


def latest_deployment(session: Session, process_id: str) -> Deployment | None:
    """The process's newest deployment (every start asks: the statement is built once)."""
    return session.scalar(_LATEST_DEPLOYMENT, {"process_id": process_id})


def deployment_by_hash(session: Session, process_id: str, content_hash: str) -> Deployment | None:
    return session.scalar(
        select(Deployment).where(Deployment.process_id == process_id, Deployment.content_hash == content_hash)
    )


def deployments(session: Session) -> Sequence[Deployment]:
    return session.scalars(select(Deployment).order_by(Deployment.process_id, Deployment.version)).all()


def process_deployments(session: Session, process_id: str) -> Sequence[Deployment]:
    return session.scalars(
        select(Deployment).where(Deployment.process_id == process_id).order_by(Deployment.version)
    ).all()


def deployment_of(session: Session, process_id: str, version: int) -> Deployment | None:
    return session.scalar(select(Deployment).where(Deployment.process_id == process_id, Deployment.version == version))


def instances_by_ids(session: Session, ids: Sequence[int]) -> dict[int, Instance]:
    """The instances among ``ids`` that exist, by id (one query, whatever the process)."""
    return {i.id: i for i in session.scalars(select(Instance).where(Instance.id.in_(list(ids))))} if ids else {}


def running_on(session: Session, scope: Scope, deployment_id: int, limit: int) -> list[Instance]:
    """The running cases of one deployment within ``scope``, oldest first, at most ``limit``."""
    stmt = scope.apply(select(Instance).where(Instance.deployment_id == deployment_id, Instance.status == "running"))
    return list(session.scalars(stmt.order_by(Instance.id).limit(limit)))


def case_counts_by_deployment(session: Session, process_id: str) -> dict[int, dict[str, int]]:
    """Cases per deployment of a process and status, in one grouped query: deployment id → status → count."""
    rows = session.execute(
        select(Instance.deployment_id, Instance.status, func.count())
        .where(Instance.process_id == process_id).group_by(Instance.deployment_id, Instance.status)
    )
    counts: dict[int, dict[str, int]] = {}
    for deployment_id, status, count in rows:
        counts.setdefault(deployment_id, {})[status] = count
    return counts


def deployment_files(session: Session, deployment_id: int) -> dict[str, str]:
    rows = session.execute(
        select(DeploymentFile.path, DeploymentFile.content).where(DeploymentFile.deployment_id == deployment_id)
    )
    return {path: content for path, content in rows}


# -- instances ------------------------------------------------------------------------------

def instance(session: Session, instance_id: int, *, for_update: bool = False) -> Instance | None:
    stmt = select(Instance).where(Instance.id == instance_id)
    if for_update:
        stmt = stmt.with_for_update(of=Instance)
    return session.scalar(stmt)


@dataclass(frozen=True)
class CaseFacts:
    """What a case's read needs beside the case's row (and its deployment), read in the same statement."""

    instance: Instance
    calendar: tuple[int, int]  # ``calendar_stamp``
    escalated: bool  # the case has escalations: most have none, and their query is then not asked


def case_facts(session: Session, instance_id: int) -> CaseFacts | None:
    """The case, the calendar's stamp and whether it has escalations, in one statement."""
    row = session.execute(_CASE_FACTS, {"instance_id": instance_id}).first()
    return None if row is None else CaseFacts(row[0], (int(row[1]), int(row[2])), bool(row[3]))


def instances(session: Session, scope: Scope, *, process_id: str | None, status: str | None, q: str | None,
              page: int, per_page: int) -> Page:
    stmt = scope.apply(select(Instance).order_by(Instance.id.desc()))
    if process_id:
        stmt = stmt.where(Instance.process_id == process_id)
    if status:
        stmt = stmt.where(Instance.status == status)
    if q and q.strip():
        stmt = stmt.where(Instance.search_key.like(search.pattern(q), escape="\\"))
    return paginate(session, stmt, page, per_page)


# -- tasks ----------------------------------------------------------------------------------

def task_row(session: Session, task_id: str) -> TaskRow | None:
    return session.get(TaskRow, task_id)


_CASE_TASKS = (select(TaskRow).where(TaskRow.instance_id == bindparam("instance_id")).order_by(TaskRow.created_at)
               .options(lazyload(TaskRow.instance)))


def case_tasks(session: Session, instance: Instance) -> list[TaskRow]:
    """A loaded case's waiting task rows, each given that case (not joined again with it and its deployment)."""
    rows = list(session.scalars(_CASE_TASKS, {"instance_id": instance.id}))
    for row in rows:
        set_committed_value(row, "instance", instance)
    return rows


def instance_tasks(session: Session, instance_id: int) -> Sequence[TaskRow]:
    return session.scalars(select(TaskRow).where(TaskRow.instance_id == instance_id).order_by(TaskRow.created_at)).all()


def replace_tasks(session: Session, instance_id: int, rows: Sequence[TaskRow], now: datetime) -> list[TaskRow]:
    """Make the task table mirror the instance's ready tasks, keeping existing assignments; tombstone the rest."""
    existing = {t.id: t for t in instance_tasks(session, instance_id)}
    wanted = {r.id for r in rows}
    for task_id, row in existing.items():
        if task_id not in wanted:
            session.delete(row)
            session.merge(ClosedTask(id=task_id, instance_id=instance_id, bpmn_id=row.bpmn_id, closed_at=now))
    current = []
    for row in rows:
        if row.id in existing:
            existing[row.id].due_on = row.due_on
            current.append(existing[row.id])
        else:
            session.add(row)
            current.append(row)
    return current


def _calendar_columns() -> tuple[Any, Any]:
    return (select(func.count()).select_from(CalendarOverride).scalar_subquery(),
            select(func.coalesce(func.max(CalendarChange.id), 0)).scalar_subquery())


# built once (a case's read runs it every time): the case, ``calendar_stamp``'s two columns, any escalation
_CASE_FACTS = select(Instance, *_calendar_columns(),
                     select(Escalation.id).where(Escalation.instance_id == Instance.id).exists()
                     ).where(Instance.id == bindparam("instance_id"))


@dataclass(frozen=True)
class TaskFacts:
    """What a change of a case needs to know beside its task row, read in the same statement."""

    calendar: tuple[int, int]  # ``calendar_stamp``
    waiting: int  # how many task rows the case has (this one included)
    routed: bool  # the case has routes to named officers (``task_routes``)
    timer_job: bool  # the case has a timer job
    timer_settled: datetime | None  # its due time, when the job is pending, unclaimed and unfailed: as a save leaves it


def _task_for_change() -> Select[Any]:
    overrides, changes = _calendar_columns()
    others = aliased(TaskRow)
    waiting = select(func.count()).select_from(others).where(others.instance_id == TaskRow.instance_id)
    routed = select(TaskRoute.instance_id).where(TaskRoute.instance_id == TaskRow.instance_id).exists()
    # the task, its case and the case's deployment as three plain entities (set on each other below): the
    # relationships' own joined loading would check each row's keys against aliased columns, ~0.1 ms a level
    return (select(TaskRow, Instance, Deployment, overrides, changes, waiting.scalar_subquery(), routed, Job.id,
                   Job.due_at, Job.status, Job.attempts, Job.locked_by, Job.locked_until, Job.last_error)
            .join(Instance, Instance.id == TaskRow.instance_id).join(Deployment, Deployment.id == Instance.deployment_id)
            .outerjoin(Job, and_(Job.instance_id == TaskRow.instance_id, Job.kind == "timer"))
            .where(TaskRow.id == bindparam("task_id"))
            .options(lazyload(TaskRow.instance), lazyload(Instance.deployment)))


# the hot path's statements are built once: building one costs more CPU than SQLite takes to run it
_TASK_FOR_CHANGE = _task_for_change()


def task_for_change(session: Session, task_id: str) -> tuple[TaskRow, TaskFacts] | None:
    """The waiting task with its case and deployment, the calendar's stamp and what else of the case a save touches.

    One statement: a completion's read phase needs nothing else from the database when its task is the
    case's only one (its write then saves under the version and trail head read here).
    """
    row = session.execute(_TASK_FOR_CHANGE, {"task_id": task_id}).first()
    if row is None:
        return None
    task, instance, deployment = row[0:3]
    set_committed_value(instance, "deployment", deployment)
    set_committed_value(task, "instance", instance)
    job, due, status, attempts, locked_by, locked_until, error = row[7:14]
    settled = due if job is not None and (status, attempts, locked_by, locked_until, error) == (
        "pending", 0, None, None, None) else None
    return task, TaskFacts((int(row[3]), int(row[4])), int(row[5]), bool(row[6]), job is not None, settled)


_TASKS: Table = TaskRow.__table__  # type: ignore[assignment]
_CLOSED: Table = ClosedTask.__table__  # type: ignore[assignment]
_INSTANCES: Table = Instance.__table__  # type: ignore[assignment]
_JOBS: Table = Job.__table__  # type: ignore[assignment]
_DELETE_TASKS = delete(_TASKS).where(_TASKS.c.id.in_(bindparam("ids", expanding=True)))
_DELETE_TASK = delete(_TASKS).where(_TASKS.c.id == bindparam("task_id"))
_INSERT_TASKS = insert(_TASKS)
_TASK_DUE = update(_TASKS).where(_TASKS.c.id == bindparam("task_id")).values(due_on=bindparam("due"))
_SAVED = ("state", "serializer_version", "updated_at", "outcome", "status", "organisation", "received_on", "version",
          "audit_seq", "audit_head", "audit_anchor", "audit_state")


def _update_instance(trail_started: bool) -> Any:
    head = _INSTANCES.c.audit_seq == bindparam("w_seq") if trail_started else _INSTANCES.c.audit_seq.is_(None)
    return (update(_INSTANCES)
            .where(_INSTANCES.c.id == bindparam("w_id"), _INSTANCES.c.version == bindparam("w_version"), head)
            .values({**{name: bindparam(f"v_{name}") for name in _SAVED},
                     "completed_at": func.coalesce(_INSTANCES.c.completed_at, bindparam("v_completed_at"))}))


_UPDATE_INSTANCE = {True: _update_instance(True), False: _update_instance(False)}


def _upserts(dialect: Any) -> tuple[Any, Any]:
    closed = dialect.insert(_CLOSED)
    closed = closed.on_conflict_do_update(index_elements=[_CLOSED.c.id], set_={
        "instance_id": closed.excluded.instance_id, "bpmn_id": closed.excluded.bpmn_id,
        "closed_at": closed.excluded.closed_at})
    timer = dialect.insert(_JOBS).values(kind="timer", status="pending", attempts=0)
    timer = timer.on_conflict_do_update(index_elements=[_JOBS.c.instance_id, _JOBS.c.kind], set_={
        "due_at": timer.excluded.due_at, "status": "pending", "attempts": 0, "updated_at": timer.excluded.updated_at,
        "locked_by": None, "locked_until": None, "last_error": None})
    return closed, timer


_UPSERTS = {"postgresql": _upserts(postgresql), "sqlite": _upserts(sqlite)}
_DELETE_TIMER = delete(_JOBS).where(_JOBS.c.instance_id == bindparam("instance_id"), _JOBS.c.kind == "timer")


def delete_tasks(session: Session, task_ids: Sequence[str]) -> None:
    """Tasks that stopped waiting (their drafts go with them: ``ON DELETE CASCADE``)."""
    if len(task_ids) == 1:  # a step's usual case: no IN list to expand into the statement on every call
        session.connection().execute(_DELETE_TASK, {"task_id": task_ids[0]})
    elif task_ids:
        session.connection().execute(_DELETE_TASKS, {"ids": sorted(task_ids)})


def insert_tasks(session: Session, rows: Sequence[TaskRow]) -> None:
    if rows:
        session.connection().execute(_INSERT_TASKS, [{c.key: getattr(row, c.key) for c in _TASKS.c} for row in rows])


def set_task_due(session: Session, task_id: str, due_on: date | None) -> None:
    session.connection().execute(_TASK_DUE, {"task_id": task_id, "due": due_on})


def set_task_step(session: Session, task_id: str, values: dict[str, Any]) -> None:
    """A waiting task's step facts (step, name, lane's role, organisation, form) as the engine now says them."""
    session.connection().execute(update(_TASKS).where(_TASKS.c.id == task_id).values(**values))


def close_tasks(session: Session, rows: Sequence[TaskRow], now: datetime) -> None:
    """Tombstones of finished tasks, in one statement; a task closed before (ready again since) is closed anew."""
    if rows:
        session.connection().execute(_UPSERTS[_dialect(session)][0], [
            {"id": r.id, "instance_id": r.instance_id, "bpmn_id": r.bpmn_id, "closed_at": now} for r in rows])


def _scalar_defaults_only(table: Table) -> Table:
    """``insert_instance`` gives unset columns their scalar defaults itself and sends every column: a callable
    default (``default=datetime.now``) or one the database fills (``server_default``) would be skipped, silently.
    Refused here, when the module loads, so adding one to the model fails at once rather than in a saved case."""
    for column in table.c:
        default = column.default
        if (default is not None and not default.is_scalar) or column.server_default is not None:
            raise TypeError(f"{table.name}.{column.key}: insert_instance applies scalar defaults only")
    return table


_INSERT_INSTANCE = insert(_scalar_defaults_only(_INSTANCES))


def insert_instance(session: Session, instance: Instance) -> None:
    """A new case's row by one Core INSERT, leaving ``instance`` persistent in ``session`` with its id.

    What a flush of the new object would write (its first version is 1, as the mapper's version
    counter starts it), without the unit of work's cost. Every column is set on the object as
    committed, so none is expired and read back later.
    """
    values = {c.key: _or_default(c, getattr(instance, c.key)) for c in _INSTANCES.c if c.key != "id"}
    values["version"] = 1
    result = session.connection().execute(_INSERT_INSTANCE, values)
    values["id"] = result.inserted_primary_key[0]  # type: ignore[index]  # one row inserted: its key is known
    for name, value in values.items():
        set_committed_value(instance, name, value)
    make_transient_to_detached(instance)
    session.add(instance)


def _or_default(column: Any, value: Any) -> Any:
    """A value left unset takes the column's own scalar default, as a flush would give it."""
    default = column.default
    return default.arg if value is None and default is not None and default.is_scalar else value


def update_instance(session: Session, instance_id: int, version: int, audit_seq: int | None,
                    values: dict[str, Any]) -> bool:
    """Save a case's row only if neither its version nor its trail moved since it was read; whether it did.

    Conditioning on the trail's head too means nothing at all happened to the case meanwhile (claims,
    assignments and notes append events without a new version). ``values`` holds every column the save
    writes; ``completed_at`` is kept when already set.
    """
    params = {f"v_{name}": values[name] for name in _SAVED}
    params.update(w_id=instance_id, w_version=version, w_seq=audit_seq, v_completed_at=values.get("completed_at"))
    result = session.connection().execute(_UPDATE_INSTANCE[audit_seq is not None], params)
    return bool(result.rowcount == 1)


def set_timer(session: Session, instance_id: int, due_at: datetime | None, now: datetime) -> None:
    """The case's one pending timer job at ``due_at`` (inserted, or reset as ``schedule_timer`` does), or none."""
    if due_at is None:
        session.connection().execute(_DELETE_TIMER, {"instance_id": instance_id})
    else:
        session.connection().execute(_UPSERTS[_dialect(session)][1], {
            "instance_id": instance_id, "due_at": due_at, "created_at": now, "updated_at": now})


def _dialect(session: Session) -> str:
    return "postgresql" if session.get_bind().dialect.name == "postgresql" else "sqlite"


# -- audit ----------------------------------------------------------------------------------

def audit_events(session: Session, instance_id: int) -> Sequence[AuditEvent]:
    return session.scalars(
        select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.seq)
    ).all()


# a case's completed steps: only what its view shows, as plain rows of the table (no ORM result machinery)
_TRAIL: Table = AuditEvent.__table__  # type: ignore[assignment]
_COMPLETED_STEPS = (
    select(_TRAIL.c.task_id, _TRAIL.c.bpmn_id, _TRAIL.c.actor, _TRAIL.c.at)
    .where(and_(_TRAIL.c.instance_id == bindparam("instance_id"), _TRAIL.c.action == "task_completed"))
    .order_by(_TRAIL.c.seq)
)


def completed_steps(session: Session, instance_id: int) -> Sequence[Row[str | None, str | None, str, datetime]]:
    """(task_id, bpmn_id, actor, at) of each step the case completed, in trail order."""
    return session.execute(_COMPLETED_STEPS, {"instance_id": instance_id}).all()


# -- jobs, escalations, calendar -------------------------------------------------------------

def timer_job(session: Session, instance_id: int) -> Job | None:
    return session.scalar(select(Job).where(Job.instance_id == instance_id, Job.kind == "timer"))


def due_jobs(session: Session, now: datetime, limit: int, *, skip_locked: bool) -> Sequence[Job]:
    """Pending jobs that are due and not held by a live claim, oldest first."""
    stmt = (
        select(Job)
        .where(Job.status == "pending", Job.due_at <= now, or_(Job.locked_until.is_(None), Job.locked_until < now))
        .order_by(Job.due_at, Job.id)
        .limit(limit)
    )
    if skip_locked:
        stmt = stmt.with_for_update(skip_locked=True, of=Job)
    return session.scalars(stmt).all()


def next_job_due(session: Session) -> datetime | None:
    due: datetime | None = session.scalar(select(func.min(Job.due_at)).where(Job.status == "pending"))
    return due


def incidents(session: Session, scope: Scope) -> Sequence[Job]:
    stmt = select(Job).join(Instance, Instance.id == Job.instance_id).where(Job.status == "incident")
    return session.scalars(scope.apply(stmt).order_by(Job.updated_at.desc())).all()


def step_failures(session: Session, scope: Scope, limit: int = 200) -> Sequence[StepFailure]:
    stmt = select(StepFailure).join(Instance, Instance.id == StepFailure.instance_id)
    return session.scalars(scope.apply(stmt).order_by(StepFailure.at.desc(), StepFailure.id.desc()).limit(limit)).all()


def closed_task(session: Session, task_id: str) -> ClosedTask | None:
    return session.get(ClosedTask, task_id)


def escalation_keys(session: Session, instance_id: int) -> set[tuple[str, date | None, str | None]]:
    """The (code, deadline, subject) triples already raised for a case."""
    rows = session.execute(select(Escalation.code, Escalation.deadline, Escalation.subject)
                           .where(Escalation.instance_id == instance_id))
    return {(code, deadline, subject) for code, deadline, subject in rows}


def escalations(session: Session, scope: Scope, *, open_only: bool, instance_id: int | None, page: int,
                per_page: int) -> Page:
    return escalation_page(session, scope, EscalationFilter("open" if open_only else None, instance_id),
                           page, per_page)


@dataclass(frozen=True)
class EscalationFilter:
    """What the escalations page and API narrow the list to; None everywhere: every escalation in scope."""

    status: str | None = None  # open | acknowledged
    instance_id: int | None = None
    codes: frozenset[str] | None = None  # the escalations of one step
    deadline_by: date | None = None  # overdue at least so many days: the deadline on or before this day
    organisation: str | None = None

    def apply(self, stmt: Any) -> Any:
        if self.status == "open":
            stmt = stmt.where(Escalation.acknowledged_at.is_(None))
        elif self.status == "acknowledged":
            stmt = stmt.where(Escalation.acknowledged_at.is_not(None))
        if self.instance_id is not None:
            stmt = stmt.where(Escalation.instance_id == self.instance_id)
        if self.codes is not None:
            stmt = stmt.where(Escalation.code.in_(sorted(self.codes)))
        if self.deadline_by is not None:
            stmt = stmt.where(Escalation.deadline <= self.deadline_by)
        if self.organisation is not None:
            stmt = stmt.where(Instance.organisation == self.organisation)
        return stmt


def escalation_page(session: Session, scope: Scope, f: EscalationFilter, page: int, per_page: int) -> Page:
    """Escalations of the cases in scope, newest first."""
    stmt = scope.apply(f.apply(select(Escalation).join(Instance, Instance.id == Escalation.instance_id)))
    return paginate(session, stmt.order_by(Escalation.raised_at.desc(), Escalation.id.desc()), page, per_page)


_CASE_ESCALATIONS = (select(Escalation).where(Escalation.instance_id == bindparam("instance_id"))
                     .order_by(Escalation.raised_at.desc(), Escalation.id.desc()).limit(bindparam("limit"))
                     .options(lazyload(Escalation.instance)))


def case_escalations(session: Session, instance: Instance, limit: int) -> list[Escalation]:
    """A loaded case's escalations, newest first, each given that case: one plain query, no count (a case
    seldom has any)."""
    rows = list(session.scalars(_CASE_ESCALATIONS, {"instance_id": instance.id, "limit": limit}))
    for row in rows:
        set_committed_value(row, "instance", instance)
    return rows


def open_escalation_count(session: Session, scope: Scope) -> int:
    """How many escalations in scope nobody has acknowledged yet (the navigation's badge)."""
    stmt = (select(func.count()).select_from(Escalation).join(Instance, Instance.id == Escalation.instance_id)
            .where(Escalation.acknowledged_at.is_(None)))
    return int(session.scalar(scope.apply(stmt)) or 0)


def escalation_kinds(session: Session, scope: Scope) -> list[tuple[int, str]]:
    """The distinct (deployment id, escalation code) pairs in scope, for the step filter."""
    stmt = (select(Instance.deployment_id, Escalation.code).join(Instance, Instance.id == Escalation.instance_id)
            .group_by(Instance.deployment_id, Escalation.code))
    return [(int(d), str(c)) for d, c in session.execute(scope.apply(stmt))]


def escalation_organisations(session: Session, scope: Scope) -> list[str]:
    """The organisations whose cases have escalations in scope, for the organisation filter."""
    stmt = (select(Instance.organisation).join(Escalation, Escalation.instance_id == Instance.id)
            .where(Instance.organisation.is_not(None)).group_by(Instance.organisation))
    return sorted(str(o) for o in session.scalars(scope.apply(stmt)) if o)


def case_notes(session: Session, instance_id: int) -> Sequence[CaseNote]:
    return session.scalars(select(CaseNote).where(CaseNote.instance_id == instance_id).order_by(CaseNote.id)).all()


def events_at(session: Session, instance_id: int, seqs: Iterable[int]) -> dict[int, AuditEvent]:
    """Some events of one case's trail, by their sequence number."""
    wanted = sorted(set(seqs))
    if not wanted:
        return {}
    rows = session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id,
                                                    AuditEvent.seq.in_(wanted)))
    return {event.seq: event for event in rows}


def calendar_overrides(session: Session) -> Sequence[CalendarOverride]:
    return session.scalars(select(CalendarOverride).order_by(CalendarOverride.day)).all()


_CALENDAR_STAMP = select(*_calendar_columns())  # built once: a start asks it on every request


def calendar_stamp(session: Session) -> tuple[int, int]:
    """Changes whenever an override is added or removed: (overrides, last change id)."""
    row = session.execute(_CALENDAR_STAMP).one()
    return int(row[0]), int(row[1])


# -- officers' web pages: inbox search, dashboard, attachments, users ------------------------

@dataclass(frozen=True)
class InboxItem:
    """One inbox line, read from the task and instance rows only (no state, no workflow)."""

    task_id: str
    instance_id: int
    case_number: str | None
    title: str
    bpmn_id: str
    name: str
    role: str
    organisation: str | None
    assignee: str | None
    created_at: datetime
    due_on: date | None
    form: str


@dataclass(frozen=True)
class InboxFilter:
    roles: frozenset[str]
    organisation: str | None
    username: str
    scope: str = "roles"  # roles | mine (held by the caller) | unassigned | available (unassigned or the caller's)
    instance_id: int | None = None
    q: str | None = None
    step: str | None = None
    status: str | None = None  # overdue | due_soon | on_time
    today: date | None = None
    soon: date | None = None


def _inbox_where(stmt: Any, f: InboxFilter) -> Any:
    stmt = stmt.where(TaskRow.role.in_(sorted(f.roles)))
    if f.organisation is not None:
        stmt = stmt.where(TaskRow.organisation == f.organisation)
    whose = _INBOX_SCOPES[f.scope](f)
    if whose is not None:
        stmt = stmt.where(whose)
    if f.instance_id is not None:
        stmt = stmt.where(TaskRow.instance_id == f.instance_id)
    if f.step:
        stmt = stmt.where(TaskRow.bpmn_id == f.step)
    if f.q and f.q.strip():
        stmt = stmt.where(Instance.search_key.like(search.pattern(f.q), escape="\\"))
    due = _due_status(f)
    return stmt if due is None else stmt.where(due)


_INBOX_SCOPES: dict[str, Callable[[InboxFilter], Any]] = {
    "roles": lambda f: None,
    "mine": lambda f: TaskRow.assignee == f.username,
    "unassigned": lambda f: TaskRow.assignee.is_(None),
    "available": lambda f: or_(TaskRow.assignee.is_(None), TaskRow.assignee == f.username),
}


def _due_status(f: InboxFilter) -> Any:
    if f.today is None:
        return None
    if f.status == "overdue":
        return TaskRow.due_on < f.today
    if f.status == "due_soon" and f.soon:
        return and_(TaskRow.due_on >= f.today, TaskRow.due_on <= f.soon)
    if f.status == "on_time":
        return or_(TaskRow.due_on.is_(None), TaskRow.due_on >= f.today)
    return None


def inbox(session: Session, f: InboxFilter, page: int, per_page: int) -> Page:
    """Ready tasks for the inbox, page and API alike: overdue first (earliest due date), undated last.

    Plain columns of the task and instance rows in one query (plus its count): no workflow is read.
    """
    columns = (TaskRow.id, TaskRow.instance_id, Instance.case_number, Instance.title, TaskRow.bpmn_id, TaskRow.name,
               TaskRow.role, TaskRow.organisation, TaskRow.assignee, TaskRow.created_at, TaskRow.due_on, TaskRow.form)
    base = _inbox_where(select(*columns).join(Instance, Instance.id == TaskRow.instance_id), f)
    total = session.scalar(_inbox_where(
        select(func.count()).select_from(TaskRow).join(Instance, Instance.id == TaskRow.instance_id), f)) or 0
    stmt = base.order_by(TaskRow.due_on.asc().nulls_last(), TaskRow.created_at, TaskRow.id)
    rows = session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page([InboxItem(*row) for row in rows], total, page, per_page)


def task_steps(session: Session, roles: Iterable[str], organisation: str | None) -> list[tuple[str, str]]:
    """The distinct steps (bpmn id, name) waiting for these roles (in one organisation), for the inbox's filter."""
    stmt = select(TaskRow.bpmn_id, TaskRow.name).where(TaskRow.role.in_(sorted(roles)))
    if organisation is not None:
        stmt = stmt.where(TaskRow.organisation == organisation)
    rows = session.execute(stmt.group_by(TaskRow.bpmn_id, TaskRow.name).order_by(TaskRow.name))
    return [(bpmn_id, name) for bpmn_id, name in rows]


def tasks_by_step(session: Session, today: date, organisation: str | None) -> list[tuple[str, str, int, int]]:
    """(bpmn id, name, open, overdue) per step, over every ready task (of one organisation, if given)."""
    overdue = func.sum(case((TaskRow.due_on < today, 1), else_=0))
    stmt = select(TaskRow.bpmn_id, TaskRow.name, func.count(), overdue).group_by(TaskRow.bpmn_id, TaskRow.name)
    if organisation is not None:
        stmt = stmt.where(TaskRow.organisation == organisation)
    return [(b, n, int(c), int(o or 0)) for b, n, c, o in session.execute(stmt.order_by(TaskRow.name))]


@dataclass(frozen=True)
class Month:
    """A calendar month both as moments (for when rows were written) and as days (for what they say)."""

    since: datetime
    until: datetime
    first_day: date
    last_day: date


def instance_counts(session: Session, scope: Scope, month: Month,
                    not_petitions: frozenset[str] = frozenset()) -> dict[str, int]:
    """Open cases now; petitions received and cases finished (by outcome) in a month; within a scope.

    A petition counts by the day the office received it (``received_on``); one saved before that
    column existed counts by the moment it was created. ``not_petitions``: processes whose cases are
    no petition (a reception plan).
    """
    count = select(func.count()).select_from(Instance)
    received = or_(Instance.received_on.between(month.first_day, month.last_day),
                   and_(Instance.received_on.is_(None), Instance.created_at >= month.since,
                        Instance.created_at < month.until, Instance.process_id.not_in(sorted(not_petitions))))
    counts = {"running": session.scalar(scope.apply(count.where(Instance.status == "running"))) or 0,
              "received": session.scalar(scope.apply(count.where(received))) or 0}
    finished = session.execute(scope.apply(select(Instance.outcome, func.count())
                                           .where(Instance.completed_at >= month.since, Instance.completed_at < month.until))
                               .group_by(Instance.outcome))
    for outcome, count in finished:
        counts[f"completed:{outcome or 'none'}"] = int(count)
    return counts


def attachments(session: Session, instance_id: int) -> Sequence[Attachment]:
    """A case's attachments without their content, oldest first."""
    return session.scalars(select(Attachment).options(defer(Attachment.content))
                           .where(Attachment.instance_id == instance_id).order_by(Attachment.id)).all()


def user_by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def all_users(session: Session) -> Sequence[User]:
    return session.scalars(select(User).order_by(User.username)).all()


def user_names(session: Session, usernames: Iterable[str]) -> dict[str, str]:
    rows = session.execute(select(User.username, User.full_name).where(User.username.in_(sorted(set(usernames)))))
    return {username: full_name for username, full_name in rows}


def next_reception_sequence(session: Session, plan_id: int) -> int:
    """The next số thứ tự of a plan's register; the caller holds the plan's lock."""
    last = session.scalar(select(func.max(ReceptionRecord.sequence)).where(ReceptionRecord.plan_instance_id == plan_id))
    return int(last or 0) + 1


def reception_records(session: Session, plan_id: int, *, day: date | None, q: str | None,
                      kind: str | None) -> Sequence[ReceptionRecord]:
    stmt = select(ReceptionRecord).where(ReceptionRecord.plan_instance_id == plan_id)
    if day is not None:
        stmt = stmt.where(ReceptionRecord.received_on == day)
    if kind:
        stmt = stmt.where(ReceptionRecord.kind == kind)
    if q and q.strip():
        stmt = stmt.where(ReceptionRecord.search_key.like(search.pattern(q), escape="\\"))
    return session.scalars(stmt.order_by(ReceptionRecord.sequence)).all()


def escalations_of(session: Session, instance_id: int, code: str) -> Sequence[Escalation]:
    return session.scalars(select(Escalation).where(Escalation.instance_id == instance_id, Escalation.code == code)
                           .order_by(Escalation.raised_at)).all()


def reception_record(session: Session, record_id: int) -> ReceptionRecord | None:
    return session.get(ReceptionRecord, record_id)


def case_numbers(session: Session, instance_ids: Iterable[int]) -> dict[int, str]:
    """Case numbers of several instances in one query (e.g. the cases a register opened)."""
    ids = sorted(set(instance_ids))
    if not ids:
        return {}
    rows = session.execute(select(Instance.id, Instance.case_number).where(Instance.id.in_(ids))).all()
    return {int(i): str(n) for i, n in rows if n}


def account_events(session: Session) -> Sequence[AccountEvent]:
    return session.scalars(select(AccountEvent).order_by(AccountEvent.seq)).all()
