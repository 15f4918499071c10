"""What every service needs, handed in once by the app factory (or a test, or the worker)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from app.clock import Clock, local_date
from app.engine import CompiledProcess, Engine
from app.persistence import queries
from app.persistence.db import Database
from app.persistence.models import Deployment


@dataclass
class Runtime:
    db: Database
    engine: Engine
    clock: Clock
    processes_dir: Path
    forms_dir: Path
    password_method: str = "scrypt"  # noqa: S105 - a hash method name, not a password
    settings: dict[str, object] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return local_date(self.clock.now())

    def process(self, session: Session, deployment: Deployment) -> CompiledProcess:
        """The deployment's compiled process; parsed once per process lifetime, then cached."""
        return self.engine.process(
            deployment.id, deployment.process_id, lambda: queries.deployment_files(session, deployment.id)
        )
