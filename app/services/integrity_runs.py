"""Integrity at a glance: runs of the audit check, kept in ``integrity_runs`` for the auditor's page and API.

One case is checked at once, in the request. Every chain is checked by whoever runs ``flask audit
verify`` or, asked for from the page, by the worker (``run_queued``), since on a large database it
takes longer than a request may: at most one such run waits or runs at a time, so pressing the
button again shows the same run instead of queueing another.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.persistence import queries
from app.persistence.models import Instance, IntegrityRun
from app.services import access, integrity
from app.services.access import Right
from app.services.principal import Principal
from app.services.runtime import Runtime

KEPT_PROBLEMS = 200  # the first breaks a run keeps (the count is always whole)
STALE = timedelta(hours=6)  # a run the worker claimed and never finished (it died) is failed after this
RECENT = 20


@dataclass(frozen=True)
class Overview:
    """What the integrity page shows: the last run of every chain, the one waiting if any, the recent ones."""

    last_full: IntegrityRun | None
    pending: IntegrityRun | None
    recent: Sequence[IntegrityRun]


def overview(rt: Runtime, principal: Principal) -> Overview:
    access.require(principal, Right.VERIFY_AUDIT)
    with rt.db.reading() as session:
        last = session.scalar(select(IntegrityRun).where(IntegrityRun.scope == "all", IntegrityRun.status.in_(
            ("done", "failed"))).order_by(IntegrityRun.finished_at.desc(), IntegrityRun.id.desc()).limit(1))
        pending = _pending(session)
        recent = list(session.scalars(select(IntegrityRun).order_by(IntegrityRun.id.desc()).limit(RECENT)))
        session.expunge_all()
    return Overview(last, pending, recent)


def get_run(rt: Runtime, principal: Principal, run_id: int) -> IntegrityRun:
    access.require(principal, Right.VERIFY_AUDIT)
    with rt.db.reading() as session:
        run = session.get(IntegrityRun, run_id)
        if run is None:
            raise NotFound("Không tìm thấy lần kiểm tra này.")
        session.expunge(run)
        return run


def check_case_now(rt: Runtime, principal: Principal, case: int | str) -> IntegrityRun:
    """Check one case (by id, or by its number) in the request and keep the run (404 outside the caller's scope)."""
    access.require(principal, Right.VERIFY_AUDIT)
    started = rt.now()
    with rt.db.writing() as session:
        instance = queries.instance(session, case) if isinstance(case, int) else session.scalar(
            select(Instance).where(Instance.case_number == case.strip()))
        if instance is None or not access.in_scope(principal, instance.organisation):
            raise NotFound(access.CASE_NOT_FOUND)
        events, problems = integrity.case_problems(rt, session, instance)
        run = IntegrityRun(scope="case", instance_id=instance.id, label=instance.case_number or f"#{instance.id}",
                           status="done", requested_by=principal.username, requested_at=started, started_at=started,
                           finished_at=rt.now(), cases=1, events=events)
        _keep(run, problems)
        session.add(run)
        session.flush()
        session.expunge(run)
        return run


def queue_full_check(rt: Runtime, principal: Principal) -> IntegrityRun:
    """Ask the worker to check every chain; the run already waiting or running if there is one."""
    access.require(principal, Right.VERIFY_AUDIT)
    with rt.db.writing() as session:
        run = _pending(session)
        if run is None:
            run = IntegrityRun(scope="all", status="queued", requested_by=principal.username, requested_at=rt.now())
            session.add(run)
            session.flush()
        session.expunge(run)
        return run


def record_full_run(rt: Runtime, report: integrity.Report, started: datetime, actor: str = "cli") -> None:
    """Keep a run of every chain made outside the queue (``flask audit verify``)."""
    with rt.db.writing() as session:
        run = IntegrityRun(scope="all", status="done", requested_by=actor, requested_at=started, started_at=started,
                           finished_at=rt.now())
        _keep_report(run, report)
        session.add(run)


def run_queued(rt: Runtime, worker: str) -> int | None:
    """The worker's turn: claim the oldest queued full check and run it; its id, or None when none waits."""
    with rt.db.reading() as session:  # the common case, every poll: nothing asked for, no write transaction
        if _pending(session) is None:
            return None
    with rt.db.writing() as session:
        session.execute(update(IntegrityRun).where(IntegrityRun.status == "running",
                                                   IntegrityRun.started_at < rt.now() - STALE)
                        .values(status="failed", finished_at=rt.now(), error="Tiến trình chạy nền dừng giữa chừng."))
        run_id = session.scalar(select(IntegrityRun.id).where(IntegrityRun.status == "queued")
                                .order_by(IntegrityRun.id).limit(1))
        if run_id is None:
            return None
        claimed = session.execute(update(IntegrityRun).where(IntegrityRun.id == run_id,
                                                             IntegrityRun.status == "queued")
                                  .values(status="running", started_at=rt.now(), worker=worker))
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None  # another worker took it
    try:
        report = integrity.verify_all(rt)
    except Exception as exc:
        _finish(rt, run_id, None, f"{exc.__class__.__name__}: {exc}")
        return run_id
    _finish(rt, run_id, report, None)
    return run_id


def problems_of(run: IntegrityRun) -> list[dict[str, object]]:
    found: list[dict[str, object]] = json.loads(run.problems or "[]")
    return found


def _finish(rt: Runtime, run_id: int, report: integrity.Report | None, error: str | None) -> None:
    with rt.db.writing() as session:
        run = session.get(IntegrityRun, run_id)
        if run is None:
            return
        run.finished_at, run.status, run.error = rt.now(), "failed" if error else "done", error
        if report is not None:
            _keep_report(run, report)


def _pending(session: Session) -> IntegrityRun | None:
    return session.scalar(select(IntegrityRun).where(IntegrityRun.scope == "all",
                                                     IntegrityRun.status.in_(("queued", "running")))
                          .order_by(IntegrityRun.id).limit(1))


def _keep_report(run: IntegrityRun, report: integrity.Report) -> None:
    run.cases, run.events = report.cases, report.events
    run.account_events, run.checkpoints = report.account_events, report.checkpoints
    _keep(run, report.problems)


def _keep(run: IntegrityRun, problems: Sequence[integrity.Problem]) -> None:
    run.ok = not problems
    run.problem_count = len(problems)
    run.problems = json.dumps([asdict(p) for p in problems[:KEPT_PROBLEMS]], ensure_ascii=False)
