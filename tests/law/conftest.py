"""An officer's desk for the rules of rules.md, reachable by both doors: the services and the HTTP API.

Every rule test runs four times: through the service functions and through the JSON API, each on
SQLite and on PostgreSQL. A refusal must be a 422 naming the field it concerns, in Vietnamese, and
must leave the case exactly as it was; the nearest lawful case must go through.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.errors import FormValidationError
from app.services import cases as case_service
from app.services import tasks as task_service
from app.services.runtime import Runtime
from app.services.users import authenticate_password
from tests import cases
from tests.conftest import basic

PROCESS = "complaint_second_level"
ROLE_OF = {
    "review_acceptance": "resolver", "assign_verification": "resolver", "verify_complaint": "verifier",
    "record_dialogue": "verifier", "submit_verification_report": "verifier", "issue_decision": "resolver",
    "send_decision": "clerk", "publish_decision": "clerk", "issue_termination": "resolver",
    "send_termination_notice": "resolver", "send_suspension_notice": "resolver",
}


class Refused(Exception):
    """A 422 from either door: the fields it names, with their Vietnamese messages."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(fields)
        self.fields = fields


class Desk:
    """Start cases, do steps and record letters as the demo officers, through one door."""

    def __init__(self, rt: Runtime, client: FlaskClient, door: str) -> None:
        self.rt, self.client, self.door = rt, client, door

    # -- acting ---------------------------------------------------------------------------
    def start(self, petition: dict[str, Any]) -> int:
        if self.door == "service":
            try:
                return case_service.start_case(self.rt, self._who("reception"), PROCESS, copy.deepcopy(petition)).instance.id
            except FormValidationError as error:
                raise Refused(error.fields) from None
        # the same complainant against the same decision, case after case: registered knowingly (no duplicate warning)
        response = self.client.post(f"/api/processes/{PROCESS}/instances",
                                    json={"data": petition, "confirm_duplicate": True}, headers=basic("reception"))
        self._check(response)
        return int(response.get_json()["id"])

    def step(self, case_id: int, bpmn_id: str, payload: dict[str, Any]) -> None:
        task_id = self.task_id(case_id, bpmn_id)
        role = ROLE_OF[bpmn_id]
        if self.door == "service":
            try:
                task_service.complete_task(self.rt, self._who(role), task_id, copy.deepcopy(payload))
            except FormValidationError as error:
                raise Refused(error.fields) from None
            return
        response = self.client.post(f"/api/tasks/{task_id}/complete", json={"data": payload}, headers=basic(role))
        self._check(response)

    def letter(self, case_id: int, name: str, payload: dict[str, Any], role: str = "resolver") -> None:
        if self.door == "service":
            try:
                case_service.deliver_message(self.rt, self._who(role), case_id, name, copy.deepcopy(payload))
            except FormValidationError as error:
                raise Refused(error.fields) from None
            return
        response = self.client.post(f"/api/instances/{case_id}/messages/{name}", json={"payload": payload},
                                    headers=basic(role))
        self._check(response)

    def walk(self, case_id: int, until: str | None,
             path: list[tuple[str, str, Callable[[], dict[str, Any]]]] | None = None) -> None:
        """Do the steps of ``path`` (Case A's by default) up to, not including, ``until`` (None: all of them)."""
        for bpmn_id, _, payload in path or cases.RESOLVED_PATH:
            if bpmn_id == until:
                return
            self.step(case_id, bpmn_id, payload())
        assert until is None, f"{until} is not on the path"

    # -- reading --------------------------------------------------------------------------
    def view(self, case_id: int) -> Any:
        return case_service.get_case(self.rt, self._who("auditor"), case_id)

    def data(self, case_id: int) -> dict[str, Any]:
        return dict(self.view(case_id).data)

    def ready(self, case_id: int) -> list[str]:
        return [t.bpmn_id for t in self.view(case_id).tasks]

    def task_id(self, case_id: int, bpmn_id: str) -> str:
        found = [t.id for t in self.view(case_id).tasks if t.bpmn_id == bpmn_id]
        assert found, (bpmn_id, self.ready(case_id))
        return str(found[0])

    def snapshot(self, case_id: int) -> tuple[Any, ...]:
        view = self.view(case_id)
        return view.instance.version, view.instance.status, view.data, sorted(str(t.id) for t in view.tasks)

    def count(self) -> int:
        from sqlalchemy import func, select

        from app.persistence.models import Instance
        with self.rt.db.reading() as session:
            return int(session.scalar(select(func.count()).select_from(Instance)) or 0)

    # -- internals ------------------------------------------------------------------------
    def _who(self, role: str) -> Any:
        return authenticate_password(self.rt, role, "demo")

    @staticmethod
    def _check(response: Any) -> None:
        if response.status_code == 422:
            body = response.get_json()
            raise Refused(body.get("fields") or {"_": body.get("message", "")})
        assert response.status_code in (200, 201), (response.status_code, response.get_json())


@pytest.fixture(params=["service", "api"])
def desk(request: pytest.FixtureRequest, rt: Runtime, client: FlaskClient) -> Desk:
    return Desk(rt, client, request.param)


def refused(desk: Desk, case_id: int | None, act: Callable[[], Any], field: str, *words: str) -> str:
    """Do ``act``, expect a 422 on ``field`` whose message holds ``words``, and the case (or the register) unchanged."""
    before = desk.snapshot(case_id) if case_id is not None else desk.count()
    with pytest.raises(Refused) as caught:
        act()
    assert field in caught.value.fields, caught.value.fields
    message = caught.value.fields[field]
    for word in words:
        assert word in message, message
    assert (desk.snapshot(case_id) if case_id is not None else desk.count()) == before
    return message
