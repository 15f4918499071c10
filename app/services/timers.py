"""Fire due timers: claim jobs, run the instance's timers, retry with back-off, open incidents.

Several workers may run against one PostgreSQL database: claims use ``FOR UPDATE SKIP LOCKED``
so two workers never take the same job, a claim expires (``locked_until``) so a dead worker's
job is taken over, and firing re-checks the claim under the instance's row lock so a worker
that wakes up late cannot fire a timer someone else already fired. On SQLite the write lock
makes every claim exclusive.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.errors import AppError, NotFound
from app.persistence import audit, queries
from app.persistence.models import Job
from app.services import access, integrity
from app.services.access import Right
from app.services.principal import Principal
from app.services.runtime import Runtime
from app.services.state import load_run, lock_instance, save_run, schedule_timer

MAX_ATTEMPTS = 5
LOCK_SECONDS = 300


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
    """Take up to ``limit`` due jobs for ``worker`` until their claim expires."""
    now = rt.now()
    with rt.db.writing() as session:
        jobs = queries.due_jobs(session, now, limit, skip_locked=rt.db.dialect == "postgresql")
        for job in jobs:
            job.locked_by, job.locked_until, job.updated_at = worker, now + timedelta(seconds=lock_seconds), now
        return [Claim(job.id, job.instance_id) for job in jobs]


def fire(rt: Runtime, worker: str, claim: Claim) -> bool:
    """Fire the instance's due timers if the claim is still ours; False if it was taken over."""
    try:
        with rt.db.writing() as session:
            instance = lock_instance(rt, session, claim.instance_id)
            job = session.get(Job, claim.job_id)
            if job is None or job.locked_by != worker or job.status != "pending":
                return False
            _, run = load_run(rt, session, instance)
            before = run.data
            run.fire_due_timers()
            if run.steps or run.escalations:
                save_run(rt, session, instance, run, actor="system", action="timer_fired", before=before,
                         extra={"job": claim.job_id, "worker": worker})
            else:  # nothing was due by the engine's clock after all: just reschedule
                schedule_timer(session, instance.id, run.next_timer_at(), rt.now())
            return True
    except Exception as error:
        _record_failure(rt, worker, claim, error)
        raise


def _record_failure(rt: Runtime, worker: str, claim: Claim, error: Exception) -> None:
    now = rt.now()
    message = error.message if isinstance(error, AppError) else f"{type(error).__name__}: {error}"
    with rt.db.writing() as session:
        job = session.get(Job, claim.job_id)
        if job is None or job.locked_by != worker:
            return
        job.attempts += 1
        job.last_error = message[:2000]
        job.locked_by = job.locked_until = None
        job.updated_at = now
        job.due_at = now + timedelta(seconds=30 * 2 ** (job.attempts - 1))  # 30 s, 1, 2, 4 min …
        if job.attempts >= MAX_ATTEMPTS:
            job.status = "incident"
            instance = lock_instance(rt, session, claim.instance_id, checked=False)
            if not audit.row_is_sealed(rt.audit_keys, instance):
                return  # the incident stands in the jobs table; the trail, broken, takes no more events
            audit.append_event(session, rt.audit_keys, instance, at=now, actor="system",
                               action="incident_opened", data={"job": job.id, "attempts": job.attempts,
                                                               "error": job.last_error})


def run_once(rt: Runtime, worker: str, limit: int = 20, lock_seconds: int = LOCK_SECONDS) -> WorkerReport:
    """One pass: claim what is due and fire it; failures are counted, recorded and retried later."""
    claims = claim_due_jobs(rt, worker, limit, lock_seconds)
    fired = failed = skipped = 0
    for claim in claims:
        try:
            if fire(rt, worker, claim):
                fired += 1
            else:
                skipped += 1
        except Exception:
            failed += 1
    return WorkerReport(len(claims), fired, failed, skipped)


def run_worker(rt: Runtime, worker: str, *, interval: float = 5.0, until_idle: bool = False,
               limit: int = 20, lock_seconds: int = LOCK_SECONDS,
               sleep: Callable[[float], None] = time.sleep) -> WorkerReport:
    """Loop over ``run_once``; with ``until_idle`` stop when a pass finds nothing to do."""
    total = WorkerReport()
    while True:
        integrity.checkpoint_if_due(rt)
        report = run_once(rt, worker, limit, lock_seconds)
        total = WorkerReport(*(a + b for a, b in zip(
            (total.claimed, total.fired, total.failed, total.skipped),
            (report.claimed, report.fired, report.failed, report.skipped), strict=True)))
        if report.claimed == 0:
            if until_idle:
                return total
            sleep(interval)


def list_incidents(rt: Runtime, principal: Principal) -> list[Job]:
    access.require(principal, Right.READ_INCIDENTS)
    with rt.db.reading() as session:
        return list(queries.incidents(session, access.organisation_scope(principal)))


def retry_incident(rt: Runtime, principal: Principal, job_id: int) -> Job:
    """An admin puts a failed job back in the queue, due now, with its attempts reset."""
    access.require(principal, Right.RETRY_INCIDENTS)
    now = rt.now()
    with rt.db.writing() as session:
        job = session.get(Job, job_id)
        if job is None or job.status != "incident":
            raise NotFound("Không có sự cố này.")
        instance = lock_instance(rt, session, job.instance_id)
        job.status, job.attempts, job.due_at, job.updated_at = "pending", 0, now, now
        job.locked_by = job.locked_until = None
        audit.append_event(session, rt.audit_keys, instance, at=now, actor=principal.username,
                           action="incident_retried", data={"job": job.id, "last_error": job.last_error})
        return job


def next_due(rt: Runtime) -> datetime | None:
    """When the earliest pending job is due, or None when no timer waits anywhere."""
    with rt.db.reading() as session:
        return queries.next_job_due(session)
