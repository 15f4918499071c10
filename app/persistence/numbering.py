"""Gapless case numbers: one counter row per series and year, moved in the transaction that makes the case.

The counter is moved by one statement (insert the row, or add one to it, and read the result back),
which takes the row's lock on PostgreSQL until the transaction ends: a second creation of the same
series waits for the first to commit or roll back, so two cases never get the same number and a
creation that rolls back gives its number back (no gap). SQLite's writers are serialised by
``BEGIN IMMEDIATE`` already (``app.persistence.db``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.persistence.models import CaseCounter


def _next(dialect: Any) -> Any:
    table = CaseCounter.__table__
    stmt = dialect.insert(table).values(series=bindparam("series"), year=bindparam("year"), last=1)
    return stmt.on_conflict_do_update(index_elements=[table.c.series, table.c.year],
                                      set_={"last": table.c.last + 1}).returning(table.c.last)


# built once per dialect: every case's start moves a counter
_NEXT = {"postgresql": _next(postgresql), "sqlite": _next(sqlite)}


def next_number(session: Session, series: str, year: int) -> int:
    """The next number of ``series`` in ``year`` (1 for the first), locked until the caller's transaction ends."""
    stmt = _NEXT["postgresql" if session.get_bind().dialect.name == "postgresql" else "sqlite"]
    return int(session.execute(stmt, {"series": series, "year": year}).scalar_one())

