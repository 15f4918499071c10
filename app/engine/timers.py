"""Make SpiffWorkflow's timers read the engine's clock, not the wall clock.

SpiffWorkflow 3.2 calls ``datetime.now(timezone.utc)`` inside its timer module, so a timer
would fire by the machine's time even when a test (or a replay) runs the law's time. We route
those calls through a context variable that the engine sets around every run; outside a run
the real clock answers, exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, tzinfo
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

_current_now: ContextVar[Callable[[], datetime] | None] = ContextVar("engine_now", default=None)


class _EngineDatetime(datetime):
    """``datetime`` whose ``now()`` asks the engine's clock when one is set."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> Any:
        source = _current_now.get()
        moment = source() if source is not None else datetime.now(UTC)
        return moment.astimezone(tz) if tz is not None else moment.astimezone(UTC).replace(tzinfo=None)


def _install() -> None:
    if _spiff_timer.datetime is not _EngineDatetime:
        _spiff_timer.datetime = _EngineDatetime


_install()


@contextmanager
def engine_time(now: Callable[[], datetime]) -> Iterator[None]:
    """Run the block with SpiffWorkflow's timers reading ``now``."""
    token = _current_now.set(now)
    try:
        yield
    finally:
        _current_now.reset(token)


def fire_time(event_type: str, value: Any) -> datetime | None:
    """When a waiting timer is due, from SpiffWorkflow's ``PendingBpmnEvent`` value."""
    if "Timer" not in event_type and "TimeDate" not in event_type:
        return None
    if isinstance(value, dict):  # cycle timers keep {"cycles", "next", "duration"}
        value = value.get("next") if value.get("cycles", 0) != 0 else None
    if not value:
        return None
    moment: datetime = TimerEventDefinition.get_datetime(str(value))
    return moment.astimezone(UTC)
