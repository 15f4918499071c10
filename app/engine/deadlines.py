"""Statutory time limits of the second-level complaint procedure, as versioned data.

Why: each limit has a length, a unit (calendar or working days) and a legal basis that
changes with the regime (2021 now, "2026-07" later), so the rules live in ``REGIMES`` and
the functions only choose a rule and count with a ``LegalCalendar``. ``script_functions``
exposes the same computations to BPMN scripts, which hold dates as ISO strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from app.engine.calendar import LegalCalendar

Unit = Literal["calendar", "working"]
DateLike = date | str

DEFAULT_REGIME = "2021"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class DeadlineRule:
    """One time limit: how long, counted how, and which text says so."""

    name: str
    days: int
    unit: Unit
    basis: str

    def deadline(self, cal: LegalCalendar, start: date, extra_days: int = 0) -> date:
        """Return the last day of the limit counted from start (start day excluded)."""
        total = self.days + extra_days
        if self.unit == "working":
            return cal.add_working_days(start, total)
        return cal.add_days(start, total)


_FILING_BASIS = "Khoản 1 Điều 33, Điều 9 Luật Khiếu nại 2011; Điều 4 Nghị định 124/2020/NĐ-CP"
_RESOLUTION_BASIS = "Điều 37 Luật Khiếu nại 2011"

REGIMES: dict[str, dict[str, DeadlineRule]] = {
    "2021": {
        "filing": DeadlineRule("Thời hạn khiếu nại lần hai", 30, "calendar", _FILING_BASIS),
        "filing_remote": DeadlineRule(
            "Thời hạn khiếu nại lần hai (vùng sâu, vùng xa)", 45, "calendar", _FILING_BASIS
        ),
        "acceptance": DeadlineRule(
            "Thời hạn thụ lý", 10, "working",
            "Điều 36 Luật Khiếu nại 2011; Điều 5 Thông tư 07/2013/TT-TTCP",
        ),
        "resolution": DeadlineRule("Thời hạn giải quyết", 45, "calendar", _RESOLUTION_BASIS),
        "resolution_complex": DeadlineRule(
            "Thời hạn giải quyết (vụ việc phức tạp)", 60, "calendar", _RESOLUTION_BASIS
        ),
        "resolution_remote": DeadlineRule(
            "Thời hạn giải quyết (vùng sâu, vùng xa)", 60, "calendar", _RESOLUTION_BASIS
        ),
        "resolution_remote_complex": DeadlineRule(
            "Thời hạn giải quyết (vùng sâu, vùng xa, vụ việc phức tạp)", 70, "calendar",
            _RESOLUTION_BASIS,
        ),
        "decision": DeadlineRule(
            "Thời hạn ban hành quyết định sau khi nhận báo cáo xác minh", 3, "working",
            "Quy định của tỉnh trong hồ sơ nguồn (chưa kiểm chứng; không có trong "
            "Luật Khiếu nại 2011 và Thông tư 07/2013/TT-TTCP)",
        ),
        "sending": DeadlineRule(
            "Thời hạn gửi quyết định giải quyết khiếu nại", 7, "calendar",
            "Khoản 1 Điều 41 Luật Khiếu nại 2011",
        ),
        "publication": DeadlineRule(
            "Thời hạn công khai quyết định giải quyết khiếu nại", 15, "calendar",
            "Khoản 2 Điều 41 Luật Khiếu nại 2011; Điều 12 Nghị định 75/2012/NĐ-CP; "
            "khoản 3 Điều 22 Thông tư 07/2013/TT-TTCP",
        ),
    },
}


def rule(key: str, regime: str = DEFAULT_REGIME) -> DeadlineRule:
    """Look up a rule, failing with the regime and key named rather than a bare KeyError."""
    rules = REGIMES.get(regime)
    if rules is None:
        raise ValueError(f"unknown deadline regime {regime!r}; known: {sorted(REGIMES)}")
    if key not in rules:
        raise ValueError(f"regime {regime!r} has no deadline rule {key!r}")
    return rules[key]


def count_excluded_days(periods: list[dict[str, Any]]) -> int:
    """Count the calendar days covered by obstacle periods, each day once (Điều 9 LKN)."""
    if not isinstance(periods, list):
        raise ValueError(f"excluded periods must be a list of {{'from', 'to'}} dicts, got {periods!r}")
    spans = sorted(_period_span(p) for p in periods)
    total = 0
    current: tuple[date, date] | None = None
    for start, end in spans:
        if current is not None and start <= current[1] + timedelta(days=1):
            current = (current[0], max(current[1], end))
            continue
        if current is not None:
            total += (current[1] - current[0]).days + 1
        current = (start, end)
    if current is not None:
        total += (current[1] - current[0]).days + 1
    return total


def _period_span(period: Mapping[str, Any]) -> tuple[date, date]:
    """Parse one inclusive period, refusing one that ends before it starts."""
    if not isinstance(period, Mapping) or "from" not in period or "to" not in period:
        raise ValueError(f"an excluded period needs 'from' and 'to' dates, got {period!r}")
    start, end = to_date(period["from"]), to_date(period["to"])
    if end < start:
        raise ValueError(
            f"excluded period ends ({end.isoformat()}) before it starts ({start.isoformat()})"
        )
    return start, end


def filing_deadline(
    cal: LegalCalendar, first_decision_received_on: date, remote_area: bool,
    excluded_days: int, regime: str = DEFAULT_REGIME,
) -> date:
    """Last day to file the second complaint; days lost to documented obstacles are added."""
    if excluded_days < 0:
        raise ValueError(f"excluded days cannot be negative, got {excluded_days}")
    key = "filing_remote" if remote_area else "filing"
    return rule(key, regime).deadline(cal, first_decision_received_on, excluded_days)


def acceptance_deadline(cal: LegalCalendar, received_on: date, regime: str = DEFAULT_REGIME) -> date:
    """Last day to accept (thụ lý) or refuse a petition."""
    return rule("acceptance", regime).deadline(cal, received_on)


def resolution_deadline(
    cal: LegalCalendar, accepted_on: date, complex_case: bool, remote_area: bool,
    regime: str = DEFAULT_REGIME,
) -> date:
    """Last day to resolve, by complexity and remoteness (LKN Art. 37)."""
    key = "resolution" + ("_remote" if remote_area else "") + ("_complex" if complex_case else "")
    return rule(key, regime).deadline(cal, accepted_on)


def decision_deadline(cal: LegalCalendar, report_received_on: date, regime: str = DEFAULT_REGIME) -> date:
    """Last day to issue the decision after the verification report arrives."""
    return rule("decision", regime).deadline(cal, report_received_on)


def sending_deadline(cal: LegalCalendar, decision_on: date, regime: str = DEFAULT_REGIME) -> date:
    """Last day to send the decision to the parties (LKN Art. 41(1))."""
    return rule("sending", regime).deadline(cal, decision_on)


def publication_deadline(cal: LegalCalendar, decision_on: date, regime: str = DEFAULT_REGIME) -> date:
    """Last day to publish the decision (LKN Art. 41(2))."""
    return rule("publication", regime).deadline(cal, decision_on)


def to_date(value: object) -> date:
    """Accept a date or a "YYYY-MM-DD" string, the only forms workflow data holds."""
    if isinstance(value, datetime):
        raise ValueError(f"expected a date, got the datetime {value!r} (its day depends on the time zone)")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"expected a date as 'YYYY-MM-DD', got {value!r}")


def _to_flag(name: str, value: object) -> bool:
    """Accept only real booleans so a stray "false" string cannot flip a deadline."""
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false, got {value!r}")
    return value


def script_functions(cal: LegalCalendar, regime: str = DEFAULT_REGIME) -> dict[str, Callable[..., Any]]:  # noqa: C901 - closures
    """Build the date helpers BPMN scripts may call; they take and return ISO strings."""
    rule("filing", regime)  # fail at wiring time, not inside a running workflow

    def add_days(d: DateLike, n: int) -> str:
        return cal.add_days(to_date(d), n).isoformat()

    def add_working_days(d: DateLike, n: int) -> str:
        return cal.add_working_days(to_date(d), n).isoformat()

    def is_working_day(d: DateLike) -> bool:
        return cal.is_working_day(to_date(d))

    def filing_deadline_for(
        first_decision_received_on: DateLike, remote_area: bool,
        excluded_days: list[dict[str, Any]] | None = None,
    ) -> str:
        excluded = count_excluded_days(excluded_days or [])
        start = to_date(first_decision_received_on)
        remote = _to_flag("remote_area", remote_area)
        return filing_deadline(cal, start, remote, excluded, regime).isoformat()

    def acceptance_deadline_for(received_on: DateLike) -> str:
        return acceptance_deadline(cal, to_date(received_on), regime).isoformat()

    def resolution_deadline_for(accepted_on: DateLike, complex_case: bool, remote_area: bool) -> str:
        flags = _to_flag("complex_case", complex_case), _to_flag("remote_area", remote_area)
        return resolution_deadline(cal, to_date(accepted_on), *flags, regime=regime).isoformat()

    def decision_deadline_for(report_received_on: DateLike) -> str:
        return decision_deadline(cal, to_date(report_received_on), regime).isoformat()

    def sending_deadline_for(decision_on: DateLike) -> str:
        return sending_deadline(cal, to_date(decision_on), regime).isoformat()

    def publication_deadline_for(decision_on: DateLike) -> str:
        return publication_deadline(cal, to_date(decision_on), regime).isoformat()

    def days_between(a: DateLike, b: DateLike) -> int:
        return (to_date(b) - to_date(a)).days

    return {
        "add_days": add_days,
        "add_working_days": add_working_days,
        "is_working_day": is_working_day,
        "filing_deadline_for": filing_deadline_for,
        "acceptance_deadline_for": acceptance_deadline_for,
        "resolution_deadline_for": resolution_deadline_for,
        "decision_deadline_for": decision_deadline_for,
        "sending_deadline_for": sending_deadline_for,
        "publication_deadline_for": publication_deadline_for,
        "days_between": days_between,
    }
