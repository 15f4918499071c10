"""Vietnam's legal calendar: which days count, and how a time limit ends.

Why: the Law on Complaints counts limits in "ngày" (calendar days) and "ngày làm việc"
(working days). Civil Code 2015 Art. 144–148 excludes the start day and moves a last day
that falls on a weekend or holiday to the next working day. Public bodies work Mon–Fri
(QĐ 188/1999/QĐ-TTg), minus statutory holidays and compensatory days, plus official
make-up Saturdays (làm bù). The `holidays` package supplies the statutory and observed
days; the project owns a small override table (``calendar_overrides.json``) for what the
package lacks, and each entry records the legal document that announced it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Literal, cast, get_args

import holidays

OverrideKind = Literal["day_off", "working_day"]

_OVERRIDES_FILE = Path(__file__).with_name("calendar_overrides.json")
_SATURDAY = 5


@dataclass(frozen=True)
class CalendarOverride:
    """One officially announced exception to the holidays package, with its source."""

    day: date
    kind: OverrideKind
    reason: str
    source: str


class LegalCalendar:
    """Answer working-day questions for Vietnamese public bodies, overrides first."""

    def __init__(self, overrides: Iterable[CalendarOverride] = ()) -> None:
        self._overrides: dict[date, CalendarOverride] = {}
        for override in overrides:
            if override.day in self._overrides:
                raise ValueError(f"two calendar overrides for {override.day.isoformat()}")
            self._overrides[override.day] = override
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
