"""Application factory: wiring only; nothing runs at import time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from app import config as app_config
from app.limits import LimitedRequest, refuse_oversized_requests
from app.routing import CONVERTERS, refuse_control_characters


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    app.request_class = LimitedRequest
    app.config.from_mapping(app_config.load(test_config))
    app.url_map.converters.update(CONVERTERS)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["runtime"] = build_runtime(app.config)

    from app import api, cli, ops, procedures, ratelimit, web

    ops.init_app(app)  # first: the request id exists before any check refuses a request; the log line is last
    app.before_request(refuse_oversized_requests)
    app.before_request(refuse_control_characters)
    ratelimit.init_app(app)
    procedures.init_app(app)  # before the web blueprint is registered: the procedures' pages join it
    api.init_app(app, procedures.api_blueprints())
    web.init_app(app)
    cli.init_app(app)
    return app


def build_runtime(config: Any) -> Any:
    """Assemble database, engine and clock; also used by the worker and benchmarks."""
    from app.clock import SystemClock
    from app.engine import Engine, LegalCalendar
    from app.engine.calendar import load_default_overrides
    from app.persistence.audit import KeyRing
    from app.persistence.db import Database
    from app.procedures import all_procedures
    from app.services.procedures import Procedures
    from app.services.runtime import Runtime, SecuritySettings

    clock = config.get("CLOCK") or SystemClock()
    engine = Engine(LegalCalendar(load_default_overrides()), now=clock.now)
    return Runtime(
        db=Database(config["DATABASE_URL"], echo=bool(config.get("SQL_ECHO")),
                    connect_timeout=int(config.get("DATABASE_CONNECT_TIMEOUT") or 10)),
        engine=engine,
        clock=clock,
        processes_dir=Path(config["PROCESSES_DIR"]),
        forms_dir=Path(config["FORMS_DIR"]),
        password_method=config["PASSWORD_HASH_METHOD"],
        procedures=Procedures(all_procedures()),
        audit_keys=KeyRing.of(str(config["AUDIT_KEY"]).encode(), [str(k).encode() for k in config.get("AUDIT_OLD_KEYS") or []]),
        export_key_pem=str(config.get("EXPORT_SIGNING_KEY") or "").encode(),  # the app always sets one; a bench needs none
        security=SecuritySettings(
            session_hours=int(config.get("SESSION_HOURS", 8)),
            session_idle_minutes=int(config.get("SESSION_IDLE_MINUTES", 60)),
            token_days=int(config.get("API_TOKEN_DAYS", 30)),
            max_failures=int(config.get("SIGN_IN_MAX_FAILURES", 5)),
            failure_window_minutes=int(config.get("SIGN_IN_WINDOW_MINUTES", 15)),
            lock_minutes=int(config.get("SIGN_IN_LOCK_MINUTES", 15)),
        ),
    )
