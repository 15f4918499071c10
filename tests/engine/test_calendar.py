"""The legal calendar: Vietnamese holidays, project overrides and Civil Code day counting."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.engine.calendar import CalendarOverride, LegalCalendar, load_default_overrides, load_unverified_notes


@pytest.fixture(scope="module")
def cal() -> LegalCalendar:
    return LegalCalendar(load_default_overrides())


@pytest.fixture(scope="module")
def bare() -> LegalCalendar:
    """The holidays package alone, to show what the overrides change."""
    return LegalCalendar()


def d(iso: str) -> date:
    return date.fromisoformat(iso)


# --- which days are working days -------------------------------------------------------

def test_ordinary_weekday_is_a_working_day(cal: LegalCalendar) -> None:
    assert cal.is_working_day(d("2021-03-03"))


def test_ordinary_saturday_is_not_a_working_day_despite_reception_hours(cal: LegalCalendar) -> None:
    assert not cal.is_working_day(d("2021-03-06"))
    assert not cal.is_working_day(d("2021-03-07"))


def test_tet_2021_from_10_to_16_february_is_off_and_17_february_is_working(cal: LegalCalendar) -> None:
    tet = [d("2021-02-10") + timedelta(days=i) for i in range(7)]
    assert [cal.is_working_day(day) for day in tet] == [False] * 7
    assert cal.is_working_day(d("2021-02-09"))
    assert cal.is_working_day(d("2021-02-17"))


def test_tet_2026_weekdays_16_to_20_february_are_off(cal: LegalCalendar) -> None:
    week = [d("2026-02-16") + timedelta(days=i) for i in range(5)]
    assert [cal.is_working_day(day) for day in week] == [False] * 5
    assert cal.is_working_day(d("2026-02-13"))
    assert cal.is_working_day(d("2026-02-23"))


def test_hung_kings_day_2021_is_a_named_day_off(cal: LegalCalendar) -> None:
    assert not cal.is_working_day(d("2021-04-21"))
    assert cal.holiday_name(d("2021-04-21")) == "Ngày Giỗ Tổ Hùng Vương"


def test_labour_day_2021_on_saturday_gives_observed_monday_3_may(cal: LegalCalendar) -> None:
    assert not cal.is_working_day(d("2021-05-03"))
    assert cal.next_working_day(d("2021-04-30")) == d("2021-05-04")


def test_2_january_2026_is_a_day_off_only_because_of_the_override(
    cal: LegalCalendar, bare: LegalCalendar
) -> None:
    assert bare.is_working_day(d("2026-01-02"))
    assert not cal.is_working_day(d("2026-01-02"))
    assert cal.holiday_name(d("2026-01-02")) == "Nghỉ Tết Dương lịch 2026 (hoán đổi với thứ Bảy 10/01/2026)"


@pytest.mark.parametrize("saturday", ["2026-01-10", "2026-08-22", "2025-04-26", "2024-05-04"])
def test_make_up_saturday_is_a_working_day(cal: LegalCalendar, bare: LegalCalendar, saturday: str) -> None:
    assert d(saturday).weekday() == 5
    assert not bare.is_working_day(d(saturday))
    assert cal.is_working_day(d(saturday))
    assert cal.holiday_name(d(saturday)) is None


def test_holiday_name_is_none_for_ordinary_days_and_weekends(cal: LegalCalendar) -> None:
    assert cal.holiday_name(d("2021-03-03")) is None
    assert cal.holiday_name(d("2021-03-06")) is None


def test_far_future_year_is_loaded_on_demand(cal: LegalCalendar) -> None:
    assert not cal.is_working_day(d("2040-01-01"))
    assert cal.is_working_day(d("2040-01-03"))


# --- next working day and day counting ---------------------------------------------------

def test_next_working_day_is_the_day_itself_when_working(cal: LegalCalendar) -> None:
    assert cal.next_working_day(d("2021-03-03")) == d("2021-03-03")


def test_next_working_day_leaves_tet_2021_on_17_february(cal: LegalCalendar) -> None:
    assert cal.next_working_day(d("2021-02-11")) == d("2021-02-17")


def test_add_days_excludes_the_start_day(cal: LegalCalendar) -> None:
    assert cal.add_days(d("2021-03-01"), 45) == d("2021-04-15")
    assert cal.add_days(d("2021-03-01"), 1) == d("2021-03-02")


def test_add_days_ending_on_sunday_rolls_to_monday(cal: LegalCalendar) -> None:
    assert cal.add_days(d("2021-03-05"), 30) == d("2021-04-05")


def test_add_days_ending_in_tet_2026_rolls_to_23_february(cal: LegalCalendar) -> None:
    assert cal.add_days(d("2026-01-17"), 30) == d("2026-02-23")


def test_add_days_ending_on_2_january_2026_rolls_to_5_january(
    cal: LegalCalendar, bare: LegalCalendar
) -> None:
    assert bare.add_days(d("2025-12-03"), 30) == d("2026-01-02")
    assert cal.add_days(d("2025-12-03"), 30) == d("2026-01-05")


def test_add_days_ending_on_make_up_saturday_ends_that_saturday(cal: LegalCalendar) -> None:
    assert cal.add_days(d("2026-07-23"), 30) == d("2026-08-22")


def test_add_working_days_from_saturday_counts_monday_as_day_one(cal: LegalCalendar) -> None:
    assert cal.add_working_days(d("2021-03-06"), 1) == d("2021-03-08")
    assert cal.add_working_days(d("2021-03-06"), 10) == d("2021-03-19")


def test_add_working_days_counts_make_up_saturday_10_january_2026(
    cal: LegalCalendar, bare: LegalCalendar
) -> None:
    assert cal.add_working_days(d("2026-01-09"), 1) == d("2026-01-10")
    assert bare.add_working_days(d("2026-01-09"), 1) == d("2026-01-12")


def test_add_working_days_skips_new_year_2026_days_off(cal: LegalCalendar) -> None:
    assert cal.add_working_days(d("2025-12-31"), 1) == d("2026-01-05")


def test_add_working_days_across_tet_2026(cal: LegalCalendar) -> None:
    assert cal.add_working_days(d("2026-02-12"), 10) == d("2026-03-05")


def test_working_days_between_counts_after_start_up_to_end(cal: LegalCalendar) -> None:
    assert cal.working_days_between(d("2021-02-17"), d("2021-03-03")) == 10
    assert cal.working_days_between(d("2021-03-05"), d("2021-03-08")) == 1
    assert cal.working_days_between(d("2021-03-03"), d("2021-03-03")) == 0


def test_working_days_between_is_negative_when_end_is_before_start(cal: LegalCalendar) -> None:
    assert cal.working_days_between(d("2021-03-03"), d("2021-02-17")) == -10


@pytest.mark.parametrize("n", [-1, 1.5, True])
def test_day_counts_reject_negative_or_non_integer_lengths(cal: LegalCalendar, n: object) -> None:
    with pytest.raises(ValueError, match="non-negative integer"):
        cal.add_days(d("2021-03-01"), n)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-negative integer"):
        cal.add_working_days(d("2021-03-01"), n)  # type: ignore[arg-type]


# --- overrides -----------------------------------------------------------------------------

def test_two_overrides_for_the_same_day_are_refused() -> None:
    day = d("2026-01-02")
    overrides = [
        CalendarOverride(day, "day_off", "a", "src"),
        CalendarOverride(day, "working_day", "b", "src"),
    ]
    with pytest.raises(ValueError, match="2026-01-02"):
        LegalCalendar(overrides)


def test_default_overrides_hold_the_known_gaps_each_with_a_source() -> None:
    overrides = load_default_overrides()
    assert {(o.day.isoformat(), o.kind) for o in overrides} == {
        ("2024-05-04", "working_day"),
        ("2025-04-26", "working_day"),
        ("2026-01-02", "day_off"),
        ("2026-01-10", "working_day"),
        ("2026-08-22", "working_day"),
    }
    assert all(o.reason.strip() and o.source.strip() for o in overrides)


def test_override_file_with_unknown_kind_is_refused_naming_the_entry(tmp_path: Path) -> None:
    bad = tmp_path / "overrides.json"
    bad.write_text(json.dumps([{"day": "2026-01-02", "kind": "holiday", "reason": "x", "source": "y"}]))
    with pytest.raises(ValueError, match=r"override #0 .*'holiday'"):
        load_default_overrides(bad)


# --- days off the package estimates (calendar_unverified.json) -------------------------------

def test_24_november_2026_stays_a_day_off_but_is_shown_as_awaiting_an_official_text(cal: LegalCalendar) -> None:
    assert not cal.is_working_day(d("2026-11-24"))
    entry = cal.entry(d("2026-11-24"))
    assert entry is not None and entry.kind == "day_off" and entry.name == "Ngày Văn hóa Việt Nam"
    assert not entry.verified and entry.note is not None and entry.note.key == "24/11"
    assert "80-NQ/TW" in entry.source and "Bộ luật Lao động" in entry.source
    assert cal.entry(d("2026-11-23")) is None  # an ordinary Monday


def test_the_2027_schedule_is_an_estimate_and_the_announced_2026_one_is_not(cal: LegalCalendar) -> None:
    tet_2027 = cal.entries(d("2027-02-01"), d("2027-02-12"))
    assert [e.day.isoformat() for e in tet_2027] == [f"2027-02-{n:02d}" for n in range(4, 11)]
    assert all(e.note is not None and e.note.key == "2027" and not e.verified for e in tet_2027)
    assert "2027" in tet_2027[0].source
    assert all(e.verified for e in cal.entries(d("2026-02-16"), d("2026-02-20")))
    assert cal.entry(d("2027-11-24")).note.key == "24/11"  # type: ignore[union-attr]  # its own note first


def test_an_override_settles_an_estimated_day_with_its_own_source() -> None:
    worked = CalendarOverride(d("2026-11-24"), "working_day", "Không phải ngày nghỉ lễ", "Công văn thử nghiệm")
    confirmed = CalendarOverride(d("2027-02-10"), "day_off", "Mùng năm Tết", "Thông báo thử nghiệm")
    cal = LegalCalendar([worked, confirmed])
    assert cal.is_working_day(d("2026-11-24"))
    assert [(e.day.isoformat(), e.kind, e.verified, e.source) for e in cal.entries(d("2026-11-24"), d("2026-11-24"))] \
        == [("2026-11-24", "working_day", True, "Công văn thử nghiệm")]
    assert cal.entry(d("2027-02-10")).verified  # type: ignore[union-attr]
    assert d("2027-02-10") not in {e.day for e in cal.unverified(d("2027-01-01"), d("2027-12-31"))}


def test_the_notes_were_written_against_the_installed_holidays_package() -> None:
    import holidays

    shipped = json.loads((Path(__file__).resolve().parents[2] / "app/engine/calendar_unverified.json")
                         .read_text(encoding="utf-8"))
    assert shipped["package_version"] == holidays.__version__, "review calendar_unverified.json for the new package"


def test_a_note_without_a_source_is_refused_naming_the_entry(tmp_path: Path) -> None:
    bad = tmp_path / "notes.json"
    bad.write_text(json.dumps({"entries": [{"key": "x", "title": "t", "source": " ", "from_year": 2027}]}))
    with pytest.raises(ValueError, match="note #0"):
        load_unverified_notes(bad)


def test_a_calendar_span_longer_than_three_years_is_refused(cal: LegalCalendar) -> None:
    with pytest.raises(ValueError, match="3 years"):
        cal.entries(d("2020-01-01"), d("2026-01-01"))
