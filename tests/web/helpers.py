"""Act as an officer in the browser would: sign in through the form, post forms with their CSRF token."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.services import cases as case_service
from app.services import users
from app.services.runtime import Runtime
from tests import cases

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path)
    found = _TOKEN.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def sign_in(client: FlaskClient, user: str, password: str = "demo") -> TestResponse:
    client.delete_cookie("khieunai_session")  # whoever was signed in before
    return client.post("/login", data={"username": user, "password": password, "csrf_token": csrf_token(client)})


def post(client: FlaskClient, path: str, data: dict[str, Any] | None = None, token_from: str = "/inbox",
         **kwargs: Any) -> TestResponse:
    body = {"csrf_token": csrf_token(client, token_from), **(data or {})}
    return client.post(path, data=body, **kwargs)


def start_case(rt: Runtime, **changes: Any) -> int:
    reception = users.authenticate_password(rt, "reception", "demo")
    return case_service.start_case(rt, reception, "complaint_second_level", cases.petition(**changes)).instance.id


def ready_task_id(rt: Runtime, instance_id: int) -> str:
    auditor = users.authenticate_password(rt, "auditor", "demo")
    tasks = case_service.get_case(rt, auditor, instance_id).tasks
    assert len(tasks) == 1, tasks
    return tasks[0].id


def as_posted(fields: Any) -> list[tuple[str, str]]:
    """What a browser posts for a rendered field tree (app.web.forms.build): one pair per input."""
    pairs: list[tuple[str, str]] = []
    for field in [fields, *_descendants(fields)]:
        if field.kind in {"object", "array"}:
            continue
        if field.kind == "checkbox":
            if field.value:
                pairs.append((field.name, "on"))
        elif field.value is not None:
            pairs.append((field.name, field.text))
    return pairs


def _descendants(field: Any) -> list[Any]:
    found = []
    for child in field.children:
        found += [child, *_descendants(child)]
    return found
