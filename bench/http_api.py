"""(c) The HTTP API under gunicorn, as ``gunicorn.conf.py`` serves it (gthread, keep-alive), on SQLite or PostgreSQL.

Each client is a thread with one persistent connection. The database is prepared exactly as the
README says (``flask --app app setup`` with demo users); the bench model is then deployed through
the API by the demo ``admin`` (it is a fixture, not a product process). Each role trades its
password for a bearer token once; every measured request uses the token (a password check costs
tens of milliseconds of scrypt by design).
"""

from __future__ import annotations

import base64
import http.client
import json
import math
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import BENCH_PID, ROOT, Scenario, model_files, summary
from bench.pg import free_port

BIN = Path(sys.executable).parent


def call(port: int, method: str, path: str, auth: str, body: Any = None) -> tuple[int, Any, float]:
    """One request on a connection of its own (setup, tokens, deployment); (status, json, seconds)."""
    client = Client(port)
    try:
        return client.request(method, path, auth, body)
    finally:
        client.close()


class Client:
    """One client's persistent connection, reused for every request, as a browser or an integration keeps it.

    Reconnects only when the server closed it (``Connection: close``, or the socket found closed before
    a request was sent) and counts it: with keep-alive working, a client connects once.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None
        self.connects = 0

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            self.connects += 1
        return self.conn

    def request(self, method: str, path: str, auth: str, body: Any = None,
                raw: bool = False) -> tuple[int, Any, float]:
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = auth
        t0 = time.perf_counter()
        fresh = self.conn is None
        conn = self._connection()
        try:
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            if fresh:
                raise
            # the server closed an idle keep-alive connection before reading this request: send it again
            self.close()
            t0 = time.perf_counter()
            conn = self._connection()
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - t0
        if response.getheader("Connection", "").lower() == "close" or response.will_close:
            self.close()
        if raw:
            return response.status, data.decode("utf-8", "replace"), elapsed
        return response.status, json.loads(data) if data else None, elapsed

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# -- what the server spends: CPU and memory of gunicorn's workers (Linux /proc) --------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat_fields(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2:].split()  # fields from the 3rd (state) on; the name may hold spaces


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers of a master)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat_fields(int(entry.name))[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return sorted(found)


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes (their threads included), in seconds."""
    total = 0
    for pid in pids:
        try:
            fields = _stat_fields(pid)
        except OSError:
            continue  # a worker that exited: its time is lost (gunicorn would have logged it)
        total += int(fields[11]) + int(fields[12])  # utime, stime: the 14th and 15th fields
    return total / _TICK


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


METRIC = "app_sql_statements_total"


def parse_counter(text: str, name: str = METRIC) -> float | None:
    """The sum of a counter's samples (over its labels) in Prometheus text; None if it is not there."""
    total, seen = 0.0, False
    for line in text.splitlines():
        if line.startswith(name) and (len(line) == len(name) or line[len(name)] in " {"):
            total += float(line.rsplit(None, 1)[1])
            seen = True
    return total if seen else None


def call_raw(port: int, path: str, auth: str) -> tuple[int, str, float]:
    client = Client(port)
    try:
        return client.request("GET", path, auth, raw=True)
    finally:
        client.close()


def _expect(status: int, wanted: int, body: Any, what: str) -> None:
    if status != wanted:
        raise RuntimeError(f"{what}: HTTP {status} (wanted {wanted}): {body}")


@dataclass
class Server:
    """flask setup + gunicorn on a free loopback port; stopped (terminate, then kill) on exit."""

    workdir: Path
    database_url: str | None = None  # None: a SQLite file in workdir
    workers: int | None = None  # None: gunicorn.conf.py's (what `make run` serves)
    threads: int | None = None
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
               "DATABASE_URL": self.database_url or f"sqlite:///{self.workdir / 'app.sqlite3'}"}
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
        sizing = [*(["--workers", str(self.workers)] if self.workers else []),
                  *(["--threads", str(self.threads)] if self.threads else [])]
        self._proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"), *sizing,
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

    @property
    def label(self) -> str:
        """What gunicorn runs with, as it reads gunicorn.conf.py and the flags (``--print-config``)."""
        sizing = [*(["--workers", str(self.workers)] if self.workers else []),
                  *(["--threads", str(self.threads)] if self.threads else [])]
        out = subprocess.run([str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"), *sizing,
                              "--print-config", "app:create_app()"], cwd=ROOT, env=self.env, capture_output=True,
                             text=True, timeout=60, check=False).stdout
        settings = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        get = {key.strip(): value.strip() for key, value in settings.items()}.get
        return (f"gunicorn {get('worker_class')} {get('workers')} workers × {get('threads')} threads, "
                f"keep-alive {get('keepalive')} s")

    def worker_pids(self) -> list[int]:
        assert self._proc is not None
        return children(self._proc.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.worker_pids())

    def sql_statements(self) -> float | None:
        """``app_sql_statements_total`` from ``GET /metrics`` (anonymous, else as admin); None without it."""
        for auth in ("", self.token("admin")):
            status, text, _ = call_raw(self.port, "/metrics", auth)
            if status == 200:
                return parse_counter(text)
            if status not in (401, 403):
                return None
        return None

    def deploy_bench_model(self) -> None:
        status, body, _ = call(self.port, "POST", f"/api/processes/{BENCH_PID}/deployments", self.token("admin"),
                               {"files": model_files(BENCH_PID)})
        _expect(status, 201, body, "deploy the bench model")


@dataclass
class _Load:
    """Shared by the client threads of one measurement."""

    cases: int
    on_completion: Callable[[int], None] | None = None  # called with the count so far (RSS samples)
    next_case: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    complete_s: list[float] = field(default_factory=list)
    get_s: list[float] = field(default_factory=list)
    cycle_s: list[float] = field(default_factory=list)  # pick the next task from the last answer, complete it
    start_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    connects: int = 0
    reconnects: int = 0

    def claim(self) -> bool:
        with self.lock:
            if self.next_case >= self.cases or self.errors:
                return False
            self.next_case += 1
            return True

    def completed(self, seconds: float) -> None:
        with self.lock:
            self.complete_s.append(seconds)
            n = len(self.complete_s)
        if self.on_completion is not None:
            self.on_completion(n)


def _one_case(server: Server, client: Client, scenario: Scenario, load: _Load) -> None:
    reader = server.token(scenario.start_role)
    status, body, dt = client.request("POST", f"/api/processes/{scenario.process_id}/instances", reader,
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
        status, body, dt = client.request("POST", f"/api/tasks/{task['id']}/complete", server.token(role),
                                          {"data": payload()})
        _expect(status, 200, body, f"complete {bpmn_id}")
        load.cycle_s.append(time.perf_counter() - t0)
        load.completed(dt)
    if body["status"] != "completed":
        raise RuntimeError(f"instance {instance_id} did not finish: {body}")
    status, detail, dt = client.request("GET", f"/api/instances/{instance_id}", reader)  # the case page's read
    _expect(status, 200, detail, "read instance")
    load.get_s.append(dt)


def _client(server: Server, scenario: Scenario, load: _Load) -> None:
    client = Client(server.port)
    try:
        while load.claim():
            _one_case(server, client, scenario, load)
    except Exception as exc:  # reported by drive(); a thread must not die silently
        load.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        client.close()
        with load.lock:
            load.connects += client.connects
            load.reconnects += max(0, client.connects - 1)


def drive(server: Server, scenario: Scenario, cases: int, concurrency: int,
          on_completion: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Carry ``cases`` cases to the end with ``concurrency`` client threads; figures over wall time.

    Server CPU (utime + stime of gunicorn's workers) and SQL statements (``/metrics``) are read just
    before and after, so they count every request of the run: starts, completions and reads. The
    client's own CPU (this process) is read too: it shares the machine's cores with the server.
    """
    for role in scenario.roles:  # tokens first, so no password check lands inside the measurement
        server.token(role)
    load = _Load(cases, on_completion)
    threads = [threading.Thread(target=_client, args=(server, scenario, load), daemon=True) for _ in range(concurrency)]
    sql_before, cpu_before = server.sql_statements(), server.cpu_seconds()
    t0, client_cpu_before = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=1800)
    wall, client_cpu = time.perf_counter() - t0, time.process_time() - client_cpu_before
    cpu_after, sql_after = server.cpu_seconds(), server.sql_statements()
    if load.errors or any(t.is_alive() for t in threads):
        raise RuntimeError(f"{scenario.process_id} at concurrency {concurrency}: {load.errors or 'timed out'}")
    result = summary(load.complete_s, wall)
    n = len(load.complete_s)
    cycle_p50_ms = summary(load.cycle_s)["p50_ms"]
    result.update(concurrency=concurrency, cases=cases, cycle_p50_ms=cycle_p50_ms,
                  p50_rate_per_s=min(concurrency, cases) * 1000 / cycle_p50_ms,  # clients that had work
                  complete_mean_ms=1000 * sum(load.complete_s) / n,
                  get_p50_ms=summary(load.get_s)["p50_ms"], start_p50_ms=summary(load.start_s)["p50_ms"],
                  server_cpu_ms_per_completion=1000 * (cpu_after - cpu_before) / n,
                  # cores kept busy over the row: the workers, and this process's client threads on the same machine
                  server_cores=(cpu_after - cpu_before) / wall, client_cores=client_cpu / wall,
                  sql_per_completion=(None if sql_before is None or sql_after is None
                                      else (sql_after - sql_before) / n),
                  reconnects=load.reconnects, connections=load.connects)
    return result
