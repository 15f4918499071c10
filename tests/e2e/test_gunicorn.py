"""The embedded setup as `make run` starts it: `flask setup`, then gunicorn, then real HTTP."""

from __future__ import annotations

import base64
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests import cases
from tests.conftest import _free_port

ROOT = Path(__file__).resolve().parents[2]
LOGS: dict[str, Path] = {}  # base URL -> the server's log file (its stderr)
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    instance = tmp_path_factory.mktemp("instance")
    env = {**os.environ, "INSTANCE_DIR": str(instance), "DATABASE_URL": f"sqlite:///{instance / 'app.sqlite3'}",
           "DEMO_USERS": "1"}
    bin_dir = Path(sys.executable).parent
    setup = subprocess.run([str(bin_dir / "flask"), "--app", "app", "setup"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert setup.returncode == 0, setup.stderr
    assert "deployed complaint_second_level v1" in setup.stdout
    port = _free_port()
    # as `make run` starts it: gunicorn.conf.py's threaded workers (keep-alive), metrics summed over the workers;
    # its JSON log lines go to a file (a pipe nobody reads would fill and stop the workers)
    log = (instance / "gunicorn.log").open("wb")
    proc = subprocess.Popen([str(bin_dir / "gunicorn"), "--config", "gunicorn.conf.py", "--workers", "2",
                             "--bind", f"127.0.0.1:{port}", "app:create_app()"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    LOGS[base] = instance / "gunicorn.log"
    try:
        for _ in range(600):  # up to a minute on a slow host
            try:
                urllib.request.urlopen(f"{base}/api/openapi.json", timeout=10)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def call(base: str, method: str, path: str, user: str, body: Any = None, timeout: float = 10) -> tuple[int, Any]:
    token = base64.b64encode(f"{user}:demo".encode()).decode()
    request = urllib.request.Request(f"{base}{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Basic {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_case_is_started_and_advanced_through_gunicorn(server: str) -> None:
    status, created = call(server, "POST", "/api/processes/complaint_second_level/instances", "reception",
                           {"data": cases.petition()})
    assert status == 201, created
    for bpmn_id, role, payload in cases.RESOLVED_PATH[:2]:
        _, body = call(server, "GET", f"/api/instances/{created['id']}", "auditor")
        task = body["tasks"][0]
        assert task["bpmn_id"] == bpmn_id
        status, _ = call(server, "POST", f"/api/tasks/{task['id']}/complete", role, {"data": payload()})
        assert status == 200
    status, refused = call(server, "POST", f"/api/tasks/{task['id']}/complete", role, {"data": payload()})
    assert status == 409 and refused["error"] == "task_not_ready"
    _, history = call(server, "GET", f"/api/instances/{created['id']}/history", "auditor")
    assert history["chain"]["ok"] is True
    actions = [e["action"] for e in history["events"]]
    # each step issues its paper; the assignment names the demo verifier: the verification task goes to that
    # officer, on the record
    assert [a for a in actions if a != "escalation_raised"] == [
        "instance_started", "document_issued", "task_completed", "document_issued", "task_completed",
        "task_assigned", "document_issued"]
    _, papers = call(server, "GET", f"/api/instances/{created['id']}/documents", "auditor")
    assert [(p["kind"], p["number"]) for p in papers] == [
        ("receipt", "1/GBN-UBND"), ("acceptance_notice", "1/TB-UBND"), ("verification_assignment", "1/QĐ-UBND")]
    # the server runs on today's clock and Case A's 2021 deadlines are long past: they escalate at once
    _, escalated = call(server, "GET", f"/api/escalations?instance_id={created['id']}", "inspectorate")
    assert {"acceptance_overdue", "resolution_overdue"} <= {e["code"] for e in escalated["items"]}
    assert actions.count("escalation_raised") == escalated["total"]


def test_unknown_paths_and_bad_json_answer_json_errors(server: str) -> None:
    status, body = call(server, "GET", "/api/nowhere", "auditor")
    assert status == 404 and body["error"] == "not_found"
    status, body = call(server, "POST", "/api/processes/complaint_second_level/instances", "reception", {"data": []})
    assert status == 400 and body["error"] == "invalid_input"


def test_the_readme_walkthrough_carries_a_case_to_publication(server: str) -> None:
    result = subprocess.run(["bash", str(ROOT / "docs" / "walkthrough.sh")], env={**os.environ, "BASE": server},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    if lines[0].startswith("Có thể đơn này đã được tiếp nhận"):  # Case A was registered by an earlier test
        lines = lines[1:]
    assert lines[0].startswith("KN2-") and "'acceptance_deadline': '2021-03-03'" in lines[0]
    steps = ["review_acceptance by resolver", "assign_verification by resolver", "verify_complaint by verifier",
             "record_dialogue by verifier", "submit_verification_report by verifier", "issue_decision by resolver",
             "send_decision by clerk"]
    assert lines[1:9] == [f"{step}: running" for step in steps] + ["publish_decision by clerk: completed"]
    assert lines[9] == "resolved"
    assert lines[10].startswith("{'breaks': [], 'broken_at': None, 'events': ")
    assert lines[10].endswith("'ok': True, 'reason': None}")


def test_a_long_address_or_many_headers_get_our_vietnamese_answer_before_gunicorns(server: str) -> None:
    """gunicorn.conf.py sets gunicorn's limits above app.limits, so these reach the application."""
    status, body = call(server, "GET", "/api/instances?q=" + "x" * 6_000, "reception")
    assert status == 414 and body["error"] == "uri_too_long" and "quá dài" in body["message"]
    token = base64.b64encode(b"reception:demo").decode()
    headers = {"Authorization": f"Basic {token}", **{f"X-Extra-{i}": "1" for i in range(150)}}
    try:
        urllib.request.urlopen(urllib.request.Request(f"{server}/api/processes", headers=headers), timeout=10)
        pytest.fail("150 headers were accepted")
    except urllib.error.HTTPError as error:
        assert error.code == 431 and json.loads(error.read())["error"] == "headers_too_large"


def test_one_connection_serves_several_requests(server: str) -> None:
    """gthread workers keep the connection open: the same socket carries every request (sync workers closed it)."""
    host, port = server.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        answers, sockets = [], []
        token = base64.b64encode(b"auditor:demo").decode()
        for path, headers in (("/healthz", {}), ("/api/processes", {"Authorization": f"Basic {token}"}),
                              ("/readyz", {}), ("/healthz", {"X-Request-ID": "kept-alive-0004"})):
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            answers.append((response.status, response.getheader("Connection"), response.getheader("X-Request-ID")))
            response.read()
            assert connection.sock is not None, f"the server closed the connection after {path}"
            sockets.append(connection.sock)
        assert [status for status, _, _ in answers] == [200, 200, 200, 200]
        assert all(header is None or header.lower() == "keep-alive" for _, header, _ in answers)
        assert all(sock is sockets[0] for sock in sockets)
        assert answers[3][2] == "kept-alive-0004"
    finally:
        connection.close()


def _scrape(base: str) -> dict[str, float]:
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
        text = response.read().decode()
    return {f"{s.name}{sorted(s.labels.items()) if s.labels else ''}": s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_metrics_sum_every_worker_and_read_the_database(server: str) -> None:
    key = f"app_http_requests_total{sorted({'route': '/healthz', 'method': 'GET', 'status': '200'}.items())}"
    before = _scrape(server).get(key, 0)
    for _ in range(30):  # separate connections: both workers take some
        urllib.request.urlopen(f"{server}/healthz", timeout=10).read()
    figures = _scrape(server)
    assert figures[key] == before + 30
    assert figures["app_jobs_pending"] >= 0 and "app_escalations_open" in figures
    assert figures["app_sql_statements_total"] > 0


def test_probes_and_json_log_lines_under_gunicorn(server: str) -> None:
    ready = urllib.request.urlopen(f"{server}/readyz", timeout=10)
    assert ready.status == 200 and json.loads(ready.read())["status"] == "ready"
    request = urllib.request.Request(f"{server}/healthz", headers={"X-Request-ID": "e2e-log-line-01"})
    urllib.request.urlopen(request, timeout=10).read()
    for _ in range(100):  # the worker writes its line just after answering
        lines = [json.loads(line) for line in LOGS[server].read_text().splitlines()]  # every line is JSON
        mine = [line for line in lines if line.get("request_id") == "e2e-log-line-01"]
        if mine:
            break
        time.sleep(0.05)
    assert len(mine) == 1 and mine[0]["route"] == "/healthz" and mine[0]["status"] == 200
    assert any(line["logger"] == "gunicorn.error" for line in lines)  # gunicorn's own lines are JSON too
    assert not any(line["logger"] == "gunicorn.access" for line in lines)  # the application's line is the access log
