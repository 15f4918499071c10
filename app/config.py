"""Configuration: defaults, then environment variables, then a test's mapping."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _secret_key(instance_dir: Path) -> str:
    """A stable key for the embedded setup, kept in instance/ so all gunicorn workers share it."""
    path = instance_dir / "secret_key"
    if not path.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def load(test_config: dict[str, Any] | None = None) -> dict[str, Any]:
    instance_dir = Path(os.environ.get("INSTANCE_DIR", ROOT / "instance"))
    config: dict[str, Any] = {
        "DATABASE_URL": f"sqlite:///{instance_dir / 'app.sqlite3'}",
        "PROCESSES_DIR": str(ROOT / "processes"),
        "FORMS_DIR": str(ROOT / "forms"),
        "PASSWORD_HASH_METHOD": "scrypt",
        "DEMO_USERS": "1",
        "SQL_ECHO": False,
        "INSTANCE_DIR": str(instance_dir),
        # the web session cookie is sent over HTTPS only when set (keep it off for http://127.0.0.1)
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0").lower() in {"1", "true", "yes"},
    }
    for key in ("DATABASE_URL", "PROCESSES_DIR", "FORMS_DIR", "PASSWORD_HASH_METHOD", "DEMO_USERS", "SECRET_KEY"):
        if os.environ.get(key):
            config[key] = os.environ[key]
    config.update(test_config or {})
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _secret_key(Path(config["INSTANCE_DIR"]))
    return config
