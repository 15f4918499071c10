"""Vietnam's legal calendar: which days count, and how a time limit ends.

Why: the Law on Complaints counts limits in "ngày" (calendar days) and "ngày làm việc"
(working days). Civil Code 2015 Art. 144–148 excludes the start day and moves a last day
that falls on a weekend or holiday to the next working day. Public bodies work Mon–Fri
(QĐ 188/1999/QĐ-TTg), minus statutory holidays and compensatory days, plus official
make-up Saturdays (làm bù). The `holidays` package supplies the statutory and observed
days; the project owns a small override table (``calendar_overrides.json``) for what the
package lacks, and each entry records the legal document that announced it. Days off the
package gives that no official text confirms yet (24/11 from 2026, the schedule of years not
yet announced) are listed in ``calendar_unverified.json`` with their source: they stay days
off, but ``LegalCalendar.entries`` marks them, so pages and the README can say so, until an
override (``flask calendar confirm`` or ``working-day``) settles them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Literal, cast, get_args

import holidays

OverrideKind = Literal["day_off", "working_day"]

_OVERRIDES_FILE = Path(__file__).with_name("calendar_overrides.json")
_UNVERIFIED_FILE = Path(__file__).with_name("calendar_unverified.json")
_SATURDAY = 5
_MAX_SPAN_DAYS = 3 * 366
PACKAGE_SOURCE = "Điều 112 Bộ luật Lao động 2019; lịch nghỉ của cán bộ, công chức đã công bố (gói holidays)"


@dataclass(frozen=True)
class CalendarOverride:
    """One officially announced exception to the holidays package, with its source."""

    day: date
    kind: OverrideKind
    reason: str
    source: str


@dataclass(frozen=True)
class UnverifiedNote:
    """Days off of the holidays package that no official text confirms yet, and where they come from."""

    key: str  # "24/11", "2027": how the README and the CLI name it
    title: str
    source: str
    from_year: int
    holiday: str | None = None  # only this holiday (and its observed days); None: the whole schedule

    def covers(self, day: date, name: str) -> bool:
        """Tell whether the package's day off ``day`` (named ``name``) rests on this note."""
        if day.year < self.from_year:
            return False
        return self.holiday is None or any(part.startswith(self.holiday) for part in name.split("; "))


@dataclass(frozen=True)
class CalendarEntry:
    """A day off or a make-up working day, with its source; ``note`` is set while no official text confirms it."""

    day: date
    kind: OverrideKind
    name: str
    source: str
    note: UnverifiedNote | None = None
    overridden: bool = False  # an override of the project or an administrator decides this day

    @property
    def verified(self) -> bool:
        return self.note is None


class LegalCalendar:
    """Answer working-day questions for Vietnamese public bodies, overrides first."""

    def __init__(self, overrides: Iterable[CalendarOverride] = (),
                 notes: Iterable[UnverifiedNote] | None = None) -> None:
        self._overrides: dict[date, CalendarOverride] = {}
        for override in overrides:
            if override.day in self._overrides:
                raise ValueError(f"two calendar overrides for {override.day.isoformat()}")
            self._overrides[override.day] = override
        self._notes = tuple(default_unverified_notes() if notes is None else notes)
        self._holidays_by_year: dict[int, holidays.HolidayBase] = {}

    def _holidays(self, year: int) -> holidays.HolidayBase:
        """Build one year's holidays on first use, since cases may span any year."""
        if year not in self._holidays_by_year:
            self._holidays_by_year[year] = holidays.country_holidays(
                "VN", years=year, language="vi", observed=True
            )
        return self._holidays_by_year[year]

    def is_working_day(self, d: date) -> bool:
        """Tell whether public bodies work that day (Saturday reception hours do not count)."""
        override = self._overrides.get(d)
        if override is not None:
            return override.kind == "working_day"
        return d.weekday() < _SATURDAY and d not in self._holidays(d.year)

    def holiday_name(self, d: date) -> str | None:
        """Name the holiday or official day off, or None for ordinary and weekend days."""
        override = self._overrides.get(d)
        if override is not None:
            return override.reason if override.kind == "day_off" else None
        name = self._holidays(d.year).get(d)
        return None if name is None else str(name)

    def entry(self, d: date) -> CalendarEntry | None:
        """Say why d is not an ordinary day (override or package holiday) and on what source; None if it is."""
        override = self._overrides.get(d)
        if override is not None:
            return CalendarEntry(d, override.kind, override.reason, override.source, overridden=True)
        name = self._holidays(d.year).get(d)
        if name is None:
            return None
        note = next((n for n in self._notes if n.covers(d, str(name))), None)
        return CalendarEntry(d, "day_off", str(name), note.source if note else PACKAGE_SOURCE, note)

    def entries(self, first: date, last: date) -> list[CalendarEntry]:
        """Every day off and make-up working day from first to last (at most three years), oldest first."""
        if last < first or (last - first).days > _MAX_SPAN_DAYS:
            raise ValueError(f"calendar span {first.isoformat()}..{last.isoformat()} is empty or longer than 3 years")
        found = (self.entry(first + timedelta(days=i)) for i in range((last - first).days + 1))
        return [e for e in found if e is not None]

    def unverified(self, first: date, last: date) -> list[CalendarEntry]:
        """The days off from first to last that rest only on the package's estimate."""
        return [e for e in self.entries(first, last) if not e.verified]

    def next_working_day(self, d: date) -> date:
        """Return d if it is a working day, else the first working day after it."""
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def add_days(self, start: date, n: int) -> date:
        """End a limit of n calendar days (Civil Code Art. 147–148): start excluded, rolled."""
        _require_non_negative(n)
        return self.next_working_day(start + timedelta(days=n))

    def add_working_days(self, start: date, n: int) -> date:
        """End a limit of n working days, the start day excluded (n = 0: next working day)."""
        _require_non_negative(n)
        d = start
        remaining = n
        while remaining > 0:
            d += timedelta(days=1)
            if self.is_working_day(d):
                remaining -= 1
        return self.next_working_day(d)

    def working_days_between(self, a: date, b: date) -> int:
        """Count working days after a up to and including b; negative when b is before a."""
        if b < a:
            return -self.working_days_between(b, a)
        return sum(1 for i in range(1, (b - a).days + 1) if self.is_working_day(a + timedelta(days=i)))


def _require_non_negative(n: int) -> None:
    """Refuse negative or non-integer lengths, which no statute uses."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"number of days must be a non-negative integer, got {n!r}")


def _parse_override(index: int, entry: Mapping[str, object]) -> CalendarOverride:
    """Turn one JSON entry into an override, naming the entry when it is malformed."""
    try:
        kind = entry["kind"]
        if kind not in get_args(OverrideKind):
            raise ValueError(f"kind must be 'day_off' or 'working_day', got {kind!r}")
        return CalendarOverride(
            day=date.fromisoformat(str(entry["day"])),
            kind=cast(OverrideKind, kind),
            reason=str(entry["reason"]),
            source=str(entry["source"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"calendar override #{index} is invalid: {exc}") from exc


def load_default_overrides(path: Path = _OVERRIDES_FILE) -> list[CalendarOverride]:
    """Read the project-owned override table shipped next to this module."""
    entries = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(entries, list):
        raise ValueError(f"{path.name} must hold a JSON list")
    return [_parse_override(i, entry) for i, entry in enumerate(entries)]


def _parse_note(index: int, entry: Mapping[str, object]) -> UnverifiedNote:
    """Turn one JSON entry into a note, naming the entry when it is malformed."""
    try:
        holiday = entry.get("holiday")
        note = UnverifiedNote(key=str(entry["key"]), title=str(entry["title"]), source=str(entry["source"]),
                              from_year=int(str(entry["from_year"])), holiday=None if holiday is None else str(holiday))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"unverified calendar note #{index} is invalid: {exc}") from exc
    if not (note.key.strip() and note.title.strip() and note.source.strip()):
        raise ValueError(f"unverified calendar note #{index} needs a key, a title and a source")
    return note


def load_unverified_notes(path: Path = _UNVERIFIED_FILE) -> tuple[UnverifiedNote, ...]:
    """Read the notes on the package's unconfirmed days off shipped next to this module."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    entries = raw.get("entries") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f"{path.name} must hold an object with an 'entries' list")
    return tuple(_parse_note(i, entry) for i, entry in enumerate(entries))


@cache
def default_unverified_notes() -> tuple[UnverifiedNote, ...]:
    """The shipped notes, read once per process."""
    return load_unverified_notes()


def unverified_points() -> list[tuple[str, str]]:
    """(entry, its source) of every unconfirmed calendar point, named as the README lists them."""
    return [(f"calendar: {note.key}", note.source) for note in default_unverified_notes()]
