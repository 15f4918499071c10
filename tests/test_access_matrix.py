"""The access matrix: every API endpoint and page × every demo role × own / other organisation.

Each action is tried by the nine demo users (province-wide) on a case of organisation A, and by
nine users of the same roles limited to organisation A, on A's case ("own") and on B's case
("other"). The expected status of every cell is written below, once per action; the API and the
page answer the same action, so they are held to the same row and cannot disagree. Writes are
sent with an empty form, so a caller the policy lets through gets the form's 422 (or the page's
redirect) and nobody's case changes; after every refused write the database is checked unchanged.

Codes: a status, or ``L`` / ``H`` for a list answered 200 that shows / hides the target. A page that
redirects after a successful post (to anywhere but the sign-in page) counts as 200.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from app.clock import FrozenClock
from app.persistence import queries
from app.persistence.models import Attachment, AuditEvent, Escalation, ReceptionRecord
from app.services import attachments, cases, tasks, timers, users
from app.services.runtime import Runtime
from tests import cases as payloads
from tests.conftest import basic, vn
from tests.web.helpers import csrf_token, sign_in

ROLES = ("reception", "resolver", "verifier", "clerk", "inspectorate", "unit_head", "analyst", "auditor", "admin")
ORG_A, ORG_B = "Sở Tài chính", "Sở Nông nghiệp và PTNT"
PASSWORD = "matkhau-123"
ALL_404 = "404 404 404 404 404 404 404 404 404"
SAME = "same"  # the limited user on its own organisation's case answers as the province-wide one

# action: (province-wide user, case of A | user limited to A, case of A | user limited to A, case of B)
#          reception resolver verifier clerk inspectorate unit_head analyst auditor admin
MATRIX: dict[str, tuple[str, str, str]] = {
    "list cases":         ("L   L   L   L   L   H   H   L   H  ", SAME, "H   H   H   H   H   H   H   H   H  "),
    "read case":          ("200 200 200 200 200 403 403 200 403", SAME, ALL_404),
    "read history":       ("200 200 200 200 200 403 403 200 403", SAME, ALL_404),
    "read diagram":       ("200 200 200 200 200 403 403 200 403", SAME, ALL_404),
    "inbox":              ("H   L   H   H   H   H   H   H   H  ", SAME, "H   H   H   H   H   H   H   H   H  "),
    "read task":          ("403 200 403 403 200 403 403 200 403", SAME, ALL_404),
    "complete task":      ("403 422 403 403 403 403 403 403 403", SAME, ALL_404),
    "claim task":         ("403 200 403 403 403 403 403 403 403", SAME, ALL_404),
    "release task":       ("403 200 403 403 403 403 403 403 200", SAME, ALL_404),
    "assign task":        ("403 422 403 403 403 403 403 403 403", SAME, ALL_404),  # 422: nobody of that name
    "task officers":      ("403 200 403 403 403 403 403 403 403", SAME, ALL_404),
    "save draft":         ("403 200 403 403 403 403 403 403 403", SAME, ALL_404),
    "record withdrawal":  ("422 422 403 403 403 403 403 403 403", SAME, ALL_404),
    "withdrawal form":    ("200 200 403 403 403 403 403 403 403", SAME, ALL_404),
    "add attachment":     ("400 400 400 400 403 403 403 403 403", SAME, ALL_404),  # 400: no file chosen
    "read attachment":    ("200 200 200 200 200 403 403 200 403", SAME, ALL_404),
    "list escalations":   ("403 L   403 403 L   403 403 L   403", SAME, "403 H   403 403 H   403 403 H   403"),
    "ack escalation":     ("403 200 403 403 200 403 403 403 403", SAME, "403 404 403 403 404 403 403 403 403"),
    "escalations page":   ("403 L   403 403 L   403 403 L   403", SAME, "403 H   403 403 H   403 403 H   403"),
    "read notes":         ("200 200 200 200 200 403 403 200 403", SAME, ALL_404),
    # 400: an empty note; the auditor reads notes and writes none (it changes nothing: a note is a trail event)
    "write note":         ("400 400 400 400 400 403 403 403 403", SAME, ALL_404),
    "start case":         ("422 403 403 403 403 403 403 403 403", SAME, "422 403 403 403 403 403 403 403 403"),
    "start form":         ("200 403 403 403 403 403 403 403 403", SAME, "200 403 403 403 403 403 403 403 403"),
    "deploy":             ("403 403 403 403 403 403 422 403 422", SAME, "403 403 403 403 403 403 422 403 422"),
    "lint":               ("403 403 403 403 403 403 200 403 200", SAME, "403 403 403 403 403 403 200 403 200"),
    "list processes":     ("200 200 200 200 200 200 200 200 200", SAME, "200 200 200 200 200 200 200 200 200"),
    "list versions":      ("403 403 403 403 403 403 200 403 200", SAME, "403 403 403 403 403 403 200 403 200"),
    "diff versions":      ("403 403 403 403 403 403 200 403 200", SAME, "403 403 403 403 403 403 200 403 200"),
    # to the version the cases already run on: answered (each case "already on it"), nothing moves
    "preview migration":  ("403 403 403 403 403 403 200 403 200", SAME, "403 403 403 403 403 403 200 403 200"),
    "migrate cases":      ("403 403 403 403 403 403 200 403 200", SAME, "403 403 403 403 403 403 200 403 200"),
    "incidents":          ("403 403 403 403 403 403 403 200 200", SAME, "403 403 403 403 403 403 403 200 200"),
    "users":              ("403 403 403 403 403 403 403 403 200", SAME, "403 403 403 403 403 403 403 403 200"),
    "account log":        ("403 403 403 403 403 403 403 200 200", SAME, "403 403 403 403 403 403 403 200 200"),
    "audit search":       ("403 403 403 403 200 403 403 200 403", SAME, "403 403 403 403 200 403 403 200 403"),
    "audit page":         ("403 403 403 403 L   403 403 L   403", SAME, "403 403 403 403 H   403 403 H   403"),
    "deadline report":    ("403 403 403 403 200 403 403 200 403", SAME, "403 403 403 403 200 403 403 200 403"),
    # who read a case: the access-log right, but a case of another organisation is not there at all
    "case readers":       ("403 403 403 403 403 403 403 200 200", SAME, ALL_404),
    "officer's reads":    ("403 403 403 403 403 403 403 200 200", SAME, "403 403 403 403 403 403 403 200 200"),
    "dashboard":          ("200 200 200 200 200 200 200 200 200", SAME, "200 200 200 200 200 200 200 200 200"),
    # the reception plan is province-level (no organisation): only province-wide users see it
    "list plans":         ("L   L   403 403 L   L   403 L   403", "H   H   403 403 H   H   403 H   403",
                           "H   H   403 403 H   H   403 H   403"),
    "read plan":          ("200 200 403 403 200 200 403 200 403", ALL_404, ALL_404),
    "read register":      ("200 200 403 403 200 200 403 200 403", ALL_404, ALL_404),
    "write register":     ("422 403 403 403 422 403 403 403 403", "404 403 403 403 404 403 403 403 403",
                           "404 403 403 403 404 403 403 403 403"),
    "read report":        ("200 200 403 403 200 403 403 200 403", "404 404 403 403 404 403 403 404 403",
                           "404 404 403 403 404 403 403 404 403"),
    "record central call": ("422 403 403 403 422 403 403 403 403", ALL_404, ALL_404),
    # a signed case file: the oversight roles only (the officers' own acts are what it proves)
    "export case":        ("403 403 403 403 200 403 403 200 403", SAME, ALL_404),
    "integrity runs":     ("403 403 403 403 403 403 403 200 200", SAME, "403 403 403 403 403 403 403 200 200"),
    "check a case now":   ("403 403 403 403 403 403 403 201 201", SAME, "403 403 403 403 403 403 403 404 404"),
    # the operator's probes: no sign-in, no case data; /metrics answers this host (the test client is 127.0.0.1)
    "probes":             ("200 200 200 200 200 200 200 200 200", SAME, "200 200 200 200 200 200 200 200 200"),
}


@dataclass(frozen=True)
class Call:
    surface: str  # api | web
    method: str
    path: str  # with {case}, {task}, {escalation}, {attachment}, {plan}
    body: dict[str, Any] | None = None
    listed: str | None = None  # for lists: the target's id field in the JSON items, or the link on the page


ACTIONS: dict[str, list[Call]] = {
    "export case": [Call("api", "GET", "/api/instances/{case}/export"), Call("web", "POST", "/cases/{case}/export.zip", {})],
    "integrity runs": [Call("api", "GET", "/api/audit/integrity-runs"), Call("web", "GET", "/audit/integrity")],
    "check a case now": [Call("api", "POST", "/api/audit/integrity-runs", {"scope": "case", "instance_id": "{case}"})],
    "list cases": [Call("api", "GET", "/api/instances?per_page=100", listed="{case}"),
                   Call("web", "GET", "/cases", listed='href="/cases/{case}"')],
    "read case": [Call("api", "GET", "/api/instances/{case}"), Call("web", "GET", "/cases/{case}")],
    "read history": [Call("api", "GET", "/api/instances/{case}/history"), Call("web", "GET", "/cases/{case}")],
    "read diagram": [Call("web", "GET", "/cases/{case}/diagram.bpmn")],
    "inbox": [Call("api", "GET", "/api/tasks?per_page=100", listed="{task}"),
              Call("web", "GET", "/inbox", listed='href="/tasks/{task}"')],
    "read task": [Call("api", "GET", "/api/tasks/{task}"), Call("web", "GET", "/tasks/{task}")],
    "complete task": [Call("api", "POST", "/api/tasks/{task}/complete", {"data": {}}),
                      Call("web", "POST", "/tasks/{task}", {})],
    "claim task": [Call("api", "POST", "/api/tasks/{task}/claim"), Call("web", "POST", "/tasks/{task}/claim", {})],
    "release task": [Call("api", "POST", "/api/tasks/{task}/release"),
                     Call("web", "POST", "/tasks/{task}/release", {})],
    "assign task": [Call("api", "POST", "/api/tasks/{task}/assign", {"assignee": "nobody"}),
                    Call("web", "POST", "/tasks/{task}/assign", {"assignee": "nobody"})],
    "task officers": [Call("api", "GET", "/api/tasks/{task}/officers")],
    "save draft": [Call("api", "PUT", "/api/tasks/{task}/draft", {"data": {}}),
                   Call("web", "POST", "/tasks/{task}/draft", {})],
    "record withdrawal": [Call("api", "POST", "/api/instances/{case}/messages/withdrawal", {"payload": {}}),
                          Call("web", "POST", "/cases/{case}/messages/withdrawal", {})],
    "withdrawal form": [Call("web", "GET", "/cases/{case}/messages/withdrawal")],
    "add attachment": [Call("web", "POST", "/cases/{case}/attachments", {})],
    "read attachment": [Call("web", "GET", "/attachments/{attachment}")],
    "list escalations": [Call("api", "GET", "/api/escalations?instance_id={case}", listed="{escalation}")],
    "ack escalation": [Call("api", "POST", "/api/escalations/{escalation}/acknowledge"),
                       Call("web", "POST", "/escalations/{escalation}/acknowledge", {})],
    "escalations page": [Call("web", "GET", "/escalations?status=all", listed='id="escalation-{escalation}"')],
    "audit search": [Call("api", "GET", "/api/audit/events?case={case}")],
    "audit page": [Call("web", "GET", "/audit?action=registered", listed='/cases/{case}#event-1"')],
    "deadline report": [Call("api", "GET", "/api/audit/deadlines"), Call("api", "GET", "/api/audit/deadlines.xlsx"),
                        Call("web", "GET", "/audit/deadlines"), Call("web", "GET", "/audit/deadlines.xlsx")],
    "read notes": [Call("api", "GET", "/api/instances/{case}/notes")],
    "write note": [Call("api", "POST", "/api/instances/{case}/notes", {"text": ""}),
                   Call("web", "POST", "/cases/{case}/notes", {"text": ""})],
    "start case": [Call("api", "POST", "/api/processes/complaint_second_level/instances", {"data": {}}),
                   Call("web", "POST", "/cases/new/complaint_second_level", {})],
    "start form": [Call("web", "GET", "/cases/new/complaint_second_level")],
    "deploy": [Call("api", "POST", "/api/processes/complaint_second_level/deployments", {"files": {}})],
    "lint": [Call("api", "POST", "/api/processes/complaint_second_level/lint", {"files": {}})],
    "list processes": [Call("api", "GET", "/api/processes")],
    "list versions": [Call("api", "GET", "/api/processes/complaint_second_level/versions")],
    "diff versions": [Call("api", "GET", "/api/processes/complaint_second_level/diff?from=1&to=1")],
    "preview migration": [Call("api", "POST", "/api/processes/complaint_second_level/migrations/preview",
                               {"to_version": 1, "instance_ids": [1, 2]})],
    "migrate cases": [Call("api", "POST", "/api/processes/complaint_second_level/migrations",
                           {"to_version": 1, "instance_ids": [1, 2]})],
    "incidents": [Call("api", "GET", "/api/incidents")],
    "users": [Call("web", "GET", "/admin/users")],
    "account log": [Call("web", "GET", "/admin/log")],
    "case readers": [Call("api", "GET", "/api/instances/{case}/accesses")],
    "officer's reads": [Call("api", "GET", "/api/audit/accesses?user=resolver"),
                        Call("web", "GET", "/audit/accesses?user=resolver")],
    "dashboard": [Call("web", "GET", "/dashboard")],
    "list plans": [Call("api", "GET", "/api/instances?process_id=na_session_reception", listed="{plan}"),
                   Call("web", "GET", "/plans", listed='href="/plans/{plan}"')],
    "read plan": [Call("api", "GET", "/api/instances/{plan}"), Call("web", "GET", "/plans/{plan}")],
    "read register": [Call("api", "GET", "/api/plans/{plan}/records"), Call("web", "GET", "/plans/{plan}/register")],
    "write register": [Call("api", "POST", "/api/plans/{plan}/records", {"received_on": "", "record": {}}),
                       Call("web", "POST", "/plans/{plan}/register/new", {})],
    "read report": [Call("api", "GET", "/api/plans/{plan}/report"), Call("api", "GET", "/api/plans/{plan}/report.xlsx"),
                    Call("web", "GET", "/plans/{plan}/report"), Call("web", "GET", "/plans/{plan}/report.xlsx")],
    "record central call": [Call("api", "POST", "/api/instances/{plan}/messages/central_coordination", {"payload": {}}),
                            Call("web", "POST", "/cases/{plan}/messages/central_coordination", {})],
    "probes": [Call("api", "GET", "/healthz"), Call("api", "GET", "/readyz"), Call("api", "GET", "/metrics"),
               Call("web", "GET", "/healthz"), Call("web", "GET", "/readyz"), Call("web", "GET", "/metrics")],
}
PLAN_START = {"session_name": "Kỳ họp thứ 11, Quốc hội khóa XIV", "window_start": "2021-03-24",
              "window_end": "2021-04-07", "reception_start": "2021-03-24", "reception_end": "2021-04-07",
              "receive_on_weekends": False,
              "reception_office": "Trụ sở Tiếp công dân tỉnh Gia Lai",
              "units": [{"code": "U01", "name": "Sở Tài chính", "kind": "department", "organisation": ORG_A}],
              "documents": [{"number": "930/UBND-TD", "issued_on": "2021-03-22", "title": "Về việc tiếp công dân"}]}


def _department_case(rt: Runtime, department: str) -> int:
    first = {**payloads.petition()["first_decision"], "issuer_level": "department_unit_head",
             "issuer": "Chi cục trưởng", "department": department}
    reception = users.authenticate_password(rt, "reception", "demo")
    petition = payloads.petition(first_decision=first, submitted_to="department_head")
    return cases.start_case(rt, reception, "complaint_second_level", petition).instance.id


@dataclass(frozen=True)
class Target:
    case: int
    task: str
    escalation: int
    attachment: int
    plan: int

    def fill(self, text: str) -> str:
        return text.format(case=self.case, task=self.task, escalation=self.escalation, attachment=self.attachment,
                           plan=self.plan)


def _world(rt: Runtime, clock: FrozenClock) -> tuple[Target, Target]:
    """A case of A and one of B, each waiting for acceptance with an escalation and a file; one plan."""
    clock.set(vn(2021, 2, 17))
    ids = {org: _department_case(rt, org) for org in (ORG_A, ORG_B)}
    clock.set(vn(2021, 3, 22))
    inspectorate = users.authenticate_password(rt, "inspectorate", "demo")
    plan = cases.start_case(rt, inspectorate, "na_session_reception", PLAN_START).instance.id
    timers.run_worker(rt, "matrix", until_idle=True)  # acceptance overdue on both cases
    reception = users.authenticate_password(rt, "reception", "demo")
    for instance_id in ids.values():
        attachments.add_attachments(rt, reception, instance_id, [attachments.Upload("don.pdf", b"%PDF-1.4 don")])
    targets = []
    with rt.db.reading() as session:
        for org in (ORG_A, ORG_B):
            instance_id = ids[org]
            task = queries.instance_tasks(session, instance_id)[0]
            escalation = session.scalar(select(Escalation.id).where(Escalation.instance_id == instance_id))
            attachment = session.scalar(select(Attachment.id).where(Attachment.instance_id == instance_id))
            assert task.organisation == org and escalation and attachment
            targets.append(Target(instance_id, task.id, escalation, attachment, plan))
    return targets[0], targets[1]


def _fingerprint(rt: Runtime) -> tuple[int, ...]:
    with rt.db.reading() as session:
        return tuple(session.scalar(select(func.count()).select_from(model)) or 0
                     for model in (AuditEvent, ReceptionRecord, Attachment))


def _expected(row: tuple[str, str, str], column: int) -> list[str]:
    text = row[0] if row[column] == SAME else row[column]
    codes = text.split()
    assert len(codes) == len(ROLES), f"row {row} column {column}"
    return codes


class Caller:
    """One user on both surfaces: HTTP Basic for the API, a signed-in cookie session for the pages."""

    def __init__(self, app: Flask, username: str) -> None:
        self.username = username
        self.api = app.test_client()
        self.web = app.test_client()
        self.password = PASSWORD if username.endswith("_a") else "demo"
        assert sign_in(self.web, username, self.password).status_code == 302
        self.token = csrf_token(self.web, "/inbox")

    def send(self, call: Call, target: Target) -> TestResponse:
        path = target.fill(call.path)
        if call.surface == "api":
            body = {k: target.fill(v) if isinstance(v, str) else v for k, v in call.body.items()} if call.body else call.body
            return self.api.open(path, method=call.method, json=body, headers=basic(self.username, self.password))
        if call.method == "GET":
            return self.web.get(path)
        return self.web.post(path, data={"csrf_token": self.token, **(call.body or {})})


def _answer(response: TestResponse, call: Call, target: Target) -> str:
    if call.surface == "web" and response.status_code in {302, 303}:
        return "401" if "/login" in response.headers["Location"] else "200"
    if call.listed is None or response.status_code != 200:
        return str(response.status_code)
    wanted = target.fill(call.listed)
    if call.surface == "api":
        shown = any(str(item["id"]) == wanted for item in response.get_json()["items"])
    else:
        shown = wanted in response.get_data(as_text=True)
    return "L" if shown else "H"


def test_every_endpoint_and_page_answers_every_role_as_the_policy_says(app: Flask, rt: Runtime,
                                                                      clock: FrozenClock) -> None:
    own, other = _world(rt, clock)
    for role in ROLES:
        users.create_user(rt, f"{role.replace('_', '')}_a", f"{role} (Sở Tài chính)", PASSWORD, [role], ORG_A)
    wide = {role: Caller(app, role) for role in ROLES}
    limited = {role: Caller(app, f"{role.replace('_', '')}_a") for role in ROLES}
    admin = users.authenticate_password(rt, "admin", "demo")
    mismatches: list[str] = []
    cells = 0
    for action, calls in ACTIONS.items():
        row = MATRIX[action]
        for column, (callers, target) in enumerate(((wide, own), (limited, own), (limited, other))):
            for role, expected in zip(ROLES, _expected(row, column), strict=True):
                for call in calls:
                    before = _fingerprint(rt) if call.method == "POST" else None
                    response = callers[role].send(call, target)
                    got = _answer(response, call, target)
                    cells += 1
                    if got != expected:
                        mismatches.append(f"{action} [{('wide', 'own', 'other')[column]}] {role} {call.surface} "
                                          f"{call.method} {target.fill(call.path)}: expected {expected}, got {got}")
                    if before is not None and response.status_code >= 400:
                        assert _fingerprint(rt) == before, f"a refused {action} by {role} changed the database"
                    if action == "claim task" and response.status_code < 400:
                        tasks.release_task(rt, admin, target.task)  # give it back for the next caller
    assert not mismatches, "\n".join(mismatches)
    assert cells >= 1400


def test_a_limited_user_never_counts_another_organisations_cases(client: FlaskClient, rt: Runtime,
                                                                  clock: FrozenClock) -> None:
    own, other = _world(rt, clock)
    users.create_user(rt, "resolver_a", "Giám đốc Sở Tài chính", PASSWORD, ["resolver"], ORG_A)
    listing = client.get("/api/instances", headers=basic("resolver_a", PASSWORD)).get_json()
    assert [item["id"] for item in listing["items"]] == [own.case] and listing["total"] == 1
    escalations = client.get("/api/escalations", headers=basic("resolver_a", PASSWORD)).get_json()
    assert {item["instance_id"] for item in escalations["items"]} == {own.case} and escalations["total"] == 1
    inbox = client.get("/api/tasks", headers=basic("resolver_a", PASSWORD)).get_json()
    assert [item["id"] for item in inbox["items"]] == [own.task] and inbox["total"] == 1
    everyone = client.get("/api/instances", headers=basic("resolver")).get_json()
    assert everyone["total"] == 3  # the two department cases and the plan
    assert other.case not in {item["id"] for item in listing["items"]}
    sign_in(client, "resolver_a", PASSWORD)
    assert '<span class="num" id="stat-running">1</span>' in client.get("/dashboard").get_data(as_text=True)
    sign_in(client, "resolver")
    assert '<span class="num" id="stat-running">3</span>' in client.get("/dashboard").get_data(as_text=True)


def test_nothing_of_another_organisation_leaks_through_messages_versions_or_finished_tasks(
        client: FlaskClient, rt: Runtime, clock: FrozenClock) -> None:
    _own, other = _world(rt, clock)
    users.create_user(rt, "resolver_a", "Giám đốc Sở Tài chính", PASSWORD, ["resolver"], ORG_A)
    me = basic("resolver_a", PASSWORD)
    with rt.db.reading() as session:
        version = queries.instance(session, other.case).version  # type: ignore[union-attr]
    for guess in (version, version + 1):  # no version oracle: the same 404 whatever the version
        answer = client.post(f"/api/tasks/{other.task}/complete", json={"data": {}, "version": guess}, headers=me)
        assert answer.status_code == 404
    missing = client.post("/api/instances/999999/messages/withdrawal", json={"payload": {}}, headers=me)
    foreign = client.post(f"/api/instances/{other.case}/messages/withdrawal", json={"payload": {}}, headers=me)
    assert _refusal(missing) == _refusal(foreign)  # "does not exist" and "another organisation's" read the same
    assert _refusal(client.get("/api/tasks/00000000-0000-0000-0000-000000000000", headers=me)) == \
        _refusal(client.get(f"/api/tasks/{other.task}", headers=me))
    resolver = users.authenticate_password(rt, "resolver", "demo")
    tasks.complete_task(rt, resolver, other.task, payloads.acceptance(issued_on="2021-03-22"))
    finished = client.get(f"/api/tasks/{other.task}", headers=me)
    assert finished.status_code == 404  # a finished task of another organisation is not a 409 either
    assert client.get(f"/api/tasks/{other.task}", headers=basic("resolver")).status_code == 409


def _refusal(response: Any) -> dict[str, Any]:
    """The refusal as a caller reads it, less the id of the request that got it (its own, never the same)."""
    body = dict(response.get_json())
    assert body.pop("request_id") == response.headers["X-Request-ID"]
    return body


def test_a_unit_finishing_its_step_of_a_plan_sees_no_other_units_tasks(client: FlaskClient, rt: Runtime,
                                                                      clock: FrozenClock) -> None:
    clock.set(vn(2021, 3, 22))
    inspectorate = users.authenticate_password(rt, "inspectorate", "demo")
    units = [{"code": f"U{n}", "name": f"Đơn vị {n}", "kind": "department", "organisation": org}
             for n, org in ((1, ORG_A), (2, ORG_B))]
    plan = cases.start_case(rt, inspectorate, "na_session_reception", {**PLAN_START, "units": units}).instance.id
    users.create_user(rt, "unithead_a", "Giám đốc Sở Tài chính", PASSWORD, ["unit_head"], ORG_A)
    me = basic("unithead_a", PASSWORD)
    mine = client.get("/api/tasks", headers=me).get_json()["items"]
    assert [(t["instance_id"], t["organisation"]) for t in mine] == [(plan, ORG_A)]
    report = {"unit_report": {"reported_on": "2021-03-22", "cases_reviewed": 1, "group_cases": 0, "complex_cases": 0,
                              "bypassing_cases": 0, "protracted_cases": 0, "dialogues_held": 0,
                              "duty_roster": "Trực hằng ngày", "report_number": "1/BC"}}
    done = client.post(f"/api/tasks/{mine[0]['id']}/complete", json={"data": report}, headers=me)
    assert done.status_code == 200, done.get_json()
    assert {t["organisation"] for t in done.get_json()["tasks"]} <= {ORG_A}


def test_a_token_cannot_mint_tokens(client: FlaskClient) -> None:
    token = client.post("/api/auth/tokens", json={"name": "script"}, headers=basic("reception")).get_json()["token"]
    minted = client.post("/api/auth/tokens", json={"name": "again"}, headers={"Authorization": f"Bearer {token}"})
    assert minted.status_code == 403 and minted.get_json()["error"] == "forbidden"
