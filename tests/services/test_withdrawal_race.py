"""A step completed while a withdrawal ends the case answers 409 on every database, never 404, and saves nothing."""

from __future__ import annotations

from typing import Any

import pytest

from app.errors import StaleVersion, TaskNotReady
from app.persistence import queries
from app.services import cases as case_service
from app.services import tasks, users
from app.services.runtime import Runtime
from tests import cases
from tests.web.helpers import ready_task_id, start_case


def _accepted(rt: Runtime) -> tuple[int, str]:
    instance_id = start_case(rt)
    resolver = users.authenticate_password(rt, "resolver", "demo")
    tasks.complete_task(rt, resolver, ready_task_id(rt, instance_id), cases.acceptance())
    return instance_id, ready_task_id(rt, instance_id)


def test_a_step_sent_after_the_withdrawal_is_409(rt: Runtime) -> None:
    instance_id, task_id = _accepted(rt)
    reception = users.authenticate_password(rt, "reception", "demo")
    case_service.deliver_message(rt, reception, instance_id, "withdrawal", cases.withdrawal())
    with pytest.raises(TaskNotReady):
        tasks.complete_task(rt, users.authenticate_password(rt, "resolver", "demo"), task_id, cases.assignment())


def test_a_step_whose_case_was_withdrawn_while_it_ran_is_409_and_saves_nothing(rt: Runtime,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    instance_id, task_id = _accepted(rt)
    reception = users.authenticate_password(rt, "reception", "demo")
    real = tasks.uploads.check_all

    def withdrawn_meanwhile(files: list[Any]) -> Any:  # between the step's run and its save
        case_service.deliver_message(rt, reception, instance_id, "withdrawal", cases.withdrawal())
        return real(files)

    monkeypatch.setattr(tasks.uploads, "check_all", withdrawn_meanwhile)
    with pytest.raises(StaleVersion):
        tasks.complete_task(rt, users.authenticate_password(rt, "resolver", "demo"), task_id, cases.assignment())
    with rt.db.reading() as session:
        actions = [e.action for e in queries.audit_events(session, instance_id)]
        waiting = [t.bpmn_id for t in queries.instance_tasks(session, instance_id)]
    assert actions[-1] == "message_received" and "task_completed" not in actions[3:]
    assert waiting == ["issue_termination"]
