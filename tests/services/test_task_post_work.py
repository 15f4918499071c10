"""What one task post costs in engine work: the case's workflow is deserialized once, and the diagram
code runs once, whatever the post goes through (read, validate, run, save under the version read)."""

from __future__ import annotations

from typing import Any

import pytest

from app.engine import Engine
from app.errors import FormValidationError
from app.services import tasks, users
from app.services.runtime import Runtime
from tests import cases
from tests.web.helpers import ready_task_id, start_case


def _counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list[Any]:
    calls: list[Any] = []
    real = getattr(Engine, name)

    def counted(self: Engine, *args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Engine, name, counted)
    return calls


def test_a_task_post_loads_the_workflow_once_and_dumps_it_once(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    instance_id = start_case(rt)
    task_id = ready_task_id(rt, instance_id)
    loads, dumps = _counting(monkeypatch, "load"), _counting(monkeypatch, "dump")
    resolver = users.authenticate_password(rt, "resolver", "demo")
    change = tasks.complete_task(rt, resolver, task_id, cases.acceptance())
    assert change.instance.status == "running" and change.tasks  # the step went through
    assert (len(loads), len(dumps)) == (1, 1)


def test_a_refused_post_loads_once_and_saves_nothing(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    instance_id = start_case(rt)
    task_id = ready_task_id(rt, instance_id)
    loads, dumps = _counting(monkeypatch, "load"), _counting(monkeypatch, "dump")
    resolver = users.authenticate_password(rt, "resolver", "demo")
    with pytest.raises(FormValidationError) as refused:
        tasks.complete_task(rt, resolver, task_id, {"accepted": "có lẽ"})
    assert "accepted" in refused.value.fields
    assert (len(loads), len(dumps)) == (1, 0)
