"""Statutory time limits of the second-level complaint procedure, as versioned data.

Why: each limit has a length, a unit (calendar or working days) and a legal basis that
changes with the regime ("2021"; "2026-07" from Law 136/2025/QH15 and Decree 155/2026/NĐ-CP),
so the rules live in ``REGIMES`` and the functions only choose a rule and count with a
``LegalCalendar``. ``regime_for`` picks the regime from the day the petition was received.
``script_functions`` exposes the same computations to BPMN scripts, which hold dates as ISO
strings and may pass the case's regime as the last argument of each deadline function.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from app.clock import VIETNAM
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

_RULES_2021: dict[str, DeadlineRule] = {
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
        "Quy định của tỉnh trong hồ sơ nguồn [chưa kiểm chứng]; không có trong "
        "Luật Khiếu nại 2011 và Thông tư 07/2013/TT-TTCP",
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
}

# From 01/07/2026 Decree 155/2026 amends Decree 124/2020 (its own article numbers first, then
# the article of Decree 124 it writes). Limits it leaves alone keep their 2021 rule.
_NEW_IN_2026_07: dict[str, DeadlineRule] = {
    "acceptance": DeadlineRule(
        "Thời hạn thụ lý", 7, "working",
        "Khoản 1 Điều 16 Nghị định 124/2020/NĐ-CP, sửa đổi bởi Điều 10 Nghị định 155/2026/NĐ-CP; "
        "Điều 36 Luật Khiếu nại 2011",
    ),
    "publication": DeadlineRule(
        "Thời hạn công khai quyết định giải quyết khiếu nại", 15, "calendar",
        "Khoản 2 Điều 41 Luật Khiếu nại 2011; Nghị định 124/2020/NĐ-CP (thay Nghị định 75/2012/NĐ-CP)",
    ),
    "dialogue_notice": DeadlineRule(
        "Thời hạn gửi thông báo tổ chức đối thoại (trước ngày đối thoại ít nhất)", 5, "calendar",
        "Khoản 1 Điều 28 Nghị định 124/2020/NĐ-CP, sửa đổi bởi Điều 11 Nghị định 155/2026/NĐ-CP",
    ),
    "suspension_notice": DeadlineRule(
        "Thời hạn gửi quyết định tạm đình chỉ, đình chỉ giải quyết khiếu nại (Mẫu 14a)", 3, "working",
        "Khoản 1 Điều 28b Nghị định 124/2020/NĐ-CP (Điều 28a–28b bổ sung bởi Điều 12 "
        "Nghị định 155/2026/NĐ-CP); Điều 11a Luật Khiếu nại (bổ sung bởi Luật 136/2025/QH15)",
    ),
}

REGIMES: dict[str, dict[str, DeadlineRule]] = {
    "2021": _RULES_2021,
    "2026-07": {**_RULES_2021, **_NEW_IN_2026_07},
}

# First day each regime governs, by the day the petition was received. "2021" is the oldest
# regime modelled, so it also answers for anything received before its nominal start.
REGIME_STARTS: dict[str, date] = {
    "2021": date(2021, 1, 1),
    "2026-07": date(2026, 7, 1),
}

# The workflow variable each deadline function sets, and the rules behind it (base rule first).
DEADLINE_VARIABLES: dict[str, tuple[str, ...]] = {
    "filing_deadline": ("filing", "filing_remote"),
    "acceptance_deadline": ("acceptance",),
    "resolution_deadline": (
        "resolution", "resolution_complex", "resolution_remote", "resolution_remote_complex",
    ),
    "decision_deadline": ("decision",),
    "sending_deadline": ("sending",),
    "publication_deadline": ("publication",),
    "suspension_notice_deadline": ("suspension_notice",),
}

_VARIANT_LABELS = {
    "filing_remote": "vùng sâu, vùng xa",
    "resolution_complex": "vụ việc phức tạp",
    "resolution_remote": "vùng sâu, vùng xa",
    "resolution_remote_complex": "vùng sâu, vùng xa, vụ việc phức tạp",
}
_UNIT_WORDS: dict[Unit, str] = {"calendar": "ngày", "working": "ngày làm việc"}


def deadline_rules(regime: str) -> dict[str, DeadlineRule]:
    """Return a copy of one regime's rules, for the host to show; unknown regimes are refused."""
    return dict(_rules_of(regime))


def _rules_of(regime: object) -> dict[str, DeadlineRule]:
    """Look up a regime, naming the known ones when the name (or its type) is wrong."""
    rules = REGIMES.get(regime) if isinstance(regime, str) else None
    if rules is None:
        raise ValueError(f"unknown deadline regime {regime!r}; known: {sorted(REGIMES)}")
    return rules


def regime_for(received_on: DateLike) -> str:
    """Name the regime governing a petition received that day: the latest one already started."""
    day = to_date(received_on)
    started = [name for name, start in REGIME_STARTS.items() if start <= day]
    if not started:
        return min(REGIME_STARTS, key=REGIME_STARTS.__getitem__)
    return max(started, key=REGIME_STARTS.__getitem__)


def deadline_basis(regime: str) -> dict[str, dict[str, Any]]:
    """Describe each deadline variable: base length, unit, legal basis (variants named) and regime."""
    rules = _rules_of(regime)
    described: dict[str, dict[str, Any]] = {}
    for variable, (base_key, *variant_keys) in DEADLINE_VARIABLES.items():
        if base_key not in rules:  # e.g. no suspension before the 2026 regime
            continue
        base = rules[base_key]
        basis = base.basis
        if variant_keys:
            variants = [f"{base.days} {_UNIT_WORDS[base.unit]}"] + [
                f"{_VARIANT_LABELS[k]}: {rules[k].days} {_UNIT_WORDS[rules[k].unit]}" for k in variant_keys
            ]
            basis = f"{basis} ({'; '.join(variants)})"
        described[variable] = {"days": base.days, "unit": base.unit, "basis": basis, "regime": regime}
    return described


def dialogue_notice_ok(notice_sent_on: DateLike, held_on: DateLike, regime: str) -> bool:
    """Tell whether the dialogue notice came early enough: always, when the regime sets no minimum.

    The notice must go out at least N calendar days before the dialogue, the sending day
    excluded (held_on - notice_sent_on >= N); a minimum notice does not roll over weekends.
    """
    notice = _rules_of(regime).get("dialogue_notice")
    sent, held = to_date(notice_sent_on), to_date(held_on)
    if notice is None:
        return True
    if notice.unit == "working":
        raise ValueError(f"regime {regime!r}: a dialogue notice counted in working days is not supported")
    return (held - sent).days >= notice.days


def suspension_allowed(regime: str) -> bool:
    """Tell whether the regime lets the resolver suspend a resolution (LKN Art. 11a, from 07/2026)."""
    return "suspension_notice" in _rules_of(regime)


def suspension_notice_deadline(cal: LegalCalendar, issued_on: date, regime: str) -> date:
    """Last day to send the suspension decision (Mẫu 14a); refused where suspension does not exist."""
    if not suspension_allowed(regime):
        raise ValueError(f"regime {regime!r} has no suspension of a resolution")
    return rule("suspension_notice", regime).deadline(cal, issued_on)


def reception_days(cal: LegalCalendar, first: date, last: date, weekends: bool) -> list[date]:
    """The days a reception plan receives citizens: working days, plus weekends if the plan says so.

    Public holidays stay closed either way; a make-up working Saturday is a working day.
    """
    if last < first:
        raise ValueError(f"the window ends ({last.isoformat()}) before it starts ({first.isoformat()})")
    if (last - first).days > 366:
        raise ValueError("a reception window longer than a year is not a session window")
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [d for d in days if cal.is_working_day(d) or (weekends and d.weekday() >= 5 and cal.holiday_name(d) is None)]


def day_starts_at(d: DateLike) -> str:
    """Midnight at the start of day d in Vietnam, as an ISO datetime a timer can wait for."""
    return datetime.combine(to_date(d), time(0), tzinfo=VIETNAM).isoformat()


def overdue_at(d: DateLike) -> str:
    """The first moment after day d ends in Vietnam, as an ISO datetime timers can fire at."""
    moment = datetime.combine(to_date(d) + timedelta(days=1), time(0), tzinfo=VIETNAM)
    return moment.isoformat()


def rule(key: str, regime: str = DEFAULT_REGIME) -> DeadlineRule:
    """Look up a rule, failing with the regime and key named rather than a bare KeyError."""
    rules = _rules_of(regime)
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
    """Build the date helpers BPMN scripts may call; they take and return ISO strings.

    Each deadline function takes the case's regime as an optional last argument; without
    it, ``regime`` given here applies (kept for diagrams written before regimes existed).
    """
    _rules_of(regime)  # fail at wiring time, not inside a running workflow

    def chosen(case_regime: object) -> str:
        if case_regime is None:
            return regime
        _rules_of(case_regime)
        return str(case_regime)

    def add_days(d: DateLike, n: int) -> str:
        return cal.add_days(to_date(d), n).isoformat()

    def add_working_days(d: DateLike, n: int) -> str:
        return cal.add_working_days(to_date(d), n).isoformat()

    def is_working_day(d: DateLike) -> bool:
        return cal.is_working_day(to_date(d))

    def filing_deadline_for(
        first_decision_received_on: DateLike, remote_area: bool,
        excluded_days: list[dict[str, Any]] | None = None, regime: str | None = None,
    ) -> str:
        excluded = count_excluded_days(excluded_days or [])
        start = to_date(first_decision_received_on)
        remote = _to_flag("remote_area", remote_area)
        return filing_deadline(cal, start, remote, excluded, chosen(regime)).isoformat()

    def acceptance_deadline_for(received_on: DateLike, regime: str | None = None) -> str:
        return acceptance_deadline(cal, to_date(received_on), chosen(regime)).isoformat()

    def resolution_deadline_for(
        accepted_on: DateLike, complex_case: bool, remote_area: bool, regime: str | None = None,
    ) -> str:
        flags = _to_flag("complex_case", complex_case), _to_flag("remote_area", remote_area)
        return resolution_deadline(cal, to_date(accepted_on), *flags, regime=chosen(regime)).isoformat()

    def decision_deadline_for(report_received_on: DateLike, regime: str | None = None) -> str:
        return decision_deadline(cal, to_date(report_received_on), chosen(regime)).isoformat()

    def sending_deadline_for(decision_on: DateLike, regime: str | None = None) -> str:
        return sending_deadline(cal, to_date(decision_on), chosen(regime)).isoformat()

    def publication_deadline_for(decision_on: DateLike, regime: str | None = None) -> str:
        return publication_deadline(cal, to_date(decision_on), chosen(regime)).isoformat()

    def suspension_notice_deadline_for(issued_on: DateLike, regime: str | None = None) -> str:
        return suspension_notice_deadline(cal, to_date(issued_on), chosen(regime)).isoformat()

    def suspension_allowed_in(regime: str | None = None) -> bool:
        return suspension_allowed(chosen(regime))

    def reception_days_between(first: DateLike, last: DateLike, weekends: bool = False) -> list[str]:
        chosen_days = reception_days(cal, to_date(first), to_date(last), _to_flag("weekends", weekends))
        return [d.isoformat() for d in chosen_days]

    def days_between(a: DateLike, b: DateLike) -> int:
        return (to_date(b) - to_date(a)).days

    def basis_for(regime: str | None = None) -> dict[str, dict[str, Any]]:
        return deadline_basis(chosen(regime))

    def notice_ok(notice_sent_on: DateLike, held_on: DateLike, regime: str | None = None) -> bool:
        return dialogue_notice_ok(notice_sent_on, held_on, chosen(regime))

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
        "suspension_notice_deadline_for": suspension_notice_deadline_for,
        "suspension_allowed": suspension_allowed_in,
        "days_between": days_between,
        "regime_for": regime_for,
        "overdue_at": overdue_at,
        "day_starts_at": day_starts_at,
        "reception_days_between": reception_days_between,
        "deadline_basis": basis_for,
        "dialogue_notice_ok": notice_ok,
    }
