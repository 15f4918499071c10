"""Small HTTP helpers for API tests: act as a demo user, find the ready task, complete it."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.clock import FrozenClock
from tests.cases import office_hours_of
from tests.conftest import basic


def start(client: FlaskClient, data: dict[str, Any], user: str = "reception", *,
          confirm_duplicate: bool = False) -> TestResponse:
    body = {"data": data, "confirm_duplicate": True} if confirm_duplicate else {"data": data}
    return client.post("/api/processes/complaint_second_level/instances", json=body, headers=basic(user))


def case(client: FlaskClient, instance_id: int, user: str = "auditor") -> dict[str, Any]:
    response = client.get(f"/api/instances/{instance_id}", headers=basic(user))
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def ready_task(client: FlaskClient, instance_id: int) -> dict[str, Any]:
    tasks = case(client, instance_id)["tasks"]
    assert len(tasks) == 1, tasks
    task: dict[str, Any] = tasks[0]
    return task


def on_the_day(client: FlaskClient, data: Any) -> None:
    """Move the test clock to the day the payload records, as the officer would record it that day."""
    clock = client.application.extensions["runtime"].clock
    if isinstance(clock, FrozenClock):
        clock.set(office_hours_of(data, clock.now()))


def complete(client: FlaskClient, task_id: str, data: dict[str, Any], user: str,
             version: int | None = None) -> TestResponse:
    on_the_day(client, data)
    body: dict[str, Any] = {"data": data}
    if version is not None:
        body["version"] = version
    return client.post(f"/api/tasks/{task_id}/complete", json=body, headers=basic(user))
