"""Shared fixtures: a real SQLite file and a real, throwaway PostgreSQL 15 server.

Every test that takes ``db_url`` runs once per backend. The schema is migrated once per
backend into a template; each test gets its own copy (a file copy for SQLite, CREATE DATABASE
… TEMPLATE for PostgreSQL), so tests are isolated and fast.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.clock import FrozenClock
from app.engine import CompiledProcess, Engine
from app.persistence.migrate import grant_app_role, upgrade
from app.services import organisation_seed
from app.services.deploy import deploy_directory
from app.services.runtime import Runtime
from app.services.users import ensure_demo_users
from bench.pg import as_postgres as _as_postgres
from bench.pg import free_port as _free_port
from tests import organisations

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
_counter = itertools.count()


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadfile`` as ``make test`` runs it, with the longest tests started first (``tests/scheduling.py``)."""
    if config.getvalue("dist") != "loadfile":
        return None
    from tests.scheduling import LongTestsFirst
    return LongTestsFirst(config, log)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """Start PostgreSQL on 127.0.0.1 and a free port as the postgres user; stop it after."""
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL binaries not found in {PG_BIN}; the suite needs a real server")
    base = Path(tempfile.mkdtemp(prefix="khieunai-pg-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    data, port = base / "data", _free_port()
    subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                                 "-E", "UTF8", "--no-locale"]), check=True, capture_output=True)
    options = f"-p {port} -h 127.0.0.1 -k {base} -F -c max_connections=200 -c full_page_writes=off -c checkpoint_timeout=1h"
    subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-w",
                                 "-o", options, "start"]), check=True, capture_output=True)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def _pg_admin(server: str, sql: str) -> None:
    with psycopg.connect(f"postgresql://postgres@{server}/postgres", autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


APP_ROLE = "khieunai_app"  # the application's PostgreSQL role: no UPDATE/DELETE/TRUNCATE on the audit tables


@pytest.fixture(scope="session")
def postgres_template(postgres_server: str) -> str:
    """The seeded template, migrated by the owner; the app connects as APP_ROLE, as in production."""
    _pg_admin(postgres_server, "CREATE DATABASE khieunai_template")
    _pg_admin(postgres_server, f"CREATE ROLE {APP_ROLE} LOGIN")
    owner = f"postgresql+psycopg://postgres@{postgres_server}/khieunai_template"
    upgrade(owner)
    grant_app_role(owner, APP_ROLE)
    _seed(f"postgresql+psycopg://{APP_ROLE}@{postgres_server}/khieunai_template", migrate=False)
    return postgres_server


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    _seed(f"sqlite:///{path}")
    return path


TEST_CONFIG = {"TESTING": True, "SECRET_KEY": "test-secret", "AUDIT_KEY": "test-audit-key",
               "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}


def _seed(url: str, *, migrate: bool = True) -> None:
    """Migrate, deploy processes/, create the demo users and the catalogue (demo and suite), once per backend."""
    if migrate:
        upgrade(url)
    application = create_app({**TEST_CONFIG, "DATABASE_URL": url, "INSTANCE_DIR": tempfile.mkdtemp()})
    rt = application.extensions["runtime"]
    deploy_directory(rt)
    ensure_demo_users(rt)
    organisation_seed.ensure_demo(rt)
    organisation_seed.ensure(rt, organisations.SUITE)
    organisation_seed.ensure_demo_issuers(rt, organisations.SUITE_ISSUERS)
    rt.db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "app.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    yield from _postgres_database(request.getfixturevalue("postgres_template"))


def _postgres_database(server: str) -> Iterator[str]:
    name = f"t{os.getpid()}_{next(_counter)}"
    _pg_admin(server, f"CREATE DATABASE {name} TEMPLATE khieunai_template STRATEGY FILE_COPY")
    yield f"postgresql+psycopg://{APP_ROLE}@{server}/{name}"
    _pg_admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def owner_url(db_url: str) -> str:
    """The same database as the schema's owner: what an intruder with the owner's rights (or a DBA) uses."""
    return db_url.replace(f"{APP_ROLE}@", "postgres@")


@pytest.fixture
def postgres_url(postgres_template: str) -> Iterator[str]:
    """Only PostgreSQL, for tests about running several processes on one database."""
    yield from _postgres_database(postgres_template)


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """Only SQLite, for tests about the embedded default."""
    path = tmp_path / "app.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


_COMPILED: dict[tuple[Any, str, str], CompiledProcess] = {}


def _content_key(key: Any, process_id: str, files: Mapping[str, str]) -> tuple[Any, str, str]:
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(f"{len(path)}:{path}{len(files[path])}:".encode())
        digest.update(files[path].encode())
    return key, process_id, digest.hexdigest()


def _shared_compilation(process: Callable[..., CompiledProcess]) -> Callable[..., CompiledProcess]:
    """``Engine.process``, handing a test's fresh engine the process another test compiled from the same files.

    Every test builds its own app, hence its own engine, whose cache of compiled deployments starts empty: each
    test that starts a case would parse the same diagrams, forms and document templates again (~0.1-0.2 s). A
    compiled process is immutable and shared by all threads of a worker in production, so sharing it across tests
    is what one long-lived worker does. The key keeps the deployment's own key with its files' digest: two
    deployments of identical files in one test stay two objects, as they are in production, and a deployment
    id another test gave other files is compiled afresh. A refusal is never cached: it is raised again.
    """
    def shared(engine: Engine, key: Any, process_id: str, files: Callable[[], Mapping[str, str]]) -> CompiledProcess:
        if key in engine._processes:
            return process(engine, key, process_id, files)
        loaded = files()
        content = _content_key(key, process_id, loaded)
        compiled = _COMPILED.get(content)
        if compiled is not None:
            engine._processes.setdefault(key, compiled)
        compiled = process(engine, key, process_id, lambda: loaded)
        _COMPILED.setdefault(content, compiled)
        return compiled
    return shared


_CHECKED: dict[tuple[str, str, bool], CompiledProcess] = {}


def _checked_once(compile_process: Callable[..., CompiledProcess]) -> Callable[..., CompiledProcess]:
    """The deploy gate's full compilation (its forms checked against the metaschema), once per set of files.

    Tests deploy the same changed files again and again (a migration test's version two, on each backend and
    in each test of its file); the compilation is a pure function of the files and the gate only reads its
    result. Refused files are not cached: they are refused again.
    """
    def checked(process_id: str, files: Mapping[str, str], *, check_forms: bool = True) -> CompiledProcess:
        content = (process_id, _content_key(None, process_id, files)[2], check_forms)
        compiled = _CHECKED.get(content)
        if compiled is None:
            compiled = _CHECKED[content] = compile_process(process_id, files, check_forms=check_forms)
        return compiled
    return checked


@pytest.fixture(scope="session", autouse=True)
def compiled_processes_shared() -> Iterator[None]:
    from app.services import deploy

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Engine, "process", _shared_compilation(Engine.process))
        patch.setattr(deploy, "compile_process", _checked_once(deploy.compile_process))
        yield


def vn(year: int, month: int, day: int, hour: int = 9) -> datetime:
    """A moment in Vietnam's office hours, as an aware UTC datetime."""
    return datetime(year, month, day, hour - 7, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(vn(2021, 2, 17))


@pytest.fixture
def app(db_url: str, clock: FrozenClock, tmp_path: Path) -> Iterator[Flask]:
    """The real app on a fresh copy of the seeded database (processes deployed, demo users)."""
    application = create_app({**TEST_CONFIG, "DATABASE_URL": db_url, "CLOCK": clock,
                              "INSTANCE_DIR": str(tmp_path / "instance")})
    rt = application.extensions["runtime"]
    yield application
    rt.db.dispose()


@pytest.fixture
def rt(app: Flask) -> Runtime:
    runtime: Runtime = app.extensions["runtime"]
    return runtime


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def basic(username: str, password: str = "demo") -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture(autouse=True)
def officers_record_steps_on_their_day(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Move a test's frozen clock to the day a step records before the step runs, as the officer would.

    Steps record what already happened: a step dated after today is refused (rules.md §3). Tests play
    cases through months on a frozen clock, so starting a case, completing a step and recording a letter
    first bring the clock forward to the latest past fact in the payload (``tests.cases.PAST_FACTS``),
    never back. Tests about that very rule opt out with ``@pytest.mark.fixed_clock``.
    """
    if request.node.get_closest_marker("fixed_clock"):
        return
    from app.services import cases as case_service
    from app.services import tasks as task_service
    from tests.cases import office_hours_of

    def on_the_day(function: Any, data_at: int) -> Any:
        def moved(*args: Any, **kwargs: Any) -> Any:
            clock = args[0].clock
            if isinstance(clock, FrozenClock) and len(args) > data_at:
                clock.set(office_hours_of(args[data_at], clock.now()))
            return function(*args, **kwargs)
        return moved

    monkeypatch.setattr(task_service, "complete_task", on_the_day(task_service.complete_task, 3))
    monkeypatch.setattr(case_service, "start_case", on_the_day(case_service.start_case, 3))
    monkeypatch.setattr(case_service, "deliver_message", on_the_day(case_service.deliver_message, 4))
