"""Scale-out: two worker processes race over 500 due timers on one PostgreSQL; one is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import create_app
from app.clock import FrozenClock
from app.persistence.models import AuditEvent, Escalation, Job
from app.services import integrity
from app.services.runtime import Runtime
from tests.conftest import TEST_CONFIG, vn
from tests.services.timer_demo import deploy_timer_demo, start_timer_demo

ROOT = Path(__file__).resolve().parents[2]
CASES = 500
pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


@pytest.fixture
def pg_rt(postgres_url: str, tmp_path: Path) -> Iterator[Runtime]:
    app = create_app({**TEST_CONFIG, "DATABASE_URL": postgres_url, "CLOCK": FrozenClock(vn(2021, 2, 17)),
                      "INSTANCE_DIR": str(tmp_path)})
    rt: Runtime = app.extensions["runtime"]
    yield rt
    rt.db.dispose()


def _worker(name: str, url: str, tmp: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url, "INSTANCE_DIR": str(tmp), "SECRET_KEY": "race",
           "AUDIT_KEY": TEST_CONFIG["AUDIT_KEY"]}  # every node signs with the one audit key
    command = [str(Path(sys.executable).parent / "flask"), "--app", "app", "worker", "--name", name,
               "--lock-seconds", "3", "--batch", "5", "--interval", "0.2"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _scalar(rt: Runtime, stmt: object) -> int:
    with rt.db.reading() as session:
        return int(session.scalar(stmt) or 0)  # type: ignore[call-overload]


def test_two_workers_fire_500_timers_exactly_once_when_one_is_killed(pg_rt: Runtime, postgres_url: str,
                                                                      tmp_path: Path) -> None:
    rt = pg_rt
    deploy_timer_demo(rt)
    ids = [start_timer_demo(rt, "2021-03-03") for _ in range(CASES)]
    assert _scalar(rt, select(func.count()).select_from(Job)) == CASES
    # the worker processes run on the real clock (2026): every 2021 timer is due
    a, b = _worker("worker-a", postgres_url, tmp_path), _worker("worker-b", postgres_url, tmp_path)
    fired = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "timer_fired")
    try:
        deadline = time.monotonic() + 480  # generous: the loops end as soon as every timer has fired
        while _scalar(rt, fired) < CASES // 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        a.send_signal(signal.SIGKILL)  # mid-run, possibly holding claims and an open transaction
        a.wait(timeout=10)
        while _scalar(rt, fired) < CASES and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)  # let a late duplicate show itself if there were one
    finally:
        for proc in (a, b):
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=10)
    with rt.db.reading() as session:
        per_instance = dict(session.execute(
            select(AuditEvent.instance_id, func.count()).where(AuditEvent.action == "timer_fired")
            .group_by(AuditEvent.instance_id)).all())
        by_worker = session.execute(select(AuditEvent.data).where(AuditEvent.action == "timer_fired")).scalars().all()
        jobs_left = session.scalar(select(func.count()).select_from(Job))
        escalated = session.scalar(select(func.count()).select_from(Escalation))
    print(f"\nfired by worker-a: {sum('worker-a' in d for d in by_worker)}, "
          f"by worker-b: {sum('worker-b' in d for d in by_worker)}")
    assert sorted(per_instance) == sorted(ids), "every timer fired (none lost)"
    assert set(per_instance.values()) == {1}, "no timer fired twice"
    assert (jobs_left, escalated, integrity.verify_all(rt).problems) == (0, CASES, [])
    assert sum("worker-b" in d for d in by_worker) > 0 and sum("worker-a" in d for d in by_worker) > 0
