"""Diagram code never runs inside a write lock: a slow timer script cannot hold up anybody else's step.

The worker fires a timer whose path runs a script; while that script is running (held still at its
first loop step by the test), an officer completes a step of another case on the same database.
Were the script running inside the worker's write transaction (SQLite's BEGIN IMMEDIATE), the
officer's step would wait for it and, past the busy timeout, fail with "database is locked".
A script that goes over its budget becomes a failing job, then an incident; other cases carry on.
"""

from __future__ import annotations

import multiprocessing
import threading
from typing import Any

import pytest

from app.clock import FrozenClock
from app.engine import budget
from app.persistence import queries
from app.services import tasks, timers, users
from app.services.runtime import Runtime
from tests import cases
from tests.conftest import vn
from tests.services.timer_demo import deploy_with_script, start_timer_demo
from tests.web.helpers import ready_task_id, start_case

SLOW = "total = 0\nfor i in range(5000):\n    total += i"
RUNAWAY = "total = 0\nfor i in range(100000):\n    for j in range(100):\n        total += 1"


def test_an_officer_completes_a_step_while_a_timer_script_is_running(rt: Runtime, clock: FrozenClock,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    deploy_with_script(rt, SLOW)
    other = start_case(rt)
    timed = start_timer_demo(rt, "2021-02-18")
    clock.set(vn(2021, 2, 20))
    fork = multiprocessing.get_context("fork")  # the worker runs each job in a child process it forks
    inside, done = fork.Event(), fork.Event()
    worker = threading.current_thread()
    real_step = budget.Budget.step

    def held_step(self: budget.Budget, count: int = 1) -> None:
        if threading.current_thread() is not worker and not inside.is_set():
            inside.set()
            assert done.wait(60), "the officer's step never got through"
        real_step(self, count)

    monkeypatch.setattr(budget.Budget, "step", held_step)
    report: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: report.update(r=timers.run_once(rt, "slow-worker")))
    thread.start()
    assert inside.wait(30), "the timer's script did not run"
    resolver = users.authenticate_password(rt, "resolver", "demo")
    tasks.complete_task(rt, resolver, ready_task_id(rt, other), cases.acceptance())  # while the script runs
    done.set()
    thread.join(60)
    assert report["r"].fired == 1 and report["r"].failed == 0
    with rt.db.reading() as session:
        assert [e.action for e in queries.audit_events(session, timed)][-1] == "escalation_raised"
        assert [t.bpmn_id for t in queries.instance_tasks(session, other)] == ["assign_verification"]


def test_a_runaway_timer_script_becomes_an_incident_and_other_cases_carry_on(rt: Runtime,
                                                                           clock: FrozenClock) -> None:
    deploy_with_script(rt, RUNAWAY)
    timed = start_timer_demo(rt, "2021-02-18")
    other = start_case(rt)
    resolver = users.authenticate_password(rt, "resolver", "demo")
    moment = vn(2021, 2, 20)
    for _attempt in range(timers.MAX_ATTEMPTS):
        clock.set(moment)
        report = timers.run_once(rt, "worker")
        assert (report.claimed, report.failed) == (1, 1)
        moment = moment.replace(hour=moment.hour + 1)
    tasks.complete_task(rt, resolver, ready_task_id(rt, other), cases.acceptance())
    with rt.db.reading() as session:
        job = queries.timer_job(session, timed)
        assert job is not None and job.status == "incident" and "lặp quá" in (job.last_error or "")
        assert [t.bpmn_id for t in queries.instance_tasks(session, other)] == ["assign_verification"]
    incidents = timers.list_incidents(rt, users.authenticate_password(rt, "admin", "demo"))
    assert [(i.kind, i.instance_id) for i in incidents] == [("timer", timed)]
