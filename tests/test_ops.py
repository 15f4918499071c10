"""The operator's view: request ids, JSON log lines, /healthz, /readyz and /metrics, through the test client."""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from app import create_app
from app.clock import FrozenClock
from app.ops import UNMATCHED, logs
from app.persistence.migrate import alembic_config, upgrade
from app.persistence.models import AccountEvent, AuditEvent, Escalation, Job
from app.services import integrity, timers
from app.services.runtime import Runtime
from tests import cases
from tests.api.helpers import ready_task, start
from tests.conftest import APP_ROLE, TEST_CONFIG, _free_port, _pg_admin, basic, vn

GENERATED = re.compile(r"[0-9a-f]{32}")


def _app(url: str, tmp_path: Path, **extra: object) -> Flask:
    return create_app({**TEST_CONFIG, "DATABASE_URL": url, "INSTANCE_DIR": str(tmp_path / "instance"), **extra})


def _metrics(client: FlaskClient, **kwargs: object) -> dict[str, float]:
    response = client.get("/metrics", **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    return {f"{s.name}{json.dumps(s.labels, sort_keys=True) if s.labels else ''}": s.value
            for family in text_string_to_metric_families(response.get_data(as_text=True)) for s in family.samples}


# -- request ids ------------------------------------------------------------------------------------

def test_every_answer_carries_a_request_id_generated_or_the_callers(client: FlaskClient) -> None:
    first, second = client.get("/healthz"), client.get("/healthz")
    assert GENERATED.fullmatch(first.headers["X-Request-ID"]) and GENERATED.fullmatch(second.headers["X-Request-ID"])
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    kept = client.get("/api/processes", headers={**basic("auditor"), "X-Request-ID": "lb-7f3a.2_Q-9"})
    assert kept.status_code == 200 and kept.headers["X-Request-ID"] == "lb-7f3a.2_Q-9"


@pytest.mark.parametrize("sent", ["short", "x" * 65, "has space inside", "<script>alert(1)</script>",
                                  "abc\x7f12345678", "abc\x0112345678", "ümlaut-12345678", "a;b=c,12345678"])
def test_an_unsafe_incoming_id_is_replaced_never_echoed(client: FlaskClient, sent: str) -> None:
    response = client.get("/api/nowhere", headers={"X-Request-ID": sent})
    answered = response.headers["X-Request-ID"]
    assert GENERATED.fullmatch(answered) and answered != sent
    assert response.get_json()["request_id"] == answered
    assert sent not in response.get_data(as_text=True)


def test_the_404_page_and_the_json_404_show_the_request_id(client: FlaskClient) -> None:
    page = client.get("/nowhere", headers={"X-Request-ID": "helpdesk-0001"})
    assert page.status_code == 404 and page.headers["X-Request-ID"] == "helpdesk-0001"
    assert "Mã yêu cầu: <code>helpdesk-0001</code>" in page.get_data(as_text=True)
    api = client.get("/api/instances/2147483000", headers={**basic("auditor"), "X-Request-ID": "helpdesk-0002"})
    assert api.status_code == 404 and api.get_json() == {
        "error": "not_found", "message": api.get_json()["message"], "request_id": "helpdesk-0002"}
    refused = client.get("/api/incidents", headers={**basic("reception"), "X-Request-ID": "helpdesk-0003"})
    assert refused.status_code == 403 and refused.get_json()["request_id"] == "helpdesk-0003"


def test_an_audited_step_records_the_request_id_and_the_chain_still_verifies(client: FlaskClient, rt: Runtime) -> None:
    created = start(client, cases.petition()).get_json()
    task = ready_task(client, created["id"])
    response = client.post(f"/api/tasks/{task['id']}/complete", json={"data": cases.acceptance()},
                           headers={**basic("resolver"), "X-Request-ID": "step-req-42"})
    assert response.status_code == 200, response.get_json()
    with rt.db.reading() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.instance_id == created["id"])
                                 .order_by(AuditEvent.seq)).all()
    completed = [json.loads(e.data) for e in events if e.action == "task_completed"]
    assert [d["request_id"] for d in completed] == ["step-req-42"]
    started = json.loads(events[0].data)
    assert events[0].action == "instance_started" and GENERATED.fullmatch(started["request_id"])
    report = integrity.verify_all(rt)
    assert report.ok, report.problems
    history = client.get(f"/api/instances/{created['id']}/history", headers=basic("auditor")).get_json()
    assert history["chain"]["ok"] is True
    # the officers' case page lists what a step changed: the request id is not one of those
    from tests.web.helpers import sign_in
    sign_in(client, "auditor")
    page = client.get(f"/cases/{created['id']}").get_data(as_text=True)
    assert "step-req-42" not in page and "request_id" not in page


def test_an_account_event_records_the_request_id_and_the_admin_log_names_it(client: FlaskClient, rt: Runtime) -> None:
    issued = client.post("/api/auth/tokens", json={"name": "tích hợp"},
                         headers={**basic("resolver"), "X-Request-ID": "token-req-07"})
    assert issued.status_code == 201, issued.get_json()
    with rt.db.reading() as session:
        event = session.scalars(select(AccountEvent).where(AccountEvent.action == "token_issued")).one()
    assert json.loads(event.data)["request_id"] == "token-req-07"
    assert integrity.verify_all(rt).ok
    from tests.web.helpers import sign_in
    sign_in(client, "admin")
    page = client.get("/admin/log").get_data(as_text=True)
    assert "Mã yêu cầu: token-req-07" in " ".join(page.split()) and "request_id" not in page


def test_events_written_outside_a_request_carry_no_request_id(rt: Runtime, clock: FrozenClock,
                                                              client: FlaskClient) -> None:
    created = start(client, cases.petition()).get_json()
    clock.set(vn(2021, 6, 1))
    timers.run_worker(rt, "ops-test", until_idle=True)
    with rt.db.reading() as session:
        fired = session.scalars(select(AuditEvent.data).where(AuditEvent.instance_id == created["id"],
                                                              AuditEvent.action == "timer_fired")).all()
    assert fired and all("request_id" not in json.loads(data) for data in fired)


# -- the log line -----------------------------------------------------------------------------------

def test_each_request_is_one_json_line_with_its_id_route_status_and_user(
        app: Flask, client: FlaskClient, capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure("INFO")  # bind the handler to this test's captured stderr
    capsys.readouterr()
    client.get("/api/instances/2147483000", headers={**basic("auditor"), "X-Request-ID": "log-line-0001"})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    mine = [line for line in lines if line.get("request_id") == "log-line-0001" and line["logger"] == "khieunai.request"]
    assert len(mine) == 1, lines
    line = mine[0]
    assert line["method"] == "GET" and line["route"] == "/api/instances/<id:instance_id>" and line["status"] == 404
    assert line["user"] == "auditor" and line["level"] == "INFO" and isinstance(line["duration_ms"], float)
    assert "demo" not in json.dumps(line) and "Authorization" not in json.dumps(line)


def test_an_unmatched_address_is_logged_under_one_route_label(client: FlaskClient,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure("INFO")
    capsys.readouterr()
    client.get("/no/such/page-12345")
    line = next(json.loads(text) for text in capsys.readouterr().err.splitlines() if '"khieunai.request"' in text)
    assert line["route"] == "<unmatched>" and line["status"] == 404 and line["user"] is None


def test_log_level_warning_keeps_request_lines_out(app: Flask, client: FlaskClient,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure("WARNING")
    try:
        capsys.readouterr()
        client.get("/healthz")
        assert '"khieunai.request"' not in capsys.readouterr().err
    finally:
        logs.configure("INFO")


# -- /healthz and /readyz -----------------------------------------------------------------------------

def test_healthz_answers_without_a_database(tmp_path: Path) -> None:
    client = _app(f"sqlite:///{tmp_path}/missing/dir/app.sqlite3", tmp_path).test_client()
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert not [name for name, _ in response.headers if name.lower().startswith("x-ratelimit")]  # not throttled


def test_readyz_on_a_migrated_deployed_database(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"status": "ready",
                                   "checks": {"database": "ok", "migrations": "ok", "processes": "ok"}}


def test_readyz_on_a_database_one_migration_behind(db_url: str, owner_url: str, tmp_path: Path) -> None:
    config = alembic_config(owner_url)
    head = ScriptDirectory.from_config(config).get_revision("head")
    command.downgrade(config, "-1")
    body = _app(db_url, tmp_path).test_client().get("/readyz")
    assert body.status_code == 503
    checks = body.get_json()["checks"]
    assert checks["database"] == "ok" and checks["processes"] == "ok"
    said = checks["migrations"]
    assert str(head.down_revision) in said and head.revision in said and "flask setup" in said


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Migrated, nothing deployed: a database `flask setup` stopped half-way through."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        upgrade(url)
        yield url
        return
    server = request.getfixturevalue("postgres_template")
    name = f"empty_{_free_port()}"
    _pg_admin(server, f"CREATE DATABASE {name}")
    try:
        url = f"postgresql+psycopg://postgres@{server}/{name}"
        upgrade(url)
        yield url
    finally:
        _pg_admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_readyz_on_a_database_with_no_deployment(empty_db_url: str, tmp_path: Path) -> None:
    response = _app(empty_db_url, tmp_path).test_client().get("/readyz")
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["database"] == "ok" and checks["migrations"] == "ok"
    assert "complaint_second_level" in checks["processes"] and "na_session_reception" in checks["processes"]


def test_readyz_on_a_database_made_without_migrations(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    from app.persistence.models import Base

    url = f"sqlite:///{tmp_path / 'bare.sqlite3'}"
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    response = _app(url, tmp_path).test_client().get("/readyz")
    assert response.status_code == 503
    assert "chưa được tạo bằng migration" in response.get_json()["checks"]["migrations"]


def test_readyz_gives_up_on_a_postgresql_host_that_never_answers(tmp_path: Path) -> None:
    """A listener that takes the connection and then says nothing (a stalled host, a half-open proxy):
    without a connect timeout the driver would wait for ever; /readyz answers 503 after the configured one."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel completes the handshake; nothing ever reads or writes
    try:
        port = silent.getsockname()[1]
        client = _app(f"postgresql+psycopg://{APP_ROLE}:pw@127.0.0.1:{port}/nowhere", tmp_path,
                      DATABASE_CONNECT_TIMEOUT=2).test_client()
        started = time.monotonic()
        response = client.get("/readyz")
        waited = time.monotonic() - started
    finally:
        silent.close()
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "Cơ sở dữ liệu không trả lời."
    assert 1.5 <= waited < 30, waited  # the timeout, not TCP's minutes (pre-ping may try twice)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_readyz_and_metrics_when_the_database_does_not_answer(backend: str, tmp_path: Path) -> None:
    url = (f"sqlite:///{tmp_path}/missing/dir/app.sqlite3" if backend == "sqlite"
           else f"postgresql+psycopg://{APP_ROLE}:s3cret-pw@127.0.0.1:{_free_port()}/nowhere")
    client = _app(url, tmp_path).test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert response.get_json()["checks"]["database"] == "Cơ sở dữ liệu không trả lời."
    assert "s3cret-pw" not in body and "missing/dir" not in body and "nowhere" not in body
    scraped = client.get("/metrics")  # the process's own figures still go out; never a 500
    assert scraped.status_code == 200 and "app_http_requests_total" in scraped.get_data(as_text=True)
    assert "app_jobs_pending" not in scraped.get_data(as_text=True)


# -- /metrics ---------------------------------------------------------------------------------------

def test_metrics_count_requests_by_url_rule_never_by_address(client: FlaskClient) -> None:
    labels = {"route": "/api/instances/<id:instance_id>", "method": "GET", "status": "404"}
    before = REGISTRY.get_sample_value("app_http_requests_total", labels) or 0
    for instance_id in (2147483001, 2147483002, 2147483003):
        client.get(f"/api/instances/{instance_id}", headers=basic("auditor"))
    figures = _metrics(client)
    assert figures["app_http_requests_total" + json.dumps(labels, sort_keys=True)] == before + 3
    text = client.get("/metrics").get_data(as_text=True)
    assert "2147483001" not in text
    assert 'app_http_request_duration_seconds_count{route="/api/instances/<id:instance_id>"}' in text


def test_metrics_count_sql_statements_and_task_completions(client: FlaskClient) -> None:
    created = start(client, cases.petition()).get_json()
    task = ready_task(client, created["id"])
    process = {"process_id": "complaint_second_level"}
    completions = REGISTRY.get_sample_value("app_task_completions_total", process) or 0
    statements = REGISTRY.get_sample_value("app_sql_statements_total") or 0
    response = client.post(f"/api/tasks/{task['id']}/complete", json={"data": cases.acceptance()},
                           headers=basic("resolver"))
    assert response.status_code == 200
    figures = _metrics(client)
    assert figures["app_task_completions_total" + json.dumps(process)] == completions + 1
    assert figures["app_sql_statements_total"] > statements


def test_metrics_read_the_backlog_from_the_database(client: FlaskClient, rt: Runtime, clock: FrozenClock) -> None:
    start(client, cases.petition())
    clock.set(vn(2021, 6, 1))
    worker = {"worker": "ops-metrics"}
    fired_before = REGISTRY.get_sample_value("app_timers_fired_total", worker) or 0
    report = timers.run_worker(rt, "ops-metrics", until_idle=True)
    assert report.fired >= 1
    with rt.db.reading() as session:
        pending = session.scalar(select(func.count()).select_from(Job).where(Job.status == "pending"))
        open_escalations = session.scalar(select(func.count()).select_from(Escalation)
                                          .where(Escalation.acknowledged_at.is_(None)))
    figures = _metrics(client)
    assert open_escalations and figures["app_escalations_open"] == open_escalations
    assert figures["app_jobs_pending"] == pending
    assert figures["app_jobs_failing"] == 0 and figures["app_incidents_open"] == 0
    assert figures["app_timers_fired_total" + json.dumps(worker)] == fired_before + report.fired


def test_metrics_count_failing_jobs_and_incidents(client: FlaskClient, rt: Runtime) -> None:
    start(client, cases.petition())
    start(client, cases.petition(), confirm_duplicate=True)
    with rt.db.writing() as session:
        jobs = session.scalars(select(Job).order_by(Job.id)).all()
        assert len(jobs) >= 2
        jobs[0].last_error = "RuntimeError: boom"
        jobs[1].status = "incident"
    figures = _metrics(client)
    assert figures["app_jobs_failing"] == 1 and figures["app_incidents_open"] == 1
    assert figures["app_jobs_pending"] == len(jobs) - 1


def test_metrics_are_refused_to_another_host_unless_it_holds_the_token(app: Flask, client: FlaskClient) -> None:
    remote = {"environ_base": {"REMOTE_ADDR": "10.1.2.3"}}
    refused = client.get("/metrics", **remote)  # type: ignore[arg-type]
    assert refused.status_code == 403 and refused.get_json()["error"] == "forbidden"
    assert "METRICS_TOKEN" in refused.get_json()["message"] and "app_" not in refused.get_data(as_text=True)
    # a proxy on this host forwarding a remote client is not "this host"
    forwarded = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert forwarded.status_code == 403
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    app.config["METRICS_TOKEN"] = "scrape-token-123"
    assert client.get("/metrics", headers={"Authorization": "Bearer scrape-token-123"}, **remote).status_code == 200  # type: ignore[arg-type]
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}, **remote).status_code == 403  # type: ignore[arg-type]
    assert client.get("/metrics", headers={"Authorization": "Basic c2NyYXBlLXRva2VuLTEyMw=="},
                      **remote).status_code == 403  # type: ignore[arg-type]


# -- attacks on the new endpoints --------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_the_probes_refuse_other_methods_huge_addresses_and_control_characters(client: FlaskClient, path: str) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        response = client.open(path, method=method)
        assert response.status_code == 405, (method, path)
        assert GENERATED.fullmatch(response.headers["X-Request-ID"])
    assert client.get(f"{path}?q=" + "x" * 6_000).status_code == 414
    assert client.get(f"{path}?q=%00%01").status_code == 400
    assert client.get(path, headers={"X-Request-ID": "x" * 5_000}).headers["X-Request-ID"] != "x" * 5_000
    assert client.head(path).status_code == 200
    assert client.open(path, method="BREW").status_code == 405
    text = client.get("/metrics").get_data(as_text=True)
    labels = [s.labels for family in text_string_to_metric_families(text) for s in family.samples
              if s.name == "app_http_requests_total"]
    assert {"route": UNMATCHED, "method": "OTHER", "status": "405"} in labels and "BREW" not in text


def test_the_probes_never_answer_500(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from app import ops
    from app.persistence import health as store

    def broken() -> None:
        raise OSError("migrations/ unreadable")

    monkeypatch.setattr(store, "head_revision", broken)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.get_json()["status"] == "not_ready"
    assert "unreadable" not in response.get_data(as_text=True)
    monkeypatch.setattr(ops, "_registry", broken)
    scraped = client.get("/metrics")  # the counters are lost for this scrape; the database's figures still go out
    assert scraped.status_code == 200 and "app_jobs_pending" in scraped.get_data(as_text=True)
    assert "app_http_requests_total" not in scraped.get_data(as_text=True)
