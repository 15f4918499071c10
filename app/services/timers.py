"""Fire due timers: claim jobs, run the instance's timers, retry with back-off, open incidents.

Several workers may run against one PostgreSQL database: claims use ``FOR UPDATE SKIP LOCKED``
so two workers never take the same job, a claim expires (``locked_until``) so a dead worker's
job is taken over, and firing re-checks the claim under the instance's row lock so a worker
that wakes up late cannot fire a timer someone else already fired. On SQLite the write lock
makes every claim exclusive.

One bad timer must not stop the others. Each job runs in a child process killed after
``JOB_SECONDS`` (``app.services.isolated``), so a job that hangs is recorded as failed and the worker
moves on; and an attempt is counted when a job is *claimed*, not when it fails, so a job whose worker
died or hung on it every time becomes an incident after ``MAX_ATTEMPTS`` claims instead of being
claimed again for ever.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from app import metrics
from app.engine import WorkflowRun
from app.errors import AppError, NotFound
from app.persistence import audit, queries
from app.persistence.models import Job
from app.services import access, checkpoints, integrity_runs
from app.services.access import Right
from app.services.isolated import ChildFailed, fire_isolated
from app.services.principal import Principal
from app.services.runtime import Runtime
from app.services.state import load_run, lock_instance, require_sealed, save_run, schedule_timer

MAX_ATTEMPTS = 5
LOCK_SECONDS = 300
JOB_SECONDS = 30.0  # hard limit on one job, in its child process; a run's code is bounded to 5 s (MAX_RUN_SECONDS)


@dataclass(frozen=True)
class Claim:
    job_id: int
    instance_id: int


@dataclass(frozen=True)
class WorkerReport:
    claimed: int = 0
    fired: int = 0
    failed: int = 0
    skipped: int = 0


def claim_due_jobs(rt: Runtime, worker: str, limit: int = 20, lock_seconds: int = LOCK_SECONDS) -> list[Claim]:
    """Take up to ``limit`` due jobs for ``worker`` until their claim expires, counting each claim as an attempt.

    A job already claimed ``MAX_ATTEMPTS`` times without an outcome (its workers died or hung on it)
    becomes an incident here instead.
    """
    now = rt.now()
    claims: list[Claim] = []
    with rt.db.writing() as session:
        for job in queries.due_jobs(session, now, limit, skip_locked=rt.db.dialect == "postgresql"):
            if job.attempts >= MAX_ATTEMPTS:
                job.last_error = (f"Bộ hẹn giờ đã được nhận {job.attempts} lần mà lần nào tiến trình chạy nó cũng dừng "
                                  f"hoặc treo trước khi xong. {job.last_error or ''}").strip()[:2000]
                _open_incident(rt, session, job, now)
                continue
            job.attempts += 1
            job.locked_by, job.locked_until, job.updated_at = worker, now + timedelta(seconds=lock_seconds), now
            claims.append(Claim(job.id, job.instance_id))
    return claims


def fire(rt: Runtime, worker: str, claim: Claim, job_seconds: float = JOB_SECONDS) -> bool:
    """Fire the instance's due timers if the claim is still ours; False if it was taken over or the case moved.

    The timers' code (scripts, conditions, the next deadlines) runs on the case in memory with no write
    lock held, in a child process killed after ``job_seconds`` (0: in this process), so a slow, failing
    or hanging script never holds up other writers or other timers; the save that follows is one
    short transaction under the version read. If an officer's step saved the case meanwhile, the job
    is taken again at once, if still due, and the timers run once more on the new state; if the case
    moved again, the claim is given back unspent and the next pass fires.
    """
    try:
        outcome = _fire_once(rt, worker, claim, job_seconds, last=False)
        if outcome is STALE and _reclaim(rt, worker, claim):
            outcome = _fire_once(rt, worker, claim, job_seconds, last=True)
        return outcome is True
    except Exception as error:
        _record_failure(rt, worker, claim, error)
        raise


STALE = object()  # the case was saved by someone else between the timers' run and their save


def _fire_once(rt: Runtime, worker: str, claim: Claim, job_seconds: float, last: bool) -> object:
    with rt.db.reading() as session:
        instance = queries.instance(session, claim.instance_id)
        job = session.get(Job, claim.job_id)
        if instance is None or job is None or job.locked_by != worker or job.status != "pending":
            return False
        require_sealed(rt, instance)
        _, run = load_run(rt, session, instance)
        version = instance.version
    before = run.data
    run = fire_isolated(rt.engine, run, job_seconds)
    return _save_fired(rt, worker, claim, run, before, version, last)


def _save_fired(rt: Runtime, worker: str, claim: Claim, run: WorkflowRun, before: dict[str, Any],
                version: int, last: bool) -> object:
    with rt.db.writing() as session:
        instance = lock_instance(rt, session, claim.instance_id)
        job = session.get(Job, claim.job_id)
        if job is None or job.status != "pending" or job.locked_by not in (worker, None):
            return False  # gone, or another worker's now
        if job.locked_by is None or instance.version != version:  # a step was saved meanwhile (it resets the job)
            if not last:
                return STALE
            if job.locked_by == worker:
                job.locked_by = job.locked_until = None
                job.attempts = max(job.attempts - 1, 0)  # the claim is given back, not used up
            return False
        if run.steps or run.escalations:
            save_run(rt, session, instance, run, actor="system", action="timer_fired", before=before,
                     extra={"job": claim.job_id, "worker": worker})
        else:  # nothing was due by the engine's clock after all: just reschedule
            schedule_timer(session, instance.id, run.next_timer_at(), rt.now())
        return True


def _reclaim(rt: Runtime, worker: str, claim: Claim, lock_seconds: int = LOCK_SECONDS) -> bool:
    """Take the job again for the one immediate retry: still pending, ours or nobody's, and still due."""
    now = rt.now()
    with rt.db.writing() as session:
        # one conditional UPDATE: on PostgreSQL its WHERE is re-checked on the row a concurrent claim just wrote
        taken = session.connection().execute(
            update(Job).where(Job.id == claim.job_id, Job.status == "pending", Job.due_at <= now,
                              or_(Job.locked_by.is_(None), Job.locked_by == worker))
            .values(locked_by=worker, locked_until=now + timedelta(seconds=lock_seconds), updated_at=now))
        return bool(taken.rowcount == 1)


def _record_failure(rt: Runtime, worker: str, claim: Claim, error: Exception) -> None:
    """The claimed attempt failed: back off (30 s, 1, 2, 4 min …), or open an incident after the last one."""
    now = rt.now()
    if isinstance(error, AppError):
        message = error.message
    else:
        message = str(error) if isinstance(error, ChildFailed) else f"{type(error).__name__}: {error}"
    with rt.db.writing() as session:
        job = session.get(Job, claim.job_id)
        if job is None or job.locked_by != worker:
            return
        job.last_error = message[:2000]
        job.locked_by = job.locked_until = None
        job.updated_at = now
        job.due_at = now + timedelta(seconds=30 * 2 ** (max(job.attempts, 1) - 1))
        if job.attempts >= MAX_ATTEMPTS:
            _open_incident(rt, session, job, now)


def _open_incident(rt: Runtime, session: Session, job: Job, now: datetime) -> None:
    job.status = "incident"
    job.locked_by = job.locked_until = None
    job.updated_at = now
    instance = lock_instance(rt, session, job.instance_id, checked=False)
    if not audit.row_is_sealed(rt.audit_keys, instance):
        return  # the incident stands in the jobs table; the trail, broken, takes no more events
    audit.append_event(session, rt.audit_keys, instance, at=now, actor="system",
                       action="incident_opened", data={"job": job.id, "attempts": job.attempts,
                                                       "error": job.last_error})


def run_once(rt: Runtime, worker: str, limit: int = 20, lock_seconds: int = LOCK_SECONDS,
             job_seconds: float = JOB_SECONDS) -> WorkerReport:
    """One pass: claim what is due and fire it; failures are counted, recorded and retried later."""
    claims = claim_due_jobs(rt, worker, limit, lock_seconds)
    fired = failed = skipped = 0
    for claim in claims:
        try:
            if fire(rt, worker, claim, job_seconds):
                fired += 1
                metrics.TIMERS_FIRED.labels(worker=worker).inc()
            else:
                skipped += 1
        except Exception:
            failed += 1
    return WorkerReport(len(claims), fired, failed, skipped)


def run_worker(rt: Runtime, worker: str, *, interval: float = 5.0, until_idle: bool = False,
               limit: int = 20, lock_seconds: int = LOCK_SECONDS, job_seconds: float = JOB_SECONDS,
               sleep: Callable[[float], None] = time.sleep) -> WorkerReport:
    """Loop over ``run_once``; with ``until_idle`` stop when a pass finds nothing to do."""
    total = WorkerReport()
    while True:
        checkpoints.checkpoint_if_due(rt)
        checked = integrity_runs.run_queued(rt, worker)
        report = run_once(rt, worker, limit, lock_seconds, job_seconds)
        total = WorkerReport(*(a + b for a, b in zip(
            (total.claimed, total.fired, total.failed, total.skipped),
            (report.claimed, report.fired, report.failed, report.skipped), strict=True)))
        if report.claimed == 0 and checked is None:
            if until_idle:
                return total
            sleep(interval)


@dataclass(frozen=True)
class Incident:
    """Something the engine could not do: a timer that kept failing, or a step or letter it refused."""

    id: int
    kind: str  # timer | step
    instance_id: int
    case_number: str | None
    status: str  # incident (a timer, retryable) | refused (a step: nothing of the case changed)
    attempts: int
    last_error: str | None
    due_at: datetime | None
    updated_at: datetime
    actor: str | None = None
    bpmn_id: str | None = None


def list_incidents(rt: Runtime, principal: Principal) -> list[Incident]:
    """Timer incidents and refused steps of the caller's scope, newest first."""
    access.require(principal, Right.READ_INCIDENTS)
    scope = access.organisation_scope(principal)
    with rt.db.reading() as session:
        timers = [Incident(j.id, "timer", j.instance_id, j.instance.case_number, j.status, j.attempts, j.last_error,
                           j.due_at, j.updated_at) for j in queries.incidents(session, scope)]
        steps = [Incident(f.id, "step", f.instance_id, f.instance.case_number, "refused", 1, _technical(f), None, f.at,
                          f.actor, f.bpmn_id) for f in queries.step_failures(session, scope)]
    return sorted([*timers, *steps], key=lambda i: i.updated_at, reverse=True)


def _technical(failure: Any) -> str:
    """The officer's sentence and, for the analysts, the diagram element and the interpreter's own words."""
    details = failure.details or {}
    where = f" [phần tử {details['element']}]" if details.get("element") else ""
    return f"{failure.message}{where} {details.get('error') or ''}".strip()


def retry_incident(rt: Runtime, principal: Principal, job_id: int) -> Incident:
    """An admin puts a failed job back in the queue, due now, with its attempts reset."""
    access.require(principal, Right.RETRY_INCIDENTS)
    now = rt.now()
    with rt.db.writing() as session:
        job = session.get(Job, job_id)
        if job is None or job.status != "incident" or not access.in_scope(principal, job.instance.organisation):
            raise NotFound("Không có sự cố này.")
        instance = lock_instance(rt, session, job.instance_id)
        job.status, job.attempts, job.due_at, job.updated_at = "pending", 0, now, now
        job.locked_by = job.locked_until = None
        audit.append_event(session, rt.audit_keys, instance, at=now, actor=principal.username,
                           action="incident_retried", data={"job": job.id, "last_error": job.last_error})
        return Incident(job.id, "timer", job.instance_id, instance.case_number, job.status, job.attempts,
                        job.last_error, job.due_at, job.updated_at)


def next_due(rt: Runtime) -> datetime | None:
    """When the earliest pending job is due, or None when no timer waits anywhere."""
    with rt.db.reading() as session:
        return queries.next_job_due(session)
