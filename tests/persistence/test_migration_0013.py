"""Migration 0013 on a database that already has cases and users: nothing that worked stops working.

Existing cases keep their numbers and each series' counter starts after its highest number of the year;
every organisation code already held (a user's, a case's, a waiting task's, ``ubnd_tinh``) becomes a
catalogue entry, so pages name it and the admin can rename it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app import create_app
from app.clock import FrozenClock
from app.persistence.migrate import upgrade
from app.services import cases, organisation_seed, users
from app.services.deploy import deploy_directory
from app.services.users import ensure_demo_users
from tests.conftest import TEST_CONFIG, _counter, _pg_admin, vn
from tests.services.test_case_numbers import petition

NOW = datetime(2026, 3, 1, 3, tzinfo=UTC)
LEGACY_CASES = [  # (id, process, number, organisation)
    (5, "complaint_second_level", "KN2-2026-000005", "ubnd_tinh"),
    (9, "complaint_second_level", "KN2-2026-000009", "Sở Nông nghiệp và PTNT"),
    (7, "na_session_reception", "TCD-2026-000007", None),
    (3, "complaint_second_level", "KN2-2025-000003", "=cmd|' /C calc'!A0"),
]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'legacy.sqlite3'}"
        return
    server = request.getfixturevalue("postgres_server")
    name = f"m{os.getpid()}_{next(_counter)}"
    _pg_admin(server, f"CREATE DATABASE {name}")
    yield f"postgresql+psycopg://postgres@{server}/{name}"
    _pg_admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _legacy_rows(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO deployments (id, process_id, version, name, content_hash, deployed_at, "
                                "deployed_by) VALUES (900, 'complaint_second_level', 0, 'cũ', 'x', :at, 'setup'), "
                                "(901, 'na_session_reception', 0, 'cũ', 'y', :at, 'setup')"), {"at": NOW})
        for instance_id, process, number, organisation in LEGACY_CASES:
            connection.execute(text(
                "INSERT INTO instances (id, deployment_id, process_id, case_number, title, status, state, "
                "serializer_version, version, started_by, created_at, updated_at, search_key, organisation) VALUES "
                "(:id, :d, :p, :n, '', 'completed', '', '1', 1, 'reception', :at, :at, '', :o)"),
                {"id": instance_id, "d": 900 if process.startswith("complaint") else 901, "p": process, "n": number,
                 "at": NOW, "o": organisation})
        connection.execute(text("INSERT INTO users (username, full_name, password_hash, organisation, is_active, "
                                "is_demo, created_at) VALUES ('giamdoc', 'Giám đốc', 'x', 'Sở Tài chính', true, "
                                "false, :at)"), {"at": NOW})
    engine.dispose()


def test_existing_numbers_and_organisations_carry_over(empty_url: str) -> None:
    upgrade(empty_url, "0012")
    _legacy_rows(empty_url)
    upgrade(empty_url)
    engine = create_engine(empty_url)
    with engine.connect() as connection:
        counters = {tuple(row) for row in connection.execute(text("SELECT series, year, last FROM case_counters"))}
        catalogue = {code: name for code, name in connection.execute(text("SELECT code, name FROM organisations"))}
    engine.dispose()
    assert counters == {("KN2", 2026, 9), ("TCD", 2026, 7), ("KN2", 2025, 3)}
    assert catalogue == {"ubnd_tinh": "UBND tỉnh", "Sở Nông nghiệp và PTNT": "Sở Nông nghiệp và PTNT",
                         "Sở Tài chính": "Sở Tài chính", "=cmd|' /C calc'!A0": "=cmd|' /C calc'!A0"}

    app = create_app({**TEST_CONFIG, "DATABASE_URL": empty_url, "CLOCK": FrozenClock(vn(2026, 3, 2)),
                      "INSTANCE_DIR": tempfile.mkdtemp()})
    rt = app.extensions["runtime"]
    deploy_directory(rt)
    ensure_demo_users(rt)
    assert organisation_seed.adopt_used(rt) == []  # the migration took every code in use
    organisation_seed.ensure_demo_issuers(rt)  # what the demo setup gives the province's bodies to issue papers
    reception = users.authenticate_password(rt, "reception", "demo")
    data = petition(1)
    data.update(received_on="2026-03-02")
    data["first_decision"].update(issued_on="2026-02-10", received_on="2026-02-12")
    started = cases.start_case(rt, reception, "complaint_second_level", data).instance
    assert started.case_number == "KN2-2026-000010"  # after the highest existing number of its series and year
    rt.db.dispose()
