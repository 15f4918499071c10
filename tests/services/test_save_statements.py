"""How many SQL statements a step costs, on both databases: a regression guard for the save path, not a timing.

Counted as the benchmark counts them (``bench/services.py``): every statement sent to the database,
SQLite's ``BEGIN`` / ``BEGIN IMMEDIATE`` included. One completion on the shared bench model is its read
(the task with its case, calendar stamp and what else of the case the save touches) and one short write:
the case's row, the finished task, its tombstone, the next task and the trail's event.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from app.errors import TaskNotReady
from app.persistence import audit, queries
from app.persistence.worklist import TaskDraft
from app.services import cases, deploy, drafts, sessions, tasks, users
from app.services.runtime import Runtime
from bench.common import BENCH_PID, bench_payload, model_files

MAX_PER_STEP = 8


@contextmanager
def _statements(rt: Runtime) -> Iterator[list[str]]:
    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    engines = {rt.db.read_engine, rt.db.write_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)


def _ready(rt: Runtime, instance_id: int) -> str:
    with rt.db.reading() as session:
        (row,) = queries.instance_tasks(session, instance_id)
        return row.id


def test_each_step_of_the_bench_model_takes_at_most_eight_statements(rt: Runtime) -> None:
    deploy.deploy(rt, None, BENCH_PID, model_files(BENCH_PID))
    admin = users.create_user(rt, "bench_admin", "Quản trị thử", "mat-khau-dai-123", ["admin"])
    cases.start_case(rt, admin, BENCH_PID, {})  # the first reads the diagram and calendar into the process's cache
    with _statements(rt) as sent:
        instance_id = cases.start_case(rt, admin, BENCH_PID, {}).instance.id
    assert len(sent) <= 10, sent
    for step in range(1, 6):
        task_id = _ready(rt, instance_id)
        with _statements(rt) as sent:
            tasks.complete_task(rt, admin, task_id, bench_payload(step))
        assert len(sent) <= MAX_PER_STEP, (step, sent)
    with rt.db.reading() as session:
        instance = queries.instance(session, instance_id)
        assert instance is not None and instance.status == "completed" and instance.version == 7
        assert queries.instance_tasks(session, instance_id) == []
        events = list(queries.audit_events(session, instance_id))
        check = audit.verify_case(rt.audit_keys, instance, events)
    assert check.ok and [e.action for e in events] == ["instance_started"] + ["task_completed"] * 5 + [
        "instance_completed"], check


def test_a_finished_tasks_drafts_go_with_its_row(rt: Runtime) -> None:
    deploy.deploy(rt, None, BENCH_PID, model_files(BENCH_PID))
    admin = users.create_user(rt, "bench_admin", "Quản trị thử", "mat-khau-dai-123", ["admin"])
    instance_id = cases.start_case(rt, admin, BENCH_PID, {}).instance.id
    first = _ready(rt, instance_id)
    drafts.save_draft(rt, admin, first, data={"t1_name": "nháp"})
    tasks.complete_task(rt, admin, first, bench_payload(1))
    second = _ready(rt, instance_id)
    drafts.save_draft(rt, admin, second, data={"t2_name": "nháp"})
    with rt.db.reading() as session:
        assert [d.task_id for d in session.query(TaskDraft).all()] == [second]


def test_who_a_request_is_takes_one_query(rt: Runtime) -> None:
    """A bearer token or a session cookie: the account and its roles in one statement.

    The token's lookup is one statement on both databases (SQLite is sent no BEGIN for it); the
    cookie's read stays in a transaction (plus SQLite's BEGIN): it may go on to end the session.
    """
    officer = users.create_user(rt, "hai_vai_tro", "Cán bộ hai vai trò", "mat-khau-dai-123", ["resolver", "verifier"],
                                organisation="SO_TNMT")
    token = sessions.issue_token(rt, officer, "thử", 1).value
    cookie = sessions.sign_in(rt, "hai_vai_tro", "mat-khau-dai-123", sessions.Client()).session_token
    begins = 1 if rt.db.dialect == "sqlite" else 0
    for resolve, secret, expected in ((sessions.authenticate_token, token, 1), (sessions.resume, cookie, 1 + begins)):
        with _statements(rt) as sent:
            found = resolve(rt, secret)
        assert len(sent) == expected, sent
        assert sent[-1].lstrip().upper().startswith("SELECT"), sent
        assert (found.username, found.full_name, found.roles, found.organisation) == (
            "hai_vai_tro", "Cán bộ hai vai trò", frozenset({"resolver", "verifier"}), "SO_TNMT")


def test_a_draft_saved_as_its_task_is_completed_is_409_not_an_orphan(rt: Runtime,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The draft's save read the task just before the completion deleted it (PostgreSQL's read committed)."""
    deploy.deploy(rt, None, BENCH_PID, model_files(BENCH_PID))
    admin = users.create_user(rt, "bench_admin", "Quản trị thử", "mat-khau-dai-123", ["admin"])
    instance_id = cases.start_case(rt, admin, BENCH_PID, {}).instance.id
    first = _ready(rt, instance_id)
    with rt.db.reading() as session:
        stale = queries.task_row(session, first)
    tasks.complete_task(rt, admin, first, bench_payload(1))
    monkeypatch.setattr(drafts, "task_or_error", lambda *_: stale)
    with pytest.raises(TaskNotReady):
        drafts.save_draft(rt, admin, first, data={"t1_name": "nháp"})
    with rt.db.reading() as session:
        assert session.query(TaskDraft).all() == []
