"""The README lists every unverified point, with its source and how to change it: regimes.json and the calendar."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from app.engine.calendar import LegalCalendar, load_default_overrides, unverified_points
from app.engine.deadlines import unverified_entries

ROOT = Path(__file__).resolve().parents[1]
HEADING = "## Điểm chưa kiểm chứng / Unverified points"


def _entries() -> dict[str, str]:
    """Each bullet of the README's section, by the entry named in its first code span."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.count(HEADING) == 1, "one section of unverified points"
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0]
    bullets = section.split("\n- **`")[1:]
    return {bullet.split("`", 1)[0]: " ".join(bullet.split()) for bullet in bullets}


def _regime_points() -> list[tuple[str, str]]:
    return unverified_entries()


def test_every_unverified_regime_entry_is_in_the_readme_with_its_source_and_how_to_change_it() -> None:
    listed = _entries()
    assert _regime_points(), "regimes.json marks some entries unverified"
    for entry, source in _regime_points():
        assert entry in listed, f"README lacks the unverified point {entry}"
        assert " ".join(source.split()) in listed[entry], f"README gives another source for {entry}"
        assert "app/engine/regimes.json" in listed[entry], f"README does not say how to change {entry}"


def test_every_unverified_calendar_entry_is_in_the_readme_with_its_source_and_the_command() -> None:
    listed = _entries()
    for entry, source in unverified_points():
        assert entry in listed, f"README lacks the unverified point {entry}"
        assert " ".join(source.split()) in listed[entry], f"README gives another source for {entry}"
        assert "flask --app app calendar" in listed[entry], f"README does not say how to change {entry}"


def test_every_estimated_day_of_2026_and_2027_is_named_under_its_entry() -> None:
    listed = _entries()
    pending = LegalCalendar(load_default_overrides()).unverified(date(2026, 1, 1), date(2027, 12, 31))
    assert {e.day for e in pending} >= {date(2026, 11, 24), date(2027, 2, 10)}
    for entry in pending:
        assert entry.note is not None
        assert entry.day.strftime("%d/%m/%Y") in listed[f"calendar: {entry.note.key}"], entry


def test_the_readme_lists_nothing_that_is_no_longer_unverified() -> None:
    known = {entry for entry, _ in _regime_points()} | {entry for entry, _ in unverified_points()}
    assert set(_entries()) == known
