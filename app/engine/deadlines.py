"""Statutory time limits of the second-level complaint procedure, as versioned data.

Why: each limit has a length, a unit (calendar or working days) and a legal basis that
changes with the regime ("2021"; "2026-07" from Law 136/2025/QH15 and Decree 155/2026/NĐ-CP),
so the rules live in ``REGIMES`` and the functions only choose a rule and count with a
``LegalCalendar``. ``regime_for`` picks the regime from the day the petition was received.
``script_functions`` exposes the same computations to BPMN scripts, which hold dates as ISO
strings and may pass the case's regime as the last argument of each deadline function.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
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


_REGIMES_FILE = Path(__file__).with_name("regimes.json")


@dataclass(frozen=True)
class Regime:
    """One legal regime as data: its time limits, the form number of each document, the acts it allows."""

    name: str
    starts: date
    title: str
    rules: dict[str, DeadlineRule]
    forms: dict[str, str]
    acts: dict[str, Any]
    unverified: tuple[tuple[str, str], ...]  # (entry, its source) that could not be confirmed


def _load_regimes(path: Path = _REGIMES_FILE) -> dict[str, Regime]:
    """Read ``regimes.json``; a regime that ``inherits`` starts from its parent's entries."""
    raw = json.loads(path.read_text(encoding="utf-8"))["regimes"]
    regimes: dict[str, Regime] = {}
    for name, entry in raw.items():
        parent = regimes.get(entry["inherits"]) if entry.get("inherits") else None
        rules = dict(parent.rules) if parent else {}
        rules.update({key: DeadlineRule(r["name"], int(r["days"]), r["unit"], r["basis"])
                      for key, r in entry["rules"].items()})
        forms = {**(parent.forms if parent else {}), **entry.get("forms", {})}
        acts = {**(parent.acts if parent else {}), **entry.get("acts", {})}
        unverified = [(f"{name}: {key}", r["source"]) for key, r in entry["rules"].items() if r.get("verified") is False]
        if acts.get("termination_grounds_verified") is False and "termination_grounds_source" in entry.get("acts", {}):
            unverified.append((f"{name}: termination_grounds", acts["termination_grounds_source"]))
        if "forms_source" in entry:
            unverified.append((f"{name}: forms", entry["forms_source"]))
        regimes[name] = Regime(name, date.fromisoformat(entry["starts"]), entry["title"], rules, forms, acts,
                               tuple(unverified))
    return regimes


REGIME_DATA: dict[str, Regime] = _load_regimes()


@dataclass(frozen=True)
class HandlingPeriod:
    """The text governing the handling of petitions (the guidance letter) from a day on."""

    starts: date
    basis: str
    source: str | None  # set when the entry could not be confirmed


def _load_handling(path: Path = _REGIMES_FILE) -> tuple[HandlingPeriod, ...]:
    periods = json.loads(path.read_text(encoding="utf-8"))["handling"]["periods"]
    return tuple(sorted((HandlingPeriod(date.fromisoformat(p["starts"]), p["basis"],
                                        p["source"] if p.get("verified") is False else None) for p in periods),
                        key=lambda p: p.starts))


HANDLING: tuple[HandlingPeriod, ...] = _load_handling()


def handling_basis(act_date: DateLike) -> str:
    """The basis of a guidance letter by the day it is issued (TT07/2014 before 15/11/2021, TT05/2021 after)."""
    day = to_date(act_date)
    started = [p for p in HANDLING if p.starts <= day] or [HANDLING[0]]
    return started[-1].basis


def unverified_entries() -> list[tuple[str, str]]:
    """Every unverified legal entry of ``regimes.json`` with its source: the regimes' and the handling periods'."""
    points = [point for regime in REGIME_DATA.values() for point in regime.unverified]
    points += [(f"handling: {p.starts.isoformat()}", p.source) for p in HANDLING if p.source]
    return points
REGIMES: dict[str, dict[str, DeadlineRule]] = {name: r.rules for name, r in REGIME_DATA.items()}
# First day each regime governs, by the date of the act. "2021" is the oldest regime modelled, so it
# also answers for anything before its nominal start.
REGIME_STARTS: dict[str, date] = {name: r.starts for name, r in REGIME_DATA.items()}



def _load_deadlines(path: Path = _REGIMES_FILE) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Each deadline variable's label and rules (base first), from the one table in ``regimes.json``."""
    table = json.loads(path.read_text(encoding="utf-8"))["deadlines"]
    return {variable: (str(entry["label"]), tuple(entry["rules"]))
            for variable, entry in table.items() if not variable.startswith("_")}


_DEADLINES = _load_deadlines()
# The workflow variable each deadline sets, and the rules behind it (base rule first); a derived one has none.
DEADLINE_VARIABLES: dict[str, tuple[str, ...]] = {variable: rules for variable, (_, rules) in _DEADLINES.items()}
# How the case page names each deadline variable.
DEADLINE_LABELS: dict[str, str] = {variable: label for variable, (label, _) in _DEADLINES.items()}

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
    for variable, keys in DEADLINE_VARIABLES.items():
        if not keys or keys[0] not in rules:  # derived from another act, or e.g. no suspension before 2026
            continue
        base_key, *variant_keys = keys
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
    """Tell whether a regime knows the suspension of a resolution (LKN Art. 11a, from 07/2026)."""
    return bool(REGIME_DATA[_checked(regime)].acts.get("suspension", False))


def _checked(regime: str) -> str:
    _rules_of(regime)
    return regime


def suspension_notice_deadline(cal: LegalCalendar, issued_on: date) -> date:
    """Last day to send the suspension decision (Mẫu 14a), by the law on the decision's date (rules.md §1.4)."""
    regime = regime_for(issued_on)
    if not allowed_on("suspension", issued_on):
        raise ValueError(f"regime {regime!r} has no suspension of a resolution")
    return rule("suspension_notice", regime).deadline(cal, issued_on)


def termination_notice_deadline(cal: LegalCalendar, issued_on: date) -> date | None:
    """Last day to send a termination decision: 3 working days for decisions from 01/07/2026, none before."""
    rules = _rules_of(regime_for(issued_on))
    return rules["termination_notice"].deadline(cal, issued_on) if "termination_notice" in rules else None


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
    cal: LegalCalendar, limit_starts: date, remote_area: bool,
    obstacles: list[dict[str, Any]] | None = None, regime: str = DEFAULT_REGIME,
) -> date:
    """Last day to file the second complaint (LKN Art. 33(1), Art. 9).

    The days are walked one by one from the day after the limit starts: a day covered by a
    documented obstacle period is not counted, so an obstacle extends the limit only where it
    overlaps it (days before the limit began extend nothing; overlapping periods count once).
    The limit ends when 30 (remote areas: 45) uncovered days have passed, then the Civil Code
    moves a last day that is a day off to the next working day.
    """
    limit = rule("filing_remote" if remote_area else "filing", regime)
    if limit.unit != "calendar":
        raise ValueError("a filing limit counted in working days is not supported")
    covered = _covered_days(obstacles or [])
    day, counted = limit_starts, 0
    while counted < limit.days:
        day += timedelta(days=1)
        if day not in covered:
            counted += 1
    return cal.next_working_day(day)


def _covered_days(periods: list[dict[str, Any]]) -> set[date]:
    if not isinstance(periods, list):
        raise ValueError(f"excluded periods must be a list of {{'from', 'to'}} dicts, got {periods!r}")
    covered: set[date] = set()
    for start, end in (_period_span(p) for p in periods):
        covered.update(start + timedelta(days=i) for i in range((end - start).days + 1))
    return covered


def first_level_deadline(cal: LegalCalendar, accepted_on: date, complex_case: bool, remote_area: bool,
                         regime: str = DEFAULT_REGIME) -> date:
    """Last day of the first level's own resolution limit (LKN Art. 28): 30/45 days, remote 45/60."""
    key = "first_level" + ("_remote" if remote_area else "") + ("_complex" if complex_case else "")
    return rule(key, regime).deadline(cal, accepted_on)


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


def resolution_days(complex_case: bool, remote_area: bool, regime: str = DEFAULT_REGIME) -> int:
    key = "resolution" + ("_remote" if remote_area else "") + ("_complex" if complex_case else "")
    return rule(key, regime).days


def days_used_until(clock_from: date, suspended_on: date) -> int:
    """Days of the resolution limit used before a suspension (NĐ124 Art. 28b(2) as added by NĐ155).

    The clock ran from the day after ``clock_from`` (acceptance, or a resumption) and stopped on the
    day the suspension decision was issued, which itself does not count.
    """
    return max(0, (suspended_on - clock_from).days - 1)


def resolution_deadline_after_resumption(cal: LegalCalendar, resumed_on: date, days_used: int, complex_case: bool,
                                         remote_area: bool, regime: str = DEFAULT_REGIME) -> date:
    """The resolution limit *continues* from the resumption decision with the days not yet used.

    "Thời hạn giải quyết khiếu nại tiếp tục được tính từ ngày ban hành quyết định tiếp tục giải quyết"
    (NĐ124 Art. 28b(2), added by NĐ155 Art. 12): the remaining days run from the day after the
    resumption decision (Civil Code Art. 147), then a last day off rolls to the next working day.
    """
    remaining = max(0, resolution_days(complex_case, remote_area, regime) - days_used)
    return cal.add_days(resumed_on, remaining)


CONTINUATION_RULE = ("Tạm đình chỉ: thời hạn giải quyết ngừng tính từ ngày ban hành quyết định tạm đình chỉ; "
                     "tiếp tục được tính từ ngày ban hành quyết định tiếp tục giải quyết với số ngày còn lại "
                     "(khoản 2 Điều 28b Nghị định 124/2020/NĐ-CP, bổ sung bởi Điều 12 Nghị định 155/2026/NĐ-CP)")


def act_regime(act_date: DateLike) -> Regime:
    """The regime governing an act by its own date (rules.md §1.4: suspension, withdrawal, termination, dialogue)."""
    return REGIME_DATA[regime_for(act_date)]


def allowed_on(act: str, act_date: DateLike) -> bool:
    """Whether the law in force on the act's date allows it (e.g. a suspension, a partial withdrawal)."""
    return bool(act_regime(act_date).acts.get(act, False))


def form_for(document: str, act_date: DateLike) -> str:
    """The legal form a document follows, by the date the document is issued."""
    forms = act_regime(act_date).forms
    if document not in forms:
        raise ValueError(f"no form is known for the document {document!r}")
    return forms[document]


def termination_grounds_on(act_date: DateLike) -> list[str]:
    """The grounds on which a resolution may be terminated by the law in force on the act's date."""
    return list(act_regime(act_date).acts.get("termination_grounds", ["withdrawal"]))


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
        limit_starts: DateLike, remote_area: bool,
        excluded_days: list[dict[str, Any]] | None = None, regime: str | None = None,
    ) -> str:
        start = to_date(limit_starts)
        remote = _to_flag("remote_area", remote_area)
        return filing_deadline(cal, start, remote, excluded_days or [], chosen(regime)).isoformat()

    def first_level_deadline_for(accepted_on: DateLike, complex_case: bool, remote_area: bool,
                                 regime: str | None = None) -> str:
        flags = _to_flag("complex_case", complex_case), _to_flag("remote_area", remote_area)
        return first_level_deadline(cal, to_date(accepted_on), *flags, regime=chosen(regime)).isoformat()

    def resolution_days_used(clock_from: DateLike, suspended_on: DateLike) -> int:
        return days_used_until(to_date(clock_from), to_date(suspended_on))

    def resolution_deadline_resumed(resumed_on: DateLike, days_used: int, complex_case: bool, remote_area: bool,
                                    regime: str | None = None) -> str:
        flags = _to_flag("complex_case", complex_case), _to_flag("remote_area", remote_area)
        return resolution_deadline_after_resumption(cal, to_date(resumed_on), int(days_used), *flags,
                                                    regime=chosen(regime)).isoformat()

    def termination_notice_deadline_for(issued_on: DateLike) -> str | None:
        found = termination_notice_deadline(cal, to_date(issued_on))
        return found.isoformat() if found else None

    def deadline_for(rule_key: str, starts: DateLike, regime: str | None = None) -> str:
        """Any deadline of ``regimes.json`` by its rule: a new deadline is data, not a new function."""
        return rule(str(rule_key), chosen(regime)).deadline(cal, to_date(starts)).isoformat()

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

    def suspension_notice_deadline_for(issued_on: DateLike, _case_regime: str | None = None) -> str:
        return suspension_notice_deadline(cal, to_date(issued_on)).isoformat()

    def reception_days_between(first: DateLike, last: DateLike, weekends: bool = False) -> list[str]:
        chosen_days = reception_days(cal, to_date(first), to_date(last), _to_flag("weekends", weekends))
        return [d.isoformat() for d in chosen_days]

    def days_between(a: DateLike, b: DateLike) -> int:
        return (to_date(b) - to_date(a)).days

    def basis_for(regime: str | None = None) -> dict[str, dict[str, Any]]:
        return deadline_basis(chosen(regime))

    def notice_ok(notice_sent_on: DateLike, held_on: DateLike, _case_regime: str | None = None) -> bool:
        """By the law on the day the dialogue is held (rules.md §1.4), whatever the case's regime."""
        return dialogue_notice_ok(notice_sent_on, held_on, regime_for(held_on))

    def display_date(d: DateLike) -> str:
        """A date as officers read it (dd/mm/yyyy), for the messages a rule gives."""
        return f"{to_date(d):%d/%m/%Y}"

    def allowed(act: str, act_date: DateLike) -> bool:
        return allowed_on(act, act_date)

    def form_number(document: str, act_date: DateLike) -> str:
        return form_for(document, act_date)

    def termination_grounds(act_date: DateLike) -> list[str]:
        return termination_grounds_on(to_date(act_date))

    return {
        "add_days": add_days,
        "add_working_days": add_working_days,
        "is_working_day": is_working_day,
        "filing_deadline_for": filing_deadline_for,
        "deadline_for": deadline_for,
        "acceptance_deadline_for": acceptance_deadline_for,
        "resolution_deadline_for": resolution_deadline_for,
        "decision_deadline_for": decision_deadline_for,
        "sending_deadline_for": sending_deadline_for,
        "publication_deadline_for": publication_deadline_for,
        "suspension_notice_deadline_for": suspension_notice_deadline_for,
        "termination_notice_deadline_for": termination_notice_deadline_for,
        "first_level_deadline_for": first_level_deadline_for,
        "resolution_days_used": resolution_days_used,
        "resolution_deadline_resumed": resolution_deadline_resumed,
        "allowed_on": allowed,
        "form_for": form_number,
        "termination_grounds": termination_grounds,
        "handling_basis": handling_basis,
        "days_between": days_between,
        "regime_for": regime_for,
        "overdue_at": overdue_at,
        "day_starts_at": day_starts_at,
        "reception_days_between": reception_days_between,
        "deadline_basis": basis_for,
        "dialogue_notice_ok": notice_ok,
        "display_date": display_date,
    }
