"""Whether this process may be sent traffic (``/readyz``), and the figures a scrape reads from the database.

Ready means: the database answers, its schema is at the newest migration in migrations/ (code newer
than its schema would fail on the first request that touches a new column), and every process
folder under processes/ has a deployment (nothing could be started otherwise). Each check says in
plain words what is wrong; no URL, password or driver message is ever part of the answer (the
driver's words go to the log). A few small queries: a load balancer polls this every few seconds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from app.persistence import health as store
from app.services.runtime import Runtime

log = logging.getLogger(__name__)
OK = "ok"


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, str] = field(default_factory=dict)  # database | migrations | processes -> "ok" or what is wrong

    @property
    def ready(self) -> bool:
        return all(value == OK for value in self.checks.values())


def readiness(rt: Runtime) -> Readiness:
    expected = sorted(p.name for p in rt.processes_dir.iterdir() if p.is_dir()) if rt.processes_dir.is_dir() else []
    head = store.head_revision()
    try:
        with rt.db.reading() as session:
            store.ping(session)
            revision = store.database_revision(session)
            deployed = store.deployed_process_ids(session) if revision is not None else set()
    except Exception as error:  # the database does not answer: say so, never a 500
        log.warning("readiness: the database does not answer (%s)", type(error).__name__)
        waiting = "Chưa kiểm tra được: cơ sở dữ liệu không trả lời."
        return Readiness({"database": "Cơ sở dữ liệu không trả lời.", "migrations": waiting, "processes": waiting})
    return Readiness({"database": OK, "migrations": _migrations(revision, head),
                      "processes": _processes(expected, deployed)})


def _migrations(revision: str | None, head: str | None) -> str:
    if revision is None:
        return f"Cơ sở dữ liệu chưa được tạo bằng migration (cần phiên bản {head}); hãy chạy «flask setup»."
    if revision != head:
        return f"Cơ sở dữ liệu ở phiên bản {revision}, mã nguồn cần phiên bản {head}; hãy chạy «flask setup»."
    return OK


def _processes(expected: list[str], deployed: set[str]) -> str:
    missing = [name for name in expected if name not in deployed]
    if missing:
        return f"Quy trình chưa được triển khai: {', '.join(missing)}; hãy chạy «flask setup»."
    return OK


@dataclass(frozen=True)
class Backlog:
    """What the timer worker and the officers have yet to deal with, counted at scrape time."""

    jobs_pending: int
    jobs_failing: int
    incidents_open: int
    escalations_open: int


def backlog(rt: Runtime) -> Backlog:
    with rt.db.reading() as session:
        jobs = store.job_counts(session)
        escalations = store.open_escalations(session)
    return Backlog(jobs["pending"], jobs["failing"], jobs["incident"], escalations)
