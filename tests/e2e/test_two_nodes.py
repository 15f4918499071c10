"""A central call received on one gunicorn node is handled on another, and after both restart.

SpiffWorkflow links a message-started event subprocess into its process the first time it is
triggered; the service shares one parsed spec per deployment, so a node that had not received the call
itself (another worker, another machine, the same one after a restart) could not complete the unit's
step (`app.engine.links`). Two gunicorn processes serve the same SQLite file here, with the real clock.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.clock import VIETNAM
from tests.conftest import _free_port
from tests.e2e.test_gunicorn import call

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.e2e


class Node:
    """One gunicorn process (one worker) serving the shared database; it can be restarted."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None
        self.base = ""

    def start(self) -> None:
        port = _free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen([str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "--workers", "1",
                                      "--bind", f"127.0.0.1:{port}", "app:create_app()"], cwd=ROOT, env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(600):
            try:
                urllib.request.urlopen(f"{self.base}/api/openapi.json", timeout=10)
                return
            except OSError:
                time.sleep(0.1)
        pytest.fail("gunicorn did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def call(self, method: str, path: str, user: str, body: Any = None) -> tuple[int, Any]:
        return call(self.base, method, path, user, body, timeout=30)


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[tuple[Node, Node]]:
    env = {**os.environ, "INSTANCE_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite3'}",
           "DEMO_USERS": "1", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    setup = subprocess.run([str(BIN / "flask"), "--app", "app", "setup"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=180)
    assert setup.returncode == 0, setup.stderr
    first, second = Node(env), Node(env)
    first.start()
    second.start()
    try:
        yield first, second
    finally:
        first.stop()
        second.stop()


def _plan(now: datetime) -> dict[str, Any]:
    today = now.date()
    return {"session_name": "Kỳ họp thứ 10, Quốc hội khóa XV", "window_start": (today - timedelta(days=5)).isoformat(),
            "window_end": (today + timedelta(days=5)).isoformat(), "receive_on_weekends": True,
            "reception_start": (today - timedelta(days=5)).isoformat(),
            "reception_end": (today + timedelta(days=5)).isoformat(),
            "reception_office": "Trụ sở Tiếp công dân tỉnh Gia Lai",
            "units": [{"code": "CHUPRONG", "name": "UBND huyện Chư Prông", "kind": "district",
                       "organisation": "ubnd_x_chu_prong"}],
            "documents": [{"number": "930/UBND-TD", "issued_on": (today - timedelta(days=7)).isoformat(),
                           "issuer": "UBND tỉnh Gia Lai", "title": "Về việc tiếp công dân phục vụ kỳ họp"}]}


def _waiting(node: Node, plan_id: int, bpmn_id: str) -> list[dict[str, Any]]:
    status, body = node.call("GET", f"/api/instances/{plan_id}", "auditor")
    assert status == 200, body
    return [t for t in body["tasks"] if t["bpmn_id"] == bpmn_id]


def test_a_central_call_received_on_one_node_is_handled_on_another_and_after_a_restart(
        nodes: tuple[Node, Node]) -> None:
    first, second = nodes
    now = datetime.now(VIETNAM).replace(second=0, microsecond=0)
    status, plan = first.call("POST", "/api/processes/na_session_reception/instances", "inspectorate",
                              {"data": _plan(now)})
    assert status == 201, plan
    status, body = first.call("POST", f"/api/instances/{plan['id']}/messages/central_coordination", "inspectorate", {
        "payload": {"reported_by": "central_reception_board", "reported_at": now.isoformat(), "channel": "phone",
                    "location": "Trụ sở Tiếp công dân Trung ương, Hà Nội", "people_count": 8,
                    "home_area": "Huyện Chư Prông", "content": "Đề nghị giải quyết bồi thường đất rẫy."}})
    assert status in (200, 201), body

    # a plan started afterwards on the node that received the call has no central call in it
    status, other = first.call("POST", "/api/processes/na_session_reception/instances", "inspectorate",
                               {"data": _plan(now)})
    assert status == 201, other
    assert _waiting(first, other["id"], "alert_competent_unit") == []

    [alert] = _waiting(second, plan["id"], "alert_competent_unit")  # the second node never saw the call
    status, body = second.call("POST", f"/api/tasks/{alert['id']}/complete", "inspectorate", {"data": {"alert": {
        "unit_code": "CHUPRONG", "alerted_at": now.isoformat(),
        "instructions": "Cử lãnh đạo huyện ra Hà Nội phối hợp vận động công dân về địa phương"}}})
    assert status == 200, body

    first.stop()
    second.stop()
    first.start()  # a restarted service: nothing compiled, nothing triggered in this process
    [bring] = _waiting(first, plan["id"], "bring_citizens_back")
    today = now.date().isoformat()
    status, body = first.call("POST", f"/api/tasks/{bring['id']}/complete", "unit_head", {"data": {"central_outcome": {
        "officers_sent": ["Phó Chủ tịch UBND huyện Chư Prông"], "met_on": today, "result": "returned",
        "returned_on": today, "dialogue_on": today, "report": "Công dân đã trở về địa phương."}}})
    assert status == 200, body
    assert _waiting(first, plan["id"], "bring_citizens_back") == []
    status, history = first.call("GET", f"/api/instances/{plan['id']}/history", "auditor")
    assert status == 200 and history["chain"]["ok"] is True
