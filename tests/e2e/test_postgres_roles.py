"""PostgreSQL as the README's scaling section sets it up: migrations as the owner, the app as a narrower role."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.conftest import APP_ROLE, _pg_admin

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
LOGS = ("audit_events", "account_events", "audit_checkpoints", "audit_checkpoint_entries")


def _flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_setup_migrates_as_the_owner_and_the_app_role_can_only_append_to_the_logs(postgres_template: str,
                                                                                  tmp_path: Path) -> None:
    server = postgres_template
    _pg_admin(server, "CREATE DATABASE roles_check")
    env = {**os.environ, "INSTANCE_DIR": str(tmp_path), "AUDIT_KEY": "roles-test-key", "PASSWORD_HASH_METHOD":
           "pbkdf2:sha256:1000", "DATABASE_URL": f"postgresql+psycopg://{APP_ROLE}@{server}/roles_check",
           "MIGRATION_DATABASE_URL": f"postgresql+psycopg://postgres@{server}/roles_check"}
    setup = _flask(env, "setup")
    assert setup.returncode == 0, setup.stderr
    with psycopg.connect(f"postgresql://{APP_ROLE}@{server}/roles_check", autocommit=True) as conn:
        for table in LOGS:
            rights = conn.execute(f"SELECT has_table_privilege('{table}', 'SELECT'), "  # type: ignore[arg-type]
                                  f"has_table_privilege('{table}', 'INSERT'), has_table_privilege('{table}', 'UPDATE'), "
                                  f"has_table_privilege('{table}', 'DELETE'), "
                                  f"has_table_privilege('{table}', 'TRUNCATE')").fetchone()
            assert rights == (True, True, False, False, False), table
        assert conn.execute("SELECT has_table_privilege('instances', 'UPDATE')").fetchone() == (True,)
        # the access log: DELETE only for retention (a trigger lets through only what a sealed anchor pruned)
        for table, expected in (("access_events", (True, True, False, True, False)),
                                ("access_anchors", (True, True, True, False, False))):
            rights = conn.execute(f"SELECT has_table_privilege('{table}', 'SELECT'), "  # type: ignore[arg-type]
                                  f"has_table_privilege('{table}', 'INSERT'), has_table_privilege('{table}', 'UPDATE'), "
                                  f"has_table_privilege('{table}', 'DELETE'), "
                                  f"has_table_privilege('{table}', 'TRUNCATE')").fetchone()
            assert rights == expected, table
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM account_events")
    signed = _flask(env, "audit", "checkpoint")
    assert signed.returncode == 0, signed.stderr[-3000:]
    verify = _flask(env, "audit", "verify")
    assert verify.returncode == 0 and "intact" in verify.stdout, verify.stdout + verify.stderr
    _pg_admin(server, "DROP DATABASE roles_check WITH (FORCE)")
