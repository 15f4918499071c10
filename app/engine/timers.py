"""Make SpiffWorkflow's timers read the engine's clock, not the wall clock.

SpiffWorkflow 3.2 calls ``datetime.now(timezone.utc)`` inside its timer module, so a timer
would fire by the machine's time even when a test (or a replay) runs the law's time. We route
those calls through a context variable that the engine sets around every run; outside a run
the real clock answers, exactly as before.

SpiffWorkflow also parses timer values with code that loops month by month (``P100000000M``), cycles
without end (``R/PT0S``) or fails with Python's own errors (``P1.5Y``, ``12345``, a date past 9999 in UTC);
``check_timer_value`` refuses such values first, at deploy for constants and at run time for the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from app.engine.budget import MAX_CYCLES, MIN_CYCLE_SECONDS, TIMER_YEARS

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


def engine_now() -> datetime:
    """The engine's clock inside a run (``engine_time``), the real one outside."""
    source = _current_now.get()
    return (source() if source is not None else datetime.now(UTC)).astimezone(UTC)


# -- what a timer may say --------------------------------------------------------------------------------

_DURATION = re.compile(r"P(?!$)(?:(\d{1,9})Y)?(?:(\d{1,9})M)?(?:(\d{1,9})W)?(?:(\d{1,9})D)?"
                       r"(?:T(?=\d)(?:(\d{1,9})H)?(?:(\d{1,9})M)?(?:(\d{1,9})S)?)?", re.IGNORECASE)
_DAYS_PER = (366, 31, 7, 1, 1 / 24, 1 / 1440, 1 / 86400)  # at most, per unit: Y M W D H M S
_MAX_DAYS = (TIMER_YEARS[1] - TIMER_YEARS[0] + 1) * 366
_DATE_START = re.compile(r"\d{4}-\d{2}-\d{2}")
_CYCLE = re.compile(r"R(\d{1,9})/([^/]+)(?:/([^/]+))?", re.IGNORECASE)
_KINDS = {"timeDate": "ngày giờ", "timeDuration": "khoảng thời gian", "timeCycle": "chu kỳ"}


class TimerValueError(ValueError):
    """A timer's value SpiffWorkflow cannot wait for safely; the message says why, in Vietnamese."""


def check_timer_value(kind: str, value: Any, now: datetime | None = None) -> None:
    """Refuse a timer value that is not a bounded ISO 8601 date (1990–2100), duration or cycle.

    ``kind`` is the BPMN element (``timeDate``, ``timeDuration``, ``timeCycle``). With ``now`` (at run
    time) a duration must also end within the years; without it (a constant, at deploy) its length is.
    """
    if not isinstance(value, str):
        raise TimerValueError(f"giá trị hẹn giờ phải là chuỗi ISO 8601 ({_KINDS.get(kind, kind)}), "
                              f"không phải kiểu {type(value).__name__}")
    text = value.strip()
    if kind == "timeDate":
        _check_date(text)
    elif kind == "timeDuration":
        _check_duration(text, now)
    else:
        _check_cycle(text, now)


def _check_date(text: str) -> datetime:
    try:
        if not _DATE_START.match(text):
            raise ValueError(text)
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise TimerValueError(f"«{text[:40]}» không phải ngày giờ ISO 8601 (ví dụ 2021-03-01T00:00:00+07:00)") from exc
    if not TIMER_YEARS[0] <= moment.year <= TIMER_YEARS[1]:
        raise TimerValueError(f"ngày hẹn giờ «{text[:40]}» nằm ngoài các năm {TIMER_YEARS[0]}–{TIMER_YEARS[1]}")
    return moment


def _duration_days(text: str) -> float:
    found = _DURATION.fullmatch(text)
    if found is None or (found[3] and any(found[i] for i in (1, 2, 4))):
        raise TimerValueError(f"«{text[:40]}» không phải khoảng thời gian ISO 8601 bằng số nguyên (ví dụ P30D, PT12H)")
    days = sum(int(part or 0) * per for part, per in zip(found.groups(), _DAYS_PER, strict=True))
    if days > _MAX_DAYS:
        raise TimerValueError(f"khoảng thời gian «{text[:40]}» dài quá {TIMER_YEARS[1] - TIMER_YEARS[0] + 1} năm")
    return days


def _check_duration(text: str, now: datetime | None) -> float:
    days = _duration_days(text)
    if now is not None and (now + timedelta(days=days)).year > TIMER_YEARS[1]:
        raise TimerValueError(f"khoảng thời gian «{text[:40]}» kết thúc sau năm {TIMER_YEARS[1]}")
    return days


def _check_cycle(text: str, now: datetime | None) -> None:
    found = _CYCLE.fullmatch(text)
    if found is None or not 0 <= int(found[1]) <= MAX_CYCLES:
        raise TimerValueError(f"chu kỳ «{text[:40]}» phải có dạng R<n>/<khoảng> (hoặc có ngày bắt đầu/kết thúc) "
                              f"với n từ 0 đến {MAX_CYCLES}")
    parts = [part for part in found.groups()[1:] if part]
    durations = [part for part in parts if part.upper().startswith("P")]
    if len(durations) != 1:
        raise TimerValueError(f"chu kỳ «{text[:40]}» phải có đúng một khoảng thời gian")
    for part in parts:
        if part not in durations:
            _check_date(part)
    if _check_duration(durations[0], None if len(parts) > 1 else now) * 86400 < MIN_CYCLE_SECONDS:
        raise TimerValueError(f"chu kỳ «{text[:40]}» lặp nhanh quá: ít nhất {MIN_CYCLE_SECONDS // 60} phút một lần")
