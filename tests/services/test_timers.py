"""Timers fire on the law's clock, once, through the job table; failures retry, then become incidents.

A timer that hangs or kills its worker stops nothing else: each job runs in a child process killed after
its time, and an attempt counts when a job is claimed.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from app.clock import FrozenClock
from app.engine import bounded
from app.engine.instance import WorkflowRun
from app.errors import Forbidden
from app.persistence import queries
from app.persistence.models import AuditEvent, Escalation, Job
from app.services import escalations, tasks, timers
from app.services.principal import Principal
from app.services.runtime import Runtime
from tests.conftest import vn
from tests.services.timer_demo import (
    RESOLVER,
    deploy_timer_demo,
    deploy_with_script,
    deploy_with_side_task,
    start_timer_demo,
)

ADMIN = Principal(0, "admin", "Admin", frozenset({"admin"}))
INSPECTORATE = Principal(0, "inspectorate", "Thanh tra", frozenset({"inspectorate"}))


def _count(rt: Runtime, model: type, **where: object) -> int:
    with rt.db.reading() as session:
        stmt = select(func.count()).select_from(model)
        for column, value in where.items():
            stmt = stmt.where(getattr(model, column) == value)
        return int(session.scalar(stmt) or 0)


def _actions(rt: Runtime, instance_id: int) -> list[str]:
    with rt.db.reading() as session:
        return list(session.scalars(select(AuditEvent.action).where(AuditEvent.instance_id == instance_id)
                                    .order_by(AuditEvent.seq)))


def test_timer_job_is_due_when_the_deadline_day_ends_in_vietnam(rt: Runtime) -> None:
    deploy_timer_demo(rt)
    instance_id = start_timer_demo(rt, "2021-03-03")
    with rt.db.reading() as session:
        job = session.scalar(select(Job).where(Job.instance_id == instance_id))
        assert job is not None
        assert job.due_at == datetime(2021, 3, 3, 17, 0, tzinfo=UTC)  # 04/03 00:00 +07:00
    assert timers.next_due(rt) == datetime(2021, 3, 3, 17, 0, tzinfo=UTC)


def test_no_escalation_before_the_deadline_and_exactly_one_after(rt: Runtime, clock: FrozenClock) -> None:
    deploy_timer_demo(rt)
    instance_id = start_timer_demo(rt, "2021-03-03")
    clock.set(vn(2021, 3, 3, 23))
    assert timers.run_once(rt, "w1").claimed == 0
    clock.set(vn(2021, 3, 4, 8))
    report = timers.run_once(rt, "w1")
    assert (report.claimed, report.fired) == (1, 1)
    assert timers.run_once(rt, "w1").claimed == 0
    clock.advance(timedelta(days=30))
    assert timers.run_once(rt, "w1").claimed == 0
    assert _count(rt, Escalation, instance_id=instance_id) == 1
    assert _actions(rt, instance_id) == ["instance_started", "timer_fired", "escalation_raised"]
    page = escalations.list_escalations(rt, INSPECTORATE, open_only=True, instance_id=None, page=1, per_page=10)
    assert [(e.code, e.name, e.deadline.isoformat()) for e in page.items] == [
        ("demo_overdue", "Quá hạn xử lý (thử nghiệm)", "2021-03-03")]
    assert _count(rt, Job) == 0  # the case goes on (task still ready) with no timer left to fire


def test_acknowledged_escalation_leaves_the_open_list(rt: Runtime, clock: FrozenClock) -> None:
    deploy_timer_demo(rt)
    start_timer_demo(rt, "2021-03-03")
    clock.set(vn(2021, 3, 5))
    timers.run_once(rt, "w1")
    escalation = escalations.list_escalations(rt, INSPECTORATE, open_only=True, instance_id=None, page=1,
                                              per_page=10).items[0]
    with pytest.raises(Forbidden):
        escalations.acknowledge(rt, Principal(0, "clerk", "Clerk", frozenset({"clerk"})), escalation.id)
    escalations.acknowledge(rt, INSPECTORATE, escalation.id)
    assert escalations.list_escalations(rt, INSPECTORATE, open_only=True, instance_id=None, page=1,
                                        per_page=10).total == 0


def test_dead_workers_claim_expires_and_another_worker_fires_once(rt: Runtime, clock: FrozenClock) -> None:
    deploy_timer_demo(rt)
    instance_id = start_timer_demo(rt, "2021-03-03")
    clock.set(vn(2021, 3, 4, 8))
    claims = timers.claim_due_jobs(rt, "dead-worker", lock_seconds=60)
    assert len(claims) == 1
    assert timers.run_once(rt, "w2").claimed == 0  # the claim still holds
    clock.advance(timedelta(seconds=61))
    assert timers.run_once(rt, "w2").fired == 1
    assert timers.fire(rt, "dead-worker", claims[0]) is False  # waking up late changes nothing
    assert _actions(rt, instance_id).count("timer_fired") == 1


def test_failing_job_backs_off_then_becomes_an_incident_an_admin_retries(
        rt: Runtime, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    deploy_timer_demo(rt)
    instance_id = start_timer_demo(rt, "2021-03-03")
    clock.set(vn(2021, 3, 4, 8))
    original = WorkflowRun.fire_due_timers
    monkeypatch.setattr(WorkflowRun, "fire_due_timers", lambda self: (_ for _ in ()).throw(RuntimeError("disk full")))
    for attempt in range(1, timers.MAX_ATTEMPTS + 1):
        assert timers.run_once(rt, "w1").failed == 1
        with rt.db.reading() as session:
            job = session.scalar(select(Job).where(Job.instance_id == instance_id))
            assert job is not None and job.attempts == attempt and job.last_error == "RuntimeError: disk full"
            wait = job.due_at - clock.now()
        assert wait == timedelta(seconds=30 * 2 ** (attempt - 1))
        clock.advance(wait)
    assert timers.run_once(rt, "w1").claimed == 0  # an incident is not retried by itself
    incidents = timers.list_incidents(rt, ADMIN)
    assert [(i.instance_id, i.status) for i in incidents] == [(instance_id, "incident")]
    assert "incident_opened" in _actions(rt, instance_id)
    with pytest.raises(Forbidden):
        timers.retry_incident(rt, INSPECTORATE, incidents[0].id)
    monkeypatch.setattr(WorkflowRun, "fire_due_timers", original)
    timers.retry_incident(rt, ADMIN, incidents[0].id)
    assert timers.run_once(rt, "w1").fired == 1
    assert _count(rt, Escalation, instance_id=instance_id) == 1
    assert _actions(rt, instance_id)[-3:] == ["incident_retried", "timer_fired", "escalation_raised"]


def test_completing_the_task_in_time_cancels_the_timer(rt: Runtime, clock: FrozenClock) -> None:
    deploy_timer_demo(rt)
    instance_id = start_timer_demo(rt, "2021-03-03")
    assert _count(rt, Job) == 1
    with rt.db.reading() as session:
        task_id = queries.instance_tasks(session, instance_id)[0].id
    tasks.complete_task(rt, RESOLVER, task_id, {"note": "xong"})
    assert _count(rt, Job) == 0
    clock.set(vn(2021, 4, 1))
    assert timers.run_once(rt, "w1").claimed == 0
    assert _count(rt, Escalation) == 0


def test_a_job_whose_worker_dies_on_it_every_time_becomes_an_incident_instead_of_being_claimed_for_ever(
        rt: Runtime, clock: FrozenClock) -> None:
    deploy_timer_demo(rt)
    instance_id = start_timer_demo(rt, "2021-03-03")
    clock.set(vn(2021, 3, 4, 8))
    for attempt in range(1, timers.MAX_ATTEMPTS + 1):
        assert len(timers.claim_due_jobs(rt, f"worker-{attempt}", lock_seconds=60)) == 1  # ... and dies with it
        with rt.db.reading() as session:
            job = session.scalar(select(Job).where(Job.instance_id == instance_id))
            assert job is not None and job.attempts == attempt  # counted when claimed, not only when it fails
        clock.advance(timedelta(seconds=61))
    assert timers.run_once(rt, "worker-6").claimed == 0
    incidents = timers.list_incidents(rt, ADMIN)
    assert [(i.instance_id, i.status, i.attempts) for i in incidents] == [(instance_id, "incident", timers.MAX_ATTEMPTS)]
    assert "dừng hoặc treo" in (incidents[0].last_error or "") and "incident_opened" in _actions(rt, instance_id)


TRAP = "k = 1000000000\nz = round(1, -k)"  # computed, so that deploy cannot see it: 10**1000000000 in C


@pytest.mark.parametrize("hole", [False, True], ids=["refused by the budget", "a hole in the budget, killed"])
def test_a_trap_timer_becomes_an_incident_and_every_other_timer_still_fires(
        rt: Runtime, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch, hole: bool) -> None:
    deploy_timer_demo(rt)
    other = start_timer_demo(rt, "2021-03-03")  # on the sound deployment
    deploy_with_script(rt, TRAP)
    trapped = start_timer_demo(rt, "2021-03-02")  # on the trap, due first
    if hole:  # as if the budget had missed this builtin: the child hangs in C, where no Python check reaches
        monkeypatch.setattr(bounded._Bounded, "round_", lambda self, number, ndigits=None: round(number, ndigits))
    clock.set(vn(2021, 3, 4, 8))
    started = time.monotonic()
    first = timers.run_once(rt, "w1", job_seconds=1.5)
    assert (first.claimed, first.fired, first.failed) == (2, 1, 1)
    assert time.monotonic() - started < 5  # the trap was killed after 1.5 s, then the other case's timer fired
    assert _count(rt, Escalation, instance_id=other) == 1
    for _attempt in range(2, timers.MAX_ATTEMPTS + 1):
        with rt.db.reading() as session:
            job = session.scalar(select(Job).where(Job.instance_id == trapped))
            assert job is not None and job.status == "pending"
            clock.set(job.due_at)
        assert timers.run_once(rt, "w1", job_seconds=1.5).failed == 1
    with rt.db.reading() as session:
        job = session.scalar(select(Job).where(Job.instance_id == trapped))
        assert job is not None and (job.status, job.attempts) == ("incident", timers.MAX_ATTEMPTS)
        assert ("quá 1.5 giây" if hole else "round()") in (job.last_error or ""), job.last_error
    assert timers.run_once(rt, "w1", job_seconds=1.5).claimed == 0
    assert _actions(rt, trapped) == ["instance_started", "incident_opened"]  # the case itself never changed


def test_a_timer_job_that_allocates_without_bound_fails_in_its_child_and_the_worker_carries_on(
        rt: Runtime, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    deploy_timer_demo(rt)
    instance_id = start_timer_demo(rt, "2021-03-03")
    monkeypatch.setattr(WorkflowRun, "fire_due_timers", lambda self: bytearray(8 * 1024 ** 3))
    clock.set(vn(2021, 3, 4, 8))
    assert timers.run_once(rt, "w1").failed == 1
    with rt.db.reading() as session:
        job = session.scalar(select(Job).where(Job.instance_id == instance_id))
        assert job is not None and (job.last_error or "").startswith("MemoryError")


def _step_while_the_timers_run(rt: Runtime, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch, instance_id: int,
                               times: int) -> list[int]:
    """While the timers run, an officer's step is saved on the case (its version moves), the first ``times`` runs.

    The officer's request read the clock a moment before the deadline's midnight, the worker's pass just
    after: the step's own run found the timer not yet due and left the job waiting, unclaimed.
    """
    real, runs = timers.fire_isolated, []

    def meanwhile(engine: object, run: WorkflowRun, seconds: float) -> WorkflowRun:
        runs.append(1)
        if len(runs) <= times:
            worker_time = clock.now()
            clock.set(datetime(2021, 3, 3, 16, 59, tzinfo=UTC))  # 23:59 in Vietnam
            tasks.complete_task(rt, RESOLVER, _ready(rt, instance_id, "side"), {"note": f"lần {len(runs)}"})
            clock.set(worker_time)
        return real(engine, run, seconds)  # type: ignore[arg-type]

    monkeypatch.setattr(timers, "fire_isolated", meanwhile)
    return runs


def _ready(rt: Runtime, instance_id: int, bpmn_id: str) -> str:
    with rt.db.reading() as session:
        return next(t.id for t in queries.instance_tasks(session, instance_id) if t.bpmn_id == bpmn_id)


def test_a_case_saved_while_its_timer_ran_is_fired_again_at_once(rt: Runtime, clock: FrozenClock,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker's save finds another version: it takes the job again and runs the timers once more, in the same pass."""
    deploy_with_side_task(rt)
    instance_id = start_timer_demo(rt, "2021-03-03")
    clock.set(datetime(2021, 3, 3, 17, 5, tzinfo=UTC))  # 00:05 on the 4th in Vietnam
    runs = _step_while_the_timers_run(rt, clock, monkeypatch, instance_id, times=1)
    report = timers.run_once(rt, "w1", job_seconds=0)
    assert (report.claimed, report.fired, report.skipped, len(runs)) == (1, 1, 0, 2)
    assert _actions(rt, instance_id) == ["instance_started", "task_completed", "timer_fired", "escalation_raised"]
    assert _count(rt, Escalation, instance_id=instance_id) == 1
    assert _count(rt, Job) == 0


def test_the_retry_never_takes_a_job_another_worker_has_just_claimed(rt: Runtime, clock: FrozenClock,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """After an officer's save reset the job, worker w2 claims it just before w1's retry takes it again.

    On PostgreSQL w2's claim commits inside w1's retry transaction, right before its UPDATE is sent (the
    UPDATE's own WHERE must refuse a row someone now holds); on SQLite writers are serialised, so w2's
    claim can only come just before w1's transaction. Either way w1 gives up and w2 fires, once.
    """
    deploy_with_side_task(rt)
    instance_id = start_timer_demo(rt, "2021-03-03")
    clock.set(datetime(2021, 3, 3, 17, 5, tzinfo=UTC))  # 00:05 on the 4th in Vietnam
    _step_while_the_timers_run(rt, clock, monkeypatch, instance_id, times=1)
    seen: dict[str, object] = {"armed": False, "w2": []}
    real_reclaim = timers._reclaim

    def w2_claims() -> None:
        seen["armed"] = False
        seen["w2"] = timers.claim_due_jobs(rt, "w2")

    def reclaim(*args: object, **kwargs: object) -> bool:
        if rt.db.dialect == "postgresql":
            seen["armed"] = True
        else:
            w2_claims()
        seen["reclaimed"] = real_reclaim(*args, **kwargs)  # type: ignore[arg-type]
        return bool(seen["reclaimed"])

    def before_update(_conn: object, clause: object, *_: object) -> None:
        if seen["armed"] and str(clause).startswith("UPDATE jobs"):
            w2_claims()

    monkeypatch.setattr(timers, "_reclaim", reclaim)
    sa_event.listen(rt.db.write_engine, "before_execute", before_update)
    try:
        report = timers.run_once(rt, "w1", job_seconds=0)
    finally:
        sa_event.remove(rt.db.write_engine, "before_execute", before_update)
    claims = seen["w2"]
    assert isinstance(claims, list) and len(claims) == 1 and seen["reclaimed"] is False
    assert (report.fired, report.failed, report.skipped) == (0, 0, 1)
    assert [timers.fire(rt, "w2", claim, job_seconds=0) for claim in claims] == [True]
    assert _actions(rt, instance_id).count("timer_fired") == 1
