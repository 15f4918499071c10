"""The official calendar's local corrections: extra days off and make-up working Saturdays.

The database holds them (seeded from the shipped JSON by a migration); every change is kept in
``calendar_changes``. Deadlines computed after a change use it (``Runtime.refresh_calendar``).
Days off the holidays package gives without an official text yet (24/11 from 2026, years whose
schedule is not announced) are shown as such until an administrator settles them here: confirmed
by a text (a day-off override with that text as its source) or made a working day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from app.engine import LegalCalendar
from app.engine.calendar import CalendarEntry as CalendarEntry  # re-exported for the CLI
from app.errors import InvalidInput, NotFound
from app.persistence import queries
from app.persistence.models import CalendarChange, CalendarOverride
from app.services.runtime import Runtime

KINDS = ("day_off", "working_day")
FIRST_YEAR, LAST_YEAR = 1990, 2100
_REASON_MAX, _SOURCE_MAX = 300, 500


@dataclass(frozen=True)
class Confirmation:
    """What ``confirm_year`` wrote, and the days it left for their own text (e.g. 24/11)."""

    confirmed: list[CalendarOverride]
    left: list[CalendarEntry]


def list_overrides(rt: Runtime) -> list[CalendarOverride]:
    with rt.db.reading() as session:
        return list(queries.calendar_overrides(session))


def current_calendar(rt: Runtime) -> LegalCalendar:
    """The calendar deadlines are computed with now, the database's overrides included."""
    with rt.db.reading() as session:
        rt.refresh_calendar(session)
    return rt.engine.calendar


def year_entries(rt: Runtime, year: int) -> list[CalendarEntry]:
    """Every day off and make-up working day of a year, each with its source and whether a text confirms it."""
    _require_year(year)
    return current_calendar(rt).entries(date(year, 1, 1), date(year, 12, 31))


def unverified_entries(rt: Runtime, first_year: int, last_year: int) -> list[CalendarEntry]:
    """The days off of those years that still rest only on the holidays package's estimate."""
    _require_year(first_year)
    _require_year(last_year)
    if last_year < first_year or last_year - first_year > 2:
        raise InvalidInput("Chọn từ một đến ba năm liên tiếp.")
    return current_calendar(rt).unverified(date(first_year, 1, 1), date(last_year, 12, 31))


def add_override(rt: Runtime, actor: str, day: date, kind: str, reason: str, source: str) -> CalendarOverride:
    _require_change(day, kind, reason, source)
    with rt.db.writing() as session:
        if session.get(CalendarOverride, day) is not None:
            raise InvalidInput(f"Ngày {day.isoformat()} đã có điều chỉnh; hãy xóa trước khi thêm lại.")
        return _add(rt, session, actor, day, kind, reason, source, "added")


def set_override(rt: Runtime, actor: str, day: date, kind: str, reason: str, source: str) -> CalendarOverride:
    """Add an override or replace the one the day has; a replacement is logged as removed, then added."""
    _require_change(day, kind, reason, source)
    with rt.db.writing() as session:
        old = session.get(CalendarOverride, day)
        if old is not None:
            session.add(CalendarChange(at=rt.now(), actor=actor, action="removed", day=day, kind=old.kind,
                                       reason=old.reason, source=source))
            session.delete(old)
            session.flush()
        return _add(rt, session, actor, day, kind, reason, source, "added")


def set_working_day(rt: Runtime, actor: str, day: date, reason: str, source: str) -> CalendarOverride:
    """Make a day a working day (e.g. 24/11 if no text makes it a holiday), replacing any override it had."""
    entry = current_calendar(rt).entry(day)
    if entry is None and day.weekday() < 5:
        raise InvalidInput(f"Ngày {day.isoformat()} đã là ngày làm việc.")
    return set_override(rt, actor, day, "working_day", reason, source)


def confirm(rt: Runtime, actor: str, days: Sequence[date], source: str) -> list[CalendarOverride]:
    """Record that an official text confirms these estimated days off (one transaction, one change per day)."""
    if not days:
        raise InvalidInput("Chọn ít nhất một ngày cần xác nhận.")
    cal = current_calendar(rt)
    entries = [_estimated(cal, day) for day in sorted(set(days))]
    for entry in entries:
        _require_change(entry.day, "day_off", entry.name, source)
    with rt.db.writing() as session:
        if any(session.get(CalendarOverride, e.day) is not None for e in entries):
            raise InvalidInput("Một ngày vừa được điều chỉnh bởi người khác; hãy xem lại danh sách.")
        return [_add(rt, session, actor, e.day, "day_off", e.name, source, "confirmed") for e in entries]


def confirm_year(rt: Runtime, actor: str, year: int, source: str) -> Confirmation:
    """Confirm a year's estimated schedule by the text announcing it; a day with its own note (24/11) is left."""
    pending = unverified_entries(rt, year, year)
    schedule = [e for e in pending if e.note is not None and e.note.holiday is None]
    if not schedule:
        raise InvalidInput(f"Năm {year} không còn ngày nghỉ ước tính nào chờ xác nhận.")
    confirmed = confirm(rt, actor, [e.day for e in schedule], source)
    return Confirmation(confirmed, [e for e in pending if e not in schedule])


def remove_override(rt: Runtime, actor: str, day: date, source: str) -> None:
    if not source.strip() or len(source) > _SOURCE_MAX:
        raise InvalidInput(f"Cần ghi văn bản nguồn của thay đổi lịch (tối đa {_SOURCE_MAX} ký tự).")
    with rt.db.writing() as session:
        override = session.get(CalendarOverride, day)
        if override is None:
            raise NotFound(f"Ngày {day.isoformat()} không có điều chỉnh nào.")
        session.add(CalendarChange(at=rt.now(), actor=actor, action="removed", day=day, kind=override.kind,
                                   reason=override.reason, source=source))
        session.delete(override)


def _add(rt: Runtime, session: Session, actor: str, day: date, kind: str, reason: str, source: str,
         action: str) -> CalendarOverride:
    override = CalendarOverride(day=day, kind=kind, reason=reason, source=source, created_by=actor,
                                created_at=rt.now())
    session.add(override)
    session.add(CalendarChange(at=rt.now(), actor=actor, action=action, day=day, kind=kind, reason=reason,
                               source=source))
    return override


def _estimated(cal: LegalCalendar, day: date) -> CalendarEntry:
    entry = cal.entry(day)
    if entry is None or entry.verified:
        raise InvalidInput(f"Ngày {day.isoformat()} không phải ngày nghỉ ước tính đang chờ văn bản chính thức.")
    return entry


def _require_change(day: date, kind: str, reason: str, source: str) -> None:
    if kind not in KINDS:
        raise InvalidInput(f"Loại ngày phải là một trong {', '.join(KINDS)}.")
    if not reason.strip() or not source.strip():
        raise InvalidInput("Cần ghi lý do và văn bản nguồn của thay đổi lịch.")
    if len(reason) > _REASON_MAX or len(source) > _SOURCE_MAX:
        raise InvalidInput(f"Lý do tối đa {_REASON_MAX} ký tự, văn bản nguồn tối đa {_SOURCE_MAX} ký tự.")
    _require_year(day.year)


def _require_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(f"Năm phải từ {FIRST_YEAR} đến {LAST_YEAR}.")
