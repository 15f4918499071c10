"""The official calendar's local corrections: extra days off and make-up working Saturdays.

The database holds them (seeded from the shipped JSON by a migration); every change is kept in
``calendar_changes``. Deadlines computed after a change use it (``Runtime.refresh_calendar``).
"""

from __future__ import annotations

from datetime import date

from app.errors import InvalidInput, NotFound
from app.persistence import queries
from app.persistence.models import CalendarChange, CalendarOverride
from app.services.runtime import Runtime

KINDS = ("day_off", "working_day")


def list_overrides(rt: Runtime) -> list[CalendarOverride]:
    with rt.db.reading() as session:
        return list(queries.calendar_overrides(session))


def add_override(rt: Runtime, actor: str, day: date, kind: str, reason: str, source: str) -> CalendarOverride:
    if kind not in KINDS:
        raise InvalidInput(f"Loại ngày phải là một trong {', '.join(KINDS)}.")
    if not reason.strip() or not source.strip():
        raise InvalidInput("Cần ghi lý do và văn bản nguồn của thay đổi lịch.")
    with rt.db.writing() as session:
        if session.get(CalendarOverride, day) is not None:
            raise InvalidInput(f"Ngày {day.isoformat()} đã có điều chỉnh; hãy xóa trước khi thêm lại.")
        override = CalendarOverride(day=day, kind=kind, reason=reason, source=source, created_by=actor,
                                    created_at=rt.now())
        session.add(override)
        session.add(CalendarChange(at=rt.now(), actor=actor, action="added", day=day, kind=kind, reason=reason,
                                   source=source))
        return override


def remove_override(rt: Runtime, actor: str, day: date, source: str) -> None:
    with rt.db.writing() as session:
        override = session.get(CalendarOverride, day)
        if override is None:
            raise NotFound(f"Ngày {day.isoformat()} không có điều chỉnh nào.")
        session.add(CalendarChange(at=rt.now(), actor=actor, action="removed", day=day, kind=override.kind,
                                   reason=override.reason, source=source))
        session.delete(override)
