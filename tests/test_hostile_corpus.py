"""A corpus of hostile input: each attack gets a clear 4xx naming the problem, and the service keeps serving.

Diagrams and forms are sent by an analyst through the API (``POST /api/processes/…/deployments``),
each a small change to the timer fixture; requests are sent as an officer would never send them.
After every attack the database must be unchanged and an ordinary request must still be answered.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.persistence.models import AuditEvent, Deployment, Instance
from app.services.runtime import Runtime
from tests.conftest import basic
from tests.services.timer_demo import FIXTURE

BPMN, HANDLE = "processes/timer_demo/timer_demo.bpmn", "forms/timer_demo/handle.schema.json"
START = "forms/timer_demo/start.schema.json"


def _files() -> dict[str, str]:
    return {f"{'processes' if p.suffix == '.bpmn' else 'forms'}/timer_demo/{p.name}": p.read_text(encoding="utf-8")
            for p in FIXTURE.iterdir()}


def _prolog(text: str) -> Callable[[dict[str, str]], None]:
    def change(files: dict[str, str]) -> None:
        files[BPMN] = files[BPMN].replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?>' + text, 1)
    return change


def _script(code: str) -> Callable[[dict[str, str]], None]:
    """A script task on the timer's path holding ``code``."""
    def change(files: dict[str, str]) -> None:
        files[BPMN] = files[BPMN].replace(
            '<bpmn:sequenceFlow id="f3" sourceRef="demo_overdue_timer" targetRef="demo_overdue_raised"/>',
            '<bpmn:sequenceFlow id="f3" sourceRef="demo_overdue_timer" targetRef="s"/>'
            f'<bpmn:scriptTask id="s" name="S"><bpmn:script>{code}</bpmn:script></bpmn:scriptTask>'
            '<bpmn:sequenceFlow id="f3b" sourceRef="s" targetRef="demo_overdue_raised"/>')
    return change


def _field(extra: dict[str, Any]) -> Callable[[dict[str, str]], None]:
    def change(files: dict[str, str]) -> None:
        schema = json.loads(files[HANDLE])
        schema["properties"]["note"] = {"type": "string", "title": "Ghi chú", "maxLength": 500, **extra}
        files[HANDLE] = json.dumps(schema)
    return change


def _nested(depth: int) -> Callable[[dict[str, str]], None]:
    def change(files: dict[str, str]) -> None:
        files[HANDLE] = '{"type": "object", "properties": {"x": ' * depth + "{}" + "}}" * depth
    return change


DEPLOY_ATTACKS: dict[str, tuple[Callable[[dict[str, str]], None], str]] = {
    "XXE reading a file": (_prolog('<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'), "DOCTYPE"),
    "billion laughs": (_prolog('<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'),
                       "DOCTYPE"),
    "external DTD": (_prolog('<!DOCTYPE d SYSTEM "http://127.0.0.1:1/evil.dtd">'), "DOCTYPE"),
    "remote $ref": (_field({"$ref": "http://127.0.0.1:1/schema.json"}), "trỏ ra ngoài biểu mẫu"),
    "file $ref": (_field({"$ref": "file:///etc/hostname"}), "trỏ ra ngoài biểu mẫu"),
    "$ref to nothing": (_field({"$ref": "#/$defs/missing"}), "không trỏ tới"),
    "backreference RE2 cannot run": (_field({"pattern": "^(a)\\1$"}), "RE2"),
    "lookahead RE2 cannot run": (_field({"pattern": "^(?=a)a$"}), "RE2"),
    "patternProperties": (_field({"patternProperties": {"^(a+)+$": {}}}), "patternProperties"),
    "free text without maxLength": (lambda f: f.update({HANDLE: json.dumps(
        {"type": "object", "properties": {"note": {"type": "string", "title": "Ghi chú"}}})}), "maxLength"),
    "form nested 30,000 deep": (_nested(30_000), "sâu"),
    "form nested 60 deep": (_nested(60), "sâu"),
    "loop of a trillion": (_script("total = sum(range(1000000*1000000))"), "100.000"),
    "memory bomb": (_script("x = 'a' * (100000 * 1000000)"), "100.000"),
    "format-spec bomb": (_script("x = f'{1:>{1000000000}}'"), "độ rộng"),
    "power tower": (_script("x = 9**9**9"), "không được phép"),
    "while loop": (_script("while True:\n    pass"), "không được phép"),
    "expression of 100,000 additions": (_script("x = " + "+".join(["1"] * 100_000)), "dài quá"),
    "import": (_script("import os"), "không được phép"),
    "dunder walk": (_script("x = ().__class__.__base__.__subclasses__()"), "không được phép"),
    "lane that is no role": (lambda f: f.update({BPMN: f[BPMN].replace('lane id="resolver"', 'lane id="hacker"')}),
                             "vai trò"),
}


def _counts(rt: Runtime) -> tuple[int, int, int]:
    with rt.db.reading() as session:
        return tuple(session.scalar(select(func.count()).select_from(m)) or 0  # type: ignore[return-value]
                     for m in (Deployment, Instance, AuditEvent))


@pytest.mark.parametrize("attack", list(DEPLOY_ATTACKS))
def test_a_hostile_diagram_or_form_is_refused_by_name_and_the_service_keeps_serving(client: FlaskClient, rt: Runtime,
                                                                                    attack: str) -> None:
    change, named = DEPLOY_ATTACKS[attack]
    files = _files()
    change(files)
    before, started = _counts(rt), time.monotonic()
    response = client.post("/api/processes/timer_demo/deployments", json={"files": files}, headers=basic("analyst"))
    assert response.status_code in {400, 422}, (attack, response.status_code, response.get_data(as_text=True)[:300])
    body = response.get_json()
    assert body["error"] in {"invalid_diagram", "unsafe_diagram", "invalid_input"} and named in body["message"], body
    assert time.monotonic() - started < 10, "refused at once, not after running it"
    assert _counts(rt) == before
    assert client.get("/api/processes", headers=basic("analyst")).status_code == 200


def test_a_catastrophic_pattern_deploys_on_re2_and_answers_at_once(client: FlaskClient) -> None:
    files = _files()
    _field({"pattern": "^(a+)+$"})(files)
    assert client.post("/api/processes/timer_demo/deployments", json={"files": files},
                       headers=basic("analyst")).status_code == 201
    case = client.post("/api/processes/timer_demo/instances", json={"data": {"demo_deadline": "2021-03-01"}},
                       headers=basic("resolver")).get_json()
    started = time.monotonic()
    answer = client.post(f"/api/tasks/{case['tasks'][0]['id']}/complete", json={"data": {"note": "a" * 400 + "!"}},
                         headers=basic("resolver"))
    assert answer.status_code == 422 and "note" in answer.get_json()["fields"]
    assert time.monotonic() - started < 5  # Python's own engine would take longer than the universe


START_CASE = "/api/processes/complaint_second_level/instances"
REQUEST_ATTACKS: list[tuple[str, str, dict[str, Any], int]] = [
    ("GET", "/api/instances/99999999999999999999", {}, 404),
    ("GET", "/api/instances/2147483648", {}, 404),
    ("GET", "/api/instances/-1", {}, 404),
    ("GET", "/api/instances/%D9%A3", {}, 404),  # Arabic-Indic three
    ("GET", "/api/instances?page=99999999999999999999", {}, 400),
    ("GET", "/api/instances?page=%C2%B2", {}, 400),  # superscript two
    ("GET", "/api/instances?q=%00", {}, 400),
    ("GET", "/api/escalations?instance_id=99999999999999999999", {}, 400),
    ("GET", "/api/tasks/not-a-uuid", {}, 404),
    ("GET", "/api/tasks?role=%00", {}, 400),
    ("POST", START_CASE, {"data": b'{"data": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"}, 400),
    ("POST", START_CASE, {"data": b'{"data": {"x": NaN}}'}, 400),
    ("POST", START_CASE, {"json": {"data": {"content": "a\x00b"}}}, 400),
    ("POST", START_CASE, {"data": b"{" + b"x" * (3 * 1024 * 1024)}, 413),
    ("POST", START_CASE, {"data": b"\xff\xfe"}, 400),
    ("DELETE", "/api/instances/1", {}, 405),
    ("GET", "/cases/99999999999999999999", {}, 404),
    ("GET", "/inbox?page=%C2%B2", {}, 302),
    ("GET", "/cases?q=%00", {}, 400),
]


@pytest.mark.parametrize(("method", "path", "body", "status"), REQUEST_ATTACKS,
                         ids=[f"{m} {p[:60]}" for m, p, _, _ in REQUEST_ATTACKS])
def test_a_hostile_request_gets_a_clear_4xx_and_changes_nothing(client: FlaskClient, rt: Runtime, method: str,
                                                                path: str, body: dict[str, Any], status: int) -> None:
    before = _counts(rt)
    headers = {**basic("reception"), "Content-Type": "application/json"} if "json" not in body else basic("reception")
    response = client.open(path, method=method, headers=headers, **body)
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    if path.startswith("/api/") and response.status_code >= 400:
        assert response.get_json()["message"] and response.get_json()["error"] != "internal_error"
    if response.status_code == 405:
        assert "GET" in response.headers["Allow"]
    assert _counts(rt) == before
    assert client.get("/api/processes", headers=basic("reception")).status_code == 200
