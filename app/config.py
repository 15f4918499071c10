"""Configuration: defaults, then environment variables, then a test's mapping.

Flask and its extensions define some of these keys themselves (``PERMANENT_SESSION_LIFETIME``,
``MAX_CONTENT_LENGTH``, ``SESSION_REFRESH_EACH_REQUEST``), so they are set here, in the mapping the
factory loads, and never with ``setdefault`` after the app exists (which would keep Flask's values).
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024

# Whole numbers an operator may set from the environment, with their defaults.
NUMBERS = {
    "SESSION_HOURS": 8,  # a web session ends this long after sign-in, whatever the activity
    "SESSION_IDLE_MINUTES": 60,  # … and earlier after this long without a page
    "API_TOKEN_DAYS": 30,  # longest life of an API token (a token may ask for less)
    "SIGN_IN_MAX_FAILURES": 5,  # failed sign-ins with one user name before it is locked …
    "SIGN_IN_WINDOW_MINUTES": 15,  # … within this window …
    "SIGN_IN_LOCK_MINUTES": 15,  # … for this long
    "MAX_CONTENT_LENGTH": 32 * MB,  # any request (the pages' forms with their files)
    "API_MAX_BODY": 2 * MB,  # a JSON request to the API
    "MAX_FORM_PARTS": 5_000,  # fields of a page's posted form, either encoding (app/limits.py; our largest: ~1,000)
    "MAX_FORM_MEMORY_SIZE": 2 * MB,  # a page form's text (url-encoded whole, or one multipart field), files aside
    "ACCESS_LOG_RETENTION_DAYS": 1825,  # reads of cases kept this long (5 years); `flask audit prune-access` drops older
    "TRUSTED_PROXY_COUNT": 0,  # proxies in front whose X-Forwarded-For is believed (0: none)
    "DATABASE_CONNECT_TIMEOUT": 10,  # seconds to reach PostgreSQL before giving up (a host that drops packets)
}


def _secret_file(path: Path) -> str:
    """A stable secret for the embedded setup, kept in instance/ (mode 600) so all gunicorn workers share it."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


def _audit_keys(instance_dir: Path) -> tuple[str, list[str]]:
    """The audit key (``AUDIT_KEY``, or generated once into instance/audit_key) and older keys kept to verify.

    The key must not live in the database: whoever holds both can rewrite history undetected.
    """
    current = os.environ.get("AUDIT_KEY") or _secret_file(instance_dir / "audit_key")
    older_file = instance_dir / "audit_keys_old"
    older = [k for k in os.environ.get("AUDIT_OLD_KEYS", "").split(",") if k.strip()]
    if older_file.exists():
        older += [line.strip() for line in older_file.read_text().splitlines() if line.strip()]
    return current, older


def _export_signing_key(instance_dir: Path) -> str:
    """The Ed25519 key exports are signed with (``EXPORT_SIGNING_KEY``, PEM, or generated once into instance/).

    Kept beside the audit key and like it off the database: its public half (``flask audit public-key``)
    is what an auditor checks an export against.
    """
    if os.environ.get("EXPORT_SIGNING_KEY"):
        return os.environ["EXPORT_SIGNING_KEY"]
    path = instance_dir / "export_signing_key.pem"
    if not path.exists():
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        pem = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption())
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_bytes(pem)
    return path.read_text()


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
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "khieunai_session",
        "SESSION_REFRESH_EACH_REQUEST": False,  # the cookie is never renewed: the session's end is fixed at sign-in
        "WTF_CSRF_CHECK_DEFAULT": False,  # checked in the web blueprint only
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,  # a long form may stay open for a working day
        "RATELIMIT_STORAGE_URI": "memory://",  # per process; redis://… to share the per-address limit across nodes
        "RATELIMIT_SIGN_IN_ADDRESS": "30 per 10 minutes",  # failed sign-ins from one address
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOG_LEVEL": "INFO",  # of the JSON lines on stderr (DEBUG, INFO, WARNING, ERROR)
        "METRICS_TOKEN": "",  # when set, /metrics also answers `Authorization: Bearer <token>` from any address
        **NUMBERS,
    }
    for key in ("DATABASE_URL", "PROCESSES_DIR", "FORMS_DIR", "PASSWORD_HASH_METHOD", "DEMO_USERS", "SECRET_KEY",
                "RATELIMIT_STORAGE_URI", "RATELIMIT_SIGN_IN_ADDRESS", "LOG_LEVEL", "METRICS_TOKEN"):
        if os.environ.get(key):
            config[key] = os.environ[key]
    for key in NUMBERS:
        if os.environ.get(key):
            config[key] = int(os.environ[key])
    config.update(test_config or {})
    # migrations run as the schema's owner; on PostgreSQL the application may connect as a narrower role
    config.setdefault("MIGRATION_DATABASE_URL", os.environ.get("MIGRATION_DATABASE_URL") or config["DATABASE_URL"])
    config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=config["SESSION_HOURS"])
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _secret_file(Path(config["INSTANCE_DIR"]) / "secret_key")
    if not config.get("AUDIT_KEY"):
        config["AUDIT_KEY"], older = _audit_keys(Path(config["INSTANCE_DIR"]))
        config.setdefault("AUDIT_OLD_KEYS", older)
    config.setdefault("AUDIT_OLD_KEYS", [])
    if not config.get("EXPORT_SIGNING_KEY"):
        config["EXPORT_SIGNING_KEY"] = _export_signing_key(Path(config["INSTANCE_DIR"]))
    return config
