"""(c) The HTTP API under gunicorn (2 sync workers) on a temporary SQLite file, driven by threads.

The database is prepared exactly as the README says (``flask --app app setup`` with demo users);
the bench model is then deployed through the API by the demo ``admin`` (it is a fixture, not a
product process). Each role trades its password for a bearer token once; every measured request
uses the token (a password check costs tens of milliseconds of scrypt by design).
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import BENCH_PID, ROOT, Scenario, model_files, summary

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def call(port: int, method: str, path: str, auth: str, body: Any = None) -> tuple[int, Any, float]:
    """One request on a fresh connection (sync workers close it anyway); (status, json, seconds)."""
    payload = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": auth, "Content-Type": "application/json"}
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    elapsed = time.perf_counter() - t0
    return response.status, json.loads(raw) if raw else None, elapsed


def _expect(status: int, wanted: int, body: Any, what: str) -> None:
    if status != wanted:
        raise RuntimeError(f"{what}: HTTP {status} (wanted {wanted}): {body}")


@dataclass
class Server:
    """flask setup + gunicorn on a free loopback port; stopped (terminate, then kill) on exit."""

    workdir: Path
    workers: int = 2
    port: int = field(default_factory=free_port)
    tokens: dict[str, str] = field(default_factory=dict)

    cheap_passwords: bool = False  # --quick: the demo users' one-off logins need not cost scrypt
    _setup: subprocess.Popen[str] | None = None
    _proc: subprocess.Popen[bytes] | None = None
    _log: Any = None
    _thread: threading.Thread | None = None
    _error: Exception | None = None

    @property
    def env(self) -> dict[str, str]:
        env = {**os.environ, "INSTANCE_DIR": str(self.workdir), "DEMO_USERS": "1",
               "DATABASE_URL": f"sqlite:///{self.workdir / 'app.sqlite3'}"}
        if self.cheap_passwords:
            env["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"  # noqa: S105 - a hash method name
        return env

    def start_setup(self) -> None:
        """``flask --app app setup`` (migrate, deploy processes/, demo users) in the background."""
        self._setup = subprocess.Popen([str(BIN / "python"), "-m", "flask", "--app", "app", "setup"], cwd=ROOT,
                                       env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def finish_setup(self) -> None:
        if self._setup is None:
            self.start_setup()
        assert self._setup is not None
        try:
            _out, err = self._setup.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            self._setup.kill()
            self._setup.communicate()
            raise RuntimeError("flask setup took more than 180 s") from None
        if self._setup.returncode != 0:
            raise RuntimeError(f"flask setup failed: {err[-2000:]}")

    def launch(self) -> None:
        """Start gunicorn (setup must have finished); ``wait_ready`` then waits for its answer."""
        self._log = (self.workdir / "gunicorn.log").open("wb")
        self._proc = subprocess.Popen(
            # gunicorn reads ./gunicorn.conf.py, whose THREADS > 1 would turn sync workers into gthread ones
            [str(BIN / "gunicorn"), "--workers", str(self.workers), "--worker-class", "sync", "--threads", "1",
             "--bind", f"127.0.0.1:{self.port}", "app:create_app()"],
            cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)

    def prepare_in_background(self) -> None:
        """Setup then launch, in a thread, while the in-process measurements run (--quick)."""
        def work() -> None:
            try:
                self.finish_setup()
                self.launch()
            except Exception as exc:  # re-raised by ready()
                self._error = exc

        self._thread = threading.Thread(target=work, daemon=True)
        self._thread.start()

    def ready(self) -> None:
        if self._thread is not None:
            self._thread.join(timeout=300)
            if self._error is not None:
                raise self._error
        else:
            self.finish_setup()
            self.launch()
        self._wait()

    def stop(self) -> None:
        if self._thread is not None:
            self._thread.join(timeout=300)
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=15)
        if self._log is not None:
            self._log.close()

    def _wait(self) -> None:
        proc = self._proc
        assert proc is not None
        for _ in range(300):  # up to ~30 s
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {(self.workdir / 'gunicorn.log').read_text()[-2000:]}")
            try:
                status, _, _ = call(self.port, "GET", "/api/openapi.json", "")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not answer within 30 s")

    def token(self, role: str) -> str:
        """A bearer header for the demo user of ``role`` (user name = role id, password ``demo``)."""
        if role not in self.tokens:
            basic = "Basic " + base64.b64encode(f"{role}:demo".encode()).decode()
            status, body, _ = call(self.port, "POST", "/api/auth/tokens", basic, {"name": "bench"})
            _expect(status, 201, body, f"token for {role}")
            self.tokens[role] = f"Bearer {body['token']}"
        return self.tokens[role]

    def deploy_bench_model(self) -> None:
        status, body, _ = call(self.port, "POST", f"/api/processes/{BENCH_PID}/deployments", self.token("admin"),
                               {"files": model_files(BENCH_PID)})
        _expect(status, 201, body, "deploy the bench model")


@dataclass
class _Load:
    """Shared by the client threads of one measurement."""

    cases: int
    next_case: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    complete_s: list[float] = field(default_factory=list)
    get_s: list[float] = field(default_factory=list)
    cycle_s: list[float] = field(default_factory=list)  # pick the next task from the last answer, complete it
    start_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def claim(self) -> bool:
        with self.lock:
            if self.next_case >= self.cases or self.errors:
                return False
            self.next_case += 1
            return True


def _one_case(server: Server, scenario: Scenario, load: _Load) -> None:
    port, reader = server.port, server.token(scenario.start_role)
    status, body, dt = call(port, "POST", f"/api/processes/{scenario.process_id}/instances", reader,
                            {"data": scenario.start_data()})
    _expect(status, 201, body, "start")
    load.start_s.append(dt)
    instance_id = body["id"]
    for bpmn_id, role, payload in scenario.steps:
        t0 = time.perf_counter()
        # start and complete answer with the tasks now waiting, as a client would use them
        task = next((t for t in body["tasks"] if t["bpmn_id"] == bpmn_id), None)
        if task is None:
            raise RuntimeError(f"instance {instance_id}: {bpmn_id} not ready; tasks={body['tasks']}")
        status, body, dt = call(port, "POST", f"/api/tasks/{task['id']}/complete", server.token(role),
                                {"data": payload()})
        _expect(status, 200, body, f"complete {bpmn_id}")
        load.complete_s.append(dt)
        load.cycle_s.append(time.perf_counter() - t0)
    if body["status"] != "completed":
        raise RuntimeError(f"instance {instance_id} did not finish: {body}")
    status, detail, dt = call(port, "GET", f"/api/instances/{instance_id}", reader)  # the case page's read
    _expect(status, 200, detail, "read instance")
    load.get_s.append(dt)


def _client(server: Server, scenario: Scenario, load: _Load) -> None:
    try:
        while load.claim():
            _one_case(server, scenario, load)
    except Exception as exc:  # reported by drive(); a thread must not die silently
        load.errors.append(f"{type(exc).__name__}: {exc}")


def drive(server: Server, scenario: Scenario, cases: int, concurrency: int) -> dict[str, Any]:
    """Carry ``cases`` cases to the end with ``concurrency`` client threads; figures over wall time."""
    for role in scenario.roles:  # tokens first, so no password check lands inside the measurement
        server.token(role)
    load = _Load(cases)
    threads = [threading.Thread(target=_client, args=(server, scenario, load), daemon=True) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    wall = time.perf_counter() - t0
    if load.errors or any(t.is_alive() for t in threads):
        raise RuntimeError(f"{scenario.process_id} at concurrency {concurrency}: {load.errors or 'timed out'}")
    result = summary(load.complete_s, wall)
    cycle_p50_ms = summary(load.cycle_s)["p50_ms"]
    result.update(concurrency=concurrency, cases=cases, cycle_p50_ms=cycle_p50_ms,
                  p50_rate_per_s=min(concurrency, cases) * 1000 / cycle_p50_ms,  # clients that had work
                  complete_mean_ms=1000 * sum(load.complete_s) / len(load.complete_s),
                  get_p50_ms=summary(load.get_s)["p50_ms"], start_p50_ms=summary(load.start_s)["p50_ms"])
    return result
