"""The dashboard's figures: open and overdue work by step, petitions received and cases finished this month.

Read from the task and instance rows only (indexed counts), never from workflow state. A petition
counts in the month the office received it (the case's ``received_on``), not the day it was typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from app.clock import VIETNAM
from app.persistence import queries
from app.services import access
from app.services.access import Right
from app.services.principal import Principal
from app.services.procedures import PLAN
from app.services.runtime import Runtime


@dataclass(frozen=True)
class StepCount:
    bpmn_id: str
    name: str
    open: int
    overdue: int


@dataclass(frozen=True)
class Dashboard:
    month: str  # MM/YYYY, Vietnam's calendar
    running: int
    received_this_month: int
    resolved_this_month: int
    finished_this_month: dict[str, int]  # outcome -> count
    steps: list[StepCount]

    @property
    def open_tasks(self) -> int:
        return sum(s.open for s in self.steps)

    @property
    def overdue_tasks(self) -> int:
        return sum(s.overdue for s in self.steps)


def summary(rt: Runtime, principal: Principal) -> Dashboard:
    """Figures for everyone with a role, counted only over the caller's organisation when it is limited to one."""
    access.require(principal, Right.READ_DASHBOARD)
    local = rt.now().astimezone(VIETNAM)
    first = date(local.year, local.month, 1)
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    month = queries.Month(datetime(first.year, first.month, first.day, tzinfo=VIETNAM).astimezone(UTC),
                          datetime(after.year, after.month, after.day, tzinfo=VIETNAM).astimezone(UTC),
                          first, after - timedelta(days=1))
    with rt.db.reading() as session:
        steps = [StepCount(*row) for row in queries.tasks_by_step(session, rt.today(), principal.organisation)]
        counts = queries.instance_counts(session, access.organisation_scope(principal), month, rt.procedures.of_kind(PLAN))
    finished = {k.split(":", 1)[1]: v for k, v in counts.items() if k.startswith("completed:")}
    resolved = sum(finished.get(outcome, 0) for outcome in rt.procedures.resolved_outcomes())
    return Dashboard(month=f"{local.month:02d}/{local.year}", running=counts["running"],
                     received_this_month=counts["received"], resolved_this_month=resolved,
                     finished_this_month=finished, steps=steps)
