"""What every service needs, handed in once by the app factory (or a test, or the worker)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from app.clock import Clock, local_date
from app.engine import CompiledProcess, Engine, LegalCalendar
from app.engine.calendar import CalendarOverride
from app.persistence import queries
from app.persistence.audit import KeyRing
from app.persistence.db import Database
from app.persistence.models import Deployment
from app.services.procedures import Procedures

_CALENDAR_STAMP = "calendar_stamp"  # session.info key: the stamp this transaction read


@dataclass(frozen=True)
class SecuritySettings:
    """How long sessions and tokens live and when sign-ins are throttled (``app.config`` names each)."""

    session_hours: int = 8
    session_idle_minutes: int = 60
    token_days: int = 30
    max_failures: int = 5
    failure_window_minutes: int = 15
    lock_minutes: int = 15


@dataclass
class Runtime:
    db: Database
    engine: Engine
    clock: Clock
    processes_dir: Path
    forms_dir: Path
    audit_keys: KeyRing
    export_key_pem: bytes = field(default=b"", repr=False)  # Ed25519, PEM: signs case exports
    password_method: str = "scrypt"  # noqa: S105 - a hash method name, not a password
    security: SecuritySettings = field(default_factory=SecuritySettings)
    procedures: Procedures = field(default_factory=Procedures)  # filled by the app factory (``app.procedures``)
    _calendar_stamp: tuple[int, int] | None = field(default=None, repr=False)
    _calendar_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return local_date(self.clock.now())

    def process(self, session: Session, deployment: Deployment,
                calendar: tuple[int, int] | None = None) -> CompiledProcess:
        """The deployment's compiled process (parsed once, then cached), with the calendar up to date.

        ``calendar``: the calendar's stamp when the caller read it already, in the same transaction.
        """
        self.refresh_calendar(session, calendar)
        return self.engine.process(
            deployment.id, deployment.process_id, lambda: queries.deployment_files(session, deployment.id)
        )

    def refresh_calendar(self, session: Session, stamp: tuple[int, int] | None = None) -> None:
        """Give the engine the calendar as the database has it now; a cheap no-op when unchanged.

        Every process (gunicorn worker, timer worker) checks before it runs the engine, so an
        override added with the CLI applies to every deadline computed afterwards.
        """
        if stamp is None:  # read once per transaction: a request that compiles its process twice asks once
            stamp = session.info.get(_CALENDAR_STAMP) or queries.calendar_stamp(session)
        session.info[_CALENDAR_STAMP] = stamp
        if self._calendar_stamp == stamp:
            return
        with self._calendar_lock:  # a gthread worker's threads: one rebuild, and the stamp set after the calendar
            if self._calendar_stamp == stamp:
                return
            overrides = [CalendarOverride(o.day, o.kind, o.reason, o.source)  # type: ignore[arg-type]
                         for o in queries.calendar_overrides(session)]
            self.engine.use_calendar(LegalCalendar(overrides))
            self._calendar_stamp = stamp

