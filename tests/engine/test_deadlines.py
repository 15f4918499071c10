"""Deadlines of the 2021 and 2026-07 regimes, checked against domain.md §5 Case A and the edge cases."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.engine.calendar import LegalCalendar, load_default_overrides
from app.engine.deadlines import (
    DEADLINE_LABELS,
    DEADLINE_VARIABLES,
    REGIME_DATA,
    REGIME_STARTS,
    REGIMES,
    acceptance_deadline,
    count_excluded_days,
    days_used_until,
    deadline_basis,
    deadline_rules,
    decision_deadline,
    dialogue_notice_ok,
    filing_deadline,
    first_level_deadline,
    overdue_at,
    publication_deadline,
    regime_for,
    resolution_deadline,
    resolution_deadline_after_resumption,
    script_functions,
    sending_deadline,
)


@pytest.fixture(scope="module")
def cal() -> LegalCalendar:
    return LegalCalendar(load_default_overrides())


def d(iso: str) -> date:
    return date.fromisoformat(iso)


# --- Case A (domain.md §5) -------------------------------------------------------------------

def test_filing_deadline_in_tet_rolls_to_17_february_2021(cal: LegalCalendar) -> None:
    assert filing_deadline(cal, d("2021-01-12"), remote_area=False) == d("2021-02-17")


def test_acceptance_within_10_working_days_ends_3_march_2021(cal: LegalCalendar) -> None:
    assert acceptance_deadline(cal, d("2021-02-17")) == d("2021-03-03")


def test_resolution_within_45_days_ends_15_april_2021(cal: LegalCalendar) -> None:
    assert resolution_deadline(cal, d("2021-03-01"), complex_case=False, remote_area=False) == d("2021-04-15")


def test_complex_resolution_past_30_april_holidays_ends_4_may_2021(cal: LegalCalendar) -> None:
    assert resolution_deadline(cal, d("2021-03-01"), complex_case=True, remote_area=False) == d("2021-05-04")


def test_decision_3_working_days_after_friday_report_ends_14_april_2021(cal: LegalCalendar) -> None:
    assert decision_deadline(cal, d("2021-04-09")) == d("2021-04-14")


def test_sending_deadline_on_hung_kings_day_rolls_to_22_april_2021(cal: LegalCalendar) -> None:
    assert sending_deadline(cal, d("2021-04-14")) == d("2021-04-22")


def test_publication_within_15_days_ends_29_april_2021(cal: LegalCalendar) -> None:
    assert publication_deadline(cal, d("2021-04-14")) == d("2021-04-29")


# --- remote areas, Tết 2026, obstacles --------------------------------------------------------

def test_remote_area_filing_allows_45_days(cal: LegalCalendar) -> None:
    assert filing_deadline(cal, d("2021-01-12"), remote_area=True) == d("2021-02-26")


def test_remote_resolution_60_days_ending_saturday_rolls_to_monday(cal: LegalCalendar) -> None:
    assert resolution_deadline(cal, d("2021-06-01"), complex_case=False, remote_area=True) == d("2021-08-02")


def test_remote_complex_resolution_allows_70_days(cal: LegalCalendar) -> None:
    assert resolution_deadline(cal, d("2021-03-01"), complex_case=True, remote_area=True) == d("2021-05-10")


def test_filing_deadline_in_tet_2026_rolls_to_23_february_2026(cal: LegalCalendar) -> None:
    assert filing_deadline(cal, d("2026-01-17"), remote_area=False) == d("2026-02-23")


def test_acceptance_across_tet_2026_ends_5_march_2026(cal: LegalCalendar) -> None:
    assert acceptance_deadline(cal, d("2026-02-12")) == d("2026-03-05")


def test_obstacle_days_inside_the_limit_extend_the_filing_deadline(cal: LegalCalendar) -> None:
    # Received 12/01/2021; ill 20/01–29/01 (10 days, all inside the running limit): the 30 uncovered days
    # are 13/01–19/01 (7) and 30/01–21/02 (23), so day 30 is Sunday 21/02 -> Monday 22/02.
    ill = [{"from": "2021-01-20", "to": "2021-01-29"}]
    assert filing_deadline(cal, d("2021-01-12"), remote_area=False, obstacles=ill) == d("2021-02-22")


def test_obstacle_days_before_the_limit_began_extend_nothing(cal: LegalCalendar) -> None:
    # rules.md §1.2: an obstacle of 01/01–11/01/2021 ended before the limit started on 13/01: still 17/02.
    before = [{"from": "2021-01-01", "to": "2021-01-11"}]
    assert filing_deadline(cal, d("2021-01-12"), remote_area=False, obstacles=before) == d("2021-02-17")
    # Straddling the start, 05/01–15/01: only 13/01–15/01 overlap (3 days), so day 30 is Sun 14/02, in Tết
    # -> Wed 17/02. Adding the whole 11-day period, as the product once did, gave Mon 22/02: a late petition.
    straddling = [{"from": "2021-01-05", "to": "2021-01-15"}]
    assert filing_deadline(cal, d("2021-01-12"), remote_area=False, obstacles=straddling) == d("2021-02-17")


def test_overlapping_obstacle_periods_count_once(cal: LegalCalendar) -> None:
    # Received 04/03/2026 (Wed); hospital 10/03–19/03 and a flood 15/03–24/03 cover 10/03–24/03 (15 days once).
    # Uncovered: 05/03–09/03 (5) then 25/03 onwards: day 30 is 18/04/2026, a Saturday -> Monday 20/04.
    periods = [{"from": "2026-03-10", "to": "2026-03-19"}, {"from": "2026-03-15", "to": "2026-03-24"}]
    assert filing_deadline(cal, d("2026-03-04"), remote_area=False, obstacles=periods) == d("2026-04-20")


def test_an_obstacle_ending_before_it_starts_is_refused(cal: LegalCalendar) -> None:
    with pytest.raises(ValueError, match="before it starts"):
        filing_deadline(cal, d("2021-01-12"), remote_area=False, obstacles=[{"from": "2021-01-20", "to": "2021-01-19"}])


def test_first_level_limit_counts_30_45_60_days_by_complexity_and_remoteness(cal: LegalCalendar) -> None:
    # First-level complaint accepted Fri 02/04/2021: 30 days -> Sun 02/05 (and 03/05 is the 1/5 compensatory
    # day off, as 01/05 fell on a Saturday) -> Tue 04/05; complex 45 -> Mon 17/05; remote complex 60 -> Tue 01/06.
    assert first_level_deadline(cal, d("2021-04-02"), complex_case=False, remote_area=False) == d("2021-05-04")
    assert first_level_deadline(cal, d("2021-04-02"), complex_case=True, remote_area=False) == d("2021-05-17")
    assert first_level_deadline(cal, d("2021-04-02"), complex_case=True, remote_area=True) == d("2021-06-01")


def test_resolution_continues_after_a_suspension_with_the_days_not_used(cal: LegalCalendar) -> None:
    # A complex case (60 days) accepted Mon 03/08/2026, suspended Fri 28/08: 04/08–27/08 ran, 24 days used;
    # the suspension covers 28/08–15/09 (incl. 2/9); resumed Wed 16/09: 36 days run from 17/09 -> Thu 22/10.
    used = days_used_until(d("2026-08-03"), d("2026-08-28"))
    assert used == 24
    assert resolution_deadline_after_resumption(cal, d("2026-09-16"), used, complex_case=True,
                                                remote_area=False, regime="2026-07") == d("2026-10-22")
    # Suspended the day after it was accepted: nothing was used; the whole 45 days run from the resumption.
    assert days_used_until(d("2026-08-03"), d("2026-08-04")) == 0
    assert days_used_until(d("2026-08-03"), d("2026-08-03")) == 0


def test_count_excluded_days_counts_inclusive_periods() -> None:
    assert count_excluded_days([]) == 0
    assert count_excluded_days([{"from": "2021-01-20", "to": "2021-01-20"}]) == 1
    assert count_excluded_days([{"from": "2021-01-20", "to": "2021-01-29", "reason": "ốm"}]) == 10


def test_count_excluded_days_merges_overlapping_and_adjacent_periods() -> None:
    overlapping = [{"from": "2021-01-23", "to": "2021-01-29"}, {"from": "2021-01-20", "to": "2021-01-25"}]
    adjacent = [{"from": "2021-01-20", "to": "2021-01-24"}, {"from": "2021-01-25", "to": "2021-01-29"}]
    nested = [{"from": "2021-01-20", "to": "2021-01-29"}, {"from": "2021-01-22", "to": "2021-01-23"}]
    apart = [{"from": "2021-01-20", "to": "2021-01-21"}, {"from": "2021-01-25", "to": "2021-01-26"}]
    assert count_excluded_days(overlapping) == 10
    assert count_excluded_days(adjacent) == 10
    assert count_excluded_days(nested) == 10
    assert count_excluded_days(apart) == 4


def test_excluded_period_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match=r"ends \(2021-01-10\) before it starts \(2021-01-20\)"):
        count_excluded_days([{"from": "2021-01-20", "to": "2021-01-10"}])


def test_excluded_period_without_dates_is_refused() -> None:
    with pytest.raises(ValueError, match="'from' and 'to'"):
        count_excluded_days([{"from": "2021-01-20"}])


# --- rule data ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("key", "days", "unit"),
    [
        ("filing", 30, "calendar"), ("filing_remote", 45, "calendar"), ("acceptance", 10, "working"),
        ("resolution", 45, "calendar"), ("resolution_complex", 60, "calendar"),
        ("resolution_remote", 60, "calendar"), ("resolution_remote_complex", 70, "calendar"),
        ("decision", 3, "working"), ("sending", 7, "calendar"), ("publication", 15, "calendar"),
    ],
)
def test_2021_regime_rule_lengths_and_units(key: str, days: int, unit: str) -> None:
    rule = REGIMES["2021"][key]
    assert (rule.days, rule.unit) == (days, unit)
    assert rule.basis.strip() and rule.name.strip()


def test_2021_regime_has_exactly_its_fourteen_rules() -> None:
    # filing (2), first level (4), acceptance, resolution (4), decision, sending, publication
    assert len(REGIMES["2021"]) == 14


def test_unknown_regime_is_refused(cal: LegalCalendar) -> None:
    with pytest.raises(ValueError, match="unknown deadline regime '1999'"):
        acceptance_deadline(cal, d("2021-02-17"), regime="1999")
    with pytest.raises(ValueError, match="unknown deadline regime"):
        script_functions(cal, regime="1999")


# --- script functions ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fns(cal: LegalCalendar) -> dict:
    return script_functions(cal)


def test_script_functions_expose_exactly_the_documented_names(fns: dict) -> None:
    assert set(fns) == {
        "add_days", "add_working_days", "is_working_day", "filing_deadline_for",
        "acceptance_deadline_for", "resolution_deadline_for", "decision_deadline_for",
        "sending_deadline_for", "publication_deadline_for", "days_between",
        "regime_for", "overdue_at", "deadline_basis", "dialogue_notice_ok",
        "suspension_notice_deadline_for", "day_starts_at", "reception_days_between",
        "termination_notice_deadline_for", "first_level_deadline_for", "resolution_days_used",
        "resolution_deadline_resumed", "allowed_on", "form_for", "termination_grounds", "display_date",
        "handling_basis", "deadline_for",
    }


def test_reception_days_are_the_working_days_of_the_window_unless_the_plan_adds_weekends(fns: dict) -> None:
    weekdays = fns["reception_days_between"]("2021-03-24", "2021-04-07")
    assert len(weekdays) == 11 and "2021-03-27" not in weekdays  # Sat 27/03 and Sun 28/03 closed
    assert len(fns["reception_days_between"]("2021-03-24", "2021-04-07", True)) == 15
    assert fns["day_starts_at"]("2021-03-24") == "2021-03-24T00:00:00+07:00"
    with pytest.raises(ValueError, match="before it starts"):
        fns["reception_days_between"]("2021-04-07", "2021-03-24")


def test_suspension_is_allowed_by_the_date_of_the_act_and_its_notice_counts_working_days(fns: dict) -> None:
    assert fns["allowed_on"]("suspension", "2026-06-30") is False
    assert fns["allowed_on"]("suspension", "2026-07-01") is True
    # Mẫu 14a issued Thu 30/07/2026: Fri 31/07, Mon 03/08, Tue 04/08 (the weekend is not counted),
    # whatever regime the case itself was received under (rules.md §1.4).
    assert fns["suspension_notice_deadline_for"]("2026-07-30", "2021") == "2026-08-04"
    with pytest.raises(ValueError, match="no suspension"):
        fns["suspension_notice_deadline_for"]("2021-03-30")


def test_termination_notice_is_due_in_3_working_days_only_for_decisions_from_july_2026(fns: dict) -> None:
    assert fns["termination_notice_deadline_for"]("2026-06-30") is None
    # Issued Thu 27/08/2026: Fri 28/08 is the first working day; Mon 31/08 (swapped with Sat 22/08),
    # Tue 01/09 and Wed 02/09 (National Day) are off; then Thu 03/09 and Fri 04/09.
    assert fns["termination_notice_deadline_for"]("2026-08-27") == "2026-09-04"
    assert fns["form_for"]("termination", "2026-06-30").startswith("Mẫu số 12-KN")
    assert fns["form_for"]("termination", "2026-07-01").startswith("Mẫu số 14a")
    assert fns["termination_grounds"]("2026-06-30") == ["withdrawal"]
    assert "complainant_died" in fns["termination_grounds"]("2026-07-01")


def test_script_functions_compute_case_a_as_iso_strings(fns: dict) -> None:
    assert fns["filing_deadline_for"]("2021-01-12", False, None) == "2021-02-17"
    assert fns["acceptance_deadline_for"]("2021-02-17") == "2021-03-03"
    assert fns["resolution_deadline_for"]("2021-03-01", False, False) == "2021-04-15"
    assert fns["resolution_deadline_for"]("2021-03-01", True, False) == "2021-05-04"
    assert fns["resolution_deadline_for"]("2021-03-01", True, True) == "2021-05-10"
    assert fns["decision_deadline_for"]("2021-04-09") == "2021-04-14"
    assert fns["sending_deadline_for"]("2021-04-14") == "2021-04-22"
    assert fns["publication_deadline_for"]("2021-04-14") == "2021-04-29"


def test_the_generic_deadline_function_counts_any_rule_of_the_regime_by_hand_worked_examples(fns: dict) -> None:
    # 2021: acceptance, 10 working days from Wed 17/02/2021 (after Tết): 18, 19, 22–26/02, 01–03/03 → 03/03
    assert fns["deadline_for"]("acceptance", "2021-02-17") == "2021-03-03"
    # decision, 3 working days from the report received Fri 09/04/2021: Mon 12, Tue 13, Wed 14/04
    assert fns["deadline_for"]("decision", "2021-04-09") == fns["decision_deadline_for"]("2021-04-09") == "2021-04-14"
    # the 2026 regime: acceptance in 7 working days from Wed 15/07/2026: 16, 17, 20–24/07 → Fri 24/07
    assert fns["deadline_for"]("acceptance", "2026-07-15", "2026-07") == "2026-07-24"
    for key, start in (("sending", "2021-04-14"), ("publication", "2021-04-14"), ("resolution", "2021-03-01")):
        assert fns["deadline_for"](key, start) == fns[f"{key}_deadline_for"](*(
            (start, False, False) if key == "resolution" else (start,)))


def test_the_generic_deadline_function_refuses_a_rule_the_regime_lacks(fns: dict) -> None:
    with pytest.raises(ValueError, match="no deadline rule 'suspension_notice'"):
        fns["deadline_for"]("suspension_notice", "2021-03-01", "2021")  # no suspension before 2026
    with pytest.raises(ValueError, match="no deadline rule 'acceptence'"):
        fns["deadline_for"]("acceptence", "2021-03-01")
    with pytest.raises(ValueError, match="unknown deadline regime"):
        fns["deadline_for"]("acceptance", "2021-03-01", "1999")


def test_every_deadline_variable_is_labelled_and_its_rules_exist_in_some_regime() -> None:
    assert set(DEADLINE_LABELS) == set(DEADLINE_VARIABLES)
    assert all(label.startswith("Hạn ") for label in DEADLINE_LABELS.values())
    known = {key for rules in REGIMES.values() for key in rules}
    assert {key for keys in DEADLINE_VARIABLES.values() for key in keys} <= known


def test_script_filing_deadline_adds_merged_obstacle_periods(fns: dict) -> None:
    periods = [{"from": "2021-01-20", "to": "2021-01-25"}, {"from": "2021-01-23", "to": "2021-01-29"}]
    assert fns["filing_deadline_for"]("2021-01-12", False, periods) == "2021-02-22"
    assert fns["filing_deadline_for"]("2021-01-12", False, []) == "2021-02-17"
    assert fns["filing_deadline_for"]("2021-01-12", True, None) == "2021-02-26"


def test_script_day_helpers_take_strings_or_dates(fns: dict) -> None:
    assert fns["add_days"]("2021-04-14", 7) == "2021-04-22"
    assert fns["add_days"](date(2021, 4, 14), 7) == "2021-04-22"
    assert fns["add_working_days"]("2026-01-09", 1) == "2026-01-10"
    assert fns["is_working_day"]("2026-01-10") is True
    assert fns["is_working_day"]("2026-01-02") is False
    assert fns["days_between"]("2021-02-17", "2021-03-03") == 14
    assert fns["days_between"]("2021-03-03", "2021-02-17") == -14


@pytest.mark.parametrize(
    "bad", ["17/02/2021", "2021-02-30", "20210217", "", None, 20210217, datetime(2021, 2, 17)]
)
def test_script_functions_reject_a_value_that_is_not_a_date_naming_it(fns: dict, bad: object) -> None:
    with pytest.raises(ValueError, match="expected a date") as info:
        fns["acceptance_deadline_for"](bad)
    assert repr(bad) in str(info.value)


def test_script_functions_reject_non_boolean_flags(fns: dict) -> None:
    with pytest.raises(ValueError, match="remote_area must be true or false, got 'false'"):
        fns["filing_deadline_for"]("2021-01-12", "false", None)
    with pytest.raises(ValueError, match="complex_case must be true or false, got 1"):
        fns["resolution_deadline_for"]("2021-03-01", 1, False)


def test_script_add_days_rejects_a_non_integer_count(fns: dict) -> None:
    with pytest.raises(ValueError, match="non-negative integer, got '30'"):
        fns["add_days"]("2021-04-14", "30")


# --- regime 2026-07 (Law 136/2025/QH15, Decree 155/2026/NĐ-CP) --------------------------------

def test_petition_received_15_july_2026_gets_regime_2026_07_and_7_working_days_to_24_july(fns: dict) -> None:
    # Wed 15/07 -> Thu 16, Fri 17, Mon 20, Tue 21, Wed 22, Thu 23, Fri 24 (no July holiday).
    regime = fns["regime_for"]("2026-07-15")
    assert regime == "2026-07"
    assert fns["acceptance_deadline_for"]("2026-07-15", regime) == "2026-07-24"


def test_petition_received_30_june_2026_keeps_regime_2021_and_10_working_days_to_14_july(fns: dict) -> None:
    # Tue 30/06 -> 01, 02, 03, 06, 07, 08, 09, 10, 13, 14 July.
    regime = fns["regime_for"]("2026-06-30")
    assert regime == "2021"
    assert fns["acceptance_deadline_for"]("2026-06-30", regime) == "2026-07-14"


def test_regime_argument_overrides_the_wired_regime(fns: dict) -> None:
    assert fns["acceptance_deadline_for"]("2026-07-15") == "2026-07-29"  # wired 2021: 10 working days
    assert fns["acceptance_deadline_for"]("2026-07-15", None) == "2026-07-29"
    assert fns["acceptance_deadline_for"]("2026-07-15", "2026-07") == "2026-07-24"
    assert fns["acceptance_deadline_for"]("2026-07-15", regime="2026-07") == "2026-07-24"


def test_script_functions_wired_to_2026_07_use_it_by_default(cal: LegalCalendar) -> None:
    assert script_functions(cal, regime="2026-07")["acceptance_deadline_for"]("2026-07-15") == "2026-07-24"


def test_acceptance_2026_07_across_national_day_ends_9_september_2026(cal: LegalCalendar) -> None:
    # Wed 26/08 -> Thu 27, Fri 28; 29-30 weekend, 31/08-02/09 off; Thu 03, Fri 04, Mon 07, Tue 08, Wed 09.
    assert acceptance_deadline(cal, d("2026-08-26"), regime="2026-07") == d("2026-09-09")


@pytest.mark.parametrize(
    ("received_on", "regime"),
    [("2026-07-01", "2026-07"), ("2026-06-30", "2021"), ("2030-01-01", "2026-07"),
     ("2021-01-01", "2021"), ("2020-12-31", "2021")],
)
def test_regime_for_starts_2026_07_on_1_july_2026_and_2021_covers_everything_before(
    received_on: str, regime: str
) -> None:
    assert regime_for(received_on) == regime
    assert regime_for(d(received_on)) == regime


def test_regime_for_rejects_a_value_that_is_not_a_date() -> None:
    with pytest.raises(ValueError, match="expected a date"):
        regime_for("01/07/2026")


def test_every_regime_has_a_start_date() -> None:
    assert set(REGIME_STARTS) == set(REGIMES) == {"2021", "2026-07"}


def test_case_a_dates_unchanged_when_the_2021_regime_is_passed_explicitly(fns: dict) -> None:
    regime = fns["regime_for"]("2021-02-17")
    assert regime == "2021"
    assert fns["filing_deadline_for"]("2021-01-12", False, None, regime) == "2021-02-17"
    assert fns["acceptance_deadline_for"]("2021-02-17", regime) == "2021-03-03"
    assert fns["resolution_deadline_for"]("2021-03-01", False, False, regime) == "2021-04-15"
    assert fns["resolution_deadline_for"]("2021-03-01", True, False, regime) == "2021-05-04"
    assert fns["resolution_deadline_for"]("2021-03-01", True, True, regime) == "2021-05-10"
    assert fns["decision_deadline_for"]("2021-04-09", regime) == "2021-04-14"
    assert fns["sending_deadline_for"]("2021-04-14", regime) == "2021-04-22"
    assert fns["publication_deadline_for"]("2021-04-14", regime) == "2021-04-29"


def test_2026_07_keeps_the_other_case_a_counts(fns: dict) -> None:
    assert fns["filing_deadline_for"]("2021-01-12", False, None, "2026-07") == "2021-02-17"
    assert fns["resolution_deadline_for"]("2021-03-01", True, False, "2026-07") == "2021-05-04"
    assert fns["decision_deadline_for"]("2021-04-09", "2026-07") == "2021-04-14"
    assert fns["sending_deadline_for"]("2021-04-14", "2026-07") == "2021-04-22"
    assert fns["publication_deadline_for"]("2021-04-14", "2026-07") == "2021-04-29"


@pytest.mark.parametrize(
    ("key", "days", "unit"),
    [
        ("filing", 30, "calendar"), ("filing_remote", 45, "calendar"), ("acceptance", 7, "working"),
        ("resolution", 45, "calendar"), ("resolution_complex", 60, "calendar"),
        ("resolution_remote", 60, "calendar"), ("resolution_remote_complex", 70, "calendar"),
        ("decision", 3, "working"), ("sending", 7, "calendar"), ("publication", 15, "calendar"),
        ("dialogue_notice", 5, "calendar"), ("suspension_notice", 3, "working"),
    ],
)
def test_2026_07_regime_rule_lengths_and_units(key: str, days: int, unit: str) -> None:
    rule = REGIMES["2026-07"][key]
    assert (rule.days, rule.unit) == (days, unit)
    assert rule.basis.strip() and rule.name.strip()


def test_2026_07_rules_cite_decree_155() -> None:
    rules = REGIMES["2026-07"]
    assert "Điều 10 Nghị định 155/2026/NĐ-CP" in rules["acceptance"].basis
    assert "Khoản 1 Điều 16 Nghị định 124/2020/NĐ-CP" in rules["acceptance"].basis
    assert "Điều 28 Nghị định 124/2020/NĐ-CP" in rules["dialogue_notice"].basis
    assert "Điều 28b" in rules["suspension_notice"].basis
    assert "Điều 37 Luật Khiếu nại 2011" in rules["resolution"].basis


@pytest.mark.parametrize("regime", ["2021", "2026-07"])
def test_the_provincial_decision_rule_is_a_sourced_unverified_entry(regime: str) -> None:
    assert "[chưa kiểm chứng]" not in REGIMES[regime]["decision"].basis
    assert any(entry.endswith(": decision") for entry, _ in REGIME_DATA[regime].unverified) or regime != "2021"
    assert any("seeds/003" in source for _, source in REGIME_DATA["2021"].unverified)


def test_deadline_rules_returns_a_copy_of_one_regime() -> None:
    rules = deadline_rules("2026-07")
    assert rules == REGIMES["2026-07"]
    rules.pop("acceptance")
    assert "acceptance" in REGIMES["2026-07"]
    assert "dialogue_notice" not in deadline_rules("2021")


# --- overdue_at, deadline_basis, dialogue notice ---------------------------------------------

def test_overdue_at_is_midnight_vietnam_after_the_last_day(fns: dict) -> None:
    assert overdue_at("2021-03-03") == "2021-03-04T00:00:00+07:00"
    assert fns["overdue_at"]("2021-03-03") == "2021-03-04T00:00:00+07:00"
    assert overdue_at(d("2026-12-31")) == "2027-01-01T00:00:00+07:00"


def test_deadline_basis_gives_each_deadline_variable_its_rule(fns: dict) -> None:
    basis = deadline_basis("2026-07")
    assert set(basis) == {
        "filing_deadline", "acceptance_deadline", "resolution_deadline",
        "decision_deadline", "sending_deadline", "publication_deadline", "suspension_notice_deadline",
    }
    assert "suspension_notice_deadline" not in deadline_basis("2021")  # no suspension before 07/2026
    acceptance = basis["acceptance_deadline"]
    assert acceptance["days"] == 7
    assert (acceptance["unit"], acceptance["regime"]) == ("working", "2026-07")
    assert "Nghị định 155/2026/NĐ-CP" in acceptance["basis"]
    assert fns["deadline_basis"]("2026-07") == basis
    assert fns["deadline_basis"]()["acceptance_deadline"]["days"] == 10


def test_deadline_basis_for_resolution_is_45_days_and_names_60_and_70() -> None:
    resolution = deadline_basis("2021")["resolution_deadline"]
    assert (resolution["days"], resolution["unit"]) == (45, "calendar")
    assert "Điều 37 Luật Khiếu nại 2011" in resolution["basis"]
    assert "60 ngày" in resolution["basis"] and "70 ngày" in resolution["basis"]
    assert "45 ngày" in deadline_basis("2021")["filing_deadline"]["basis"]


def test_dialogue_notice_5_days_before_is_enough_4_is_not_in_2026_07(fns: dict) -> None:
    assert dialogue_notice_ok("2026-08-03", "2026-08-08", "2026-07") is True
    assert dialogue_notice_ok("2026-08-03", "2026-08-07", "2026-07") is False
    assert fns["dialogue_notice_ok"]("2026-08-03", "2026-08-08", "2026-07") is True
    assert fns["dialogue_notice_ok"]("2026-08-03", "2026-08-07", "2026-07") is False


def test_dialogue_notice_has_no_minimum_in_2021(fns: dict) -> None:
    assert dialogue_notice_ok("2021-04-06", "2021-04-06", "2021") is True
    assert fns["dialogue_notice_ok"]("2021-04-05", "2021-04-06") is True


# --- unknown regimes ----------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["2030", "", None, ["2021"], 2021])
def test_pure_functions_refuse_an_unknown_regime(bad: object) -> None:
    for call in (
        lambda: deadline_rules(bad),  # type: ignore[arg-type]
        lambda: deadline_basis(bad),  # type: ignore[arg-type]
        lambda: dialogue_notice_ok("2026-08-03", "2026-08-08", bad),  # type: ignore[arg-type]
    ):
        with pytest.raises(ValueError, match="unknown deadline regime"):
            call()


@pytest.mark.parametrize("bad", ["2030", "2026", ["2026-07"], 2026])
def test_script_deadline_functions_refuse_an_unknown_regime_naming_it(fns: dict, bad: object) -> None:
    calls = {
        "filing_deadline_for": ("2026-07-15", False, None, bad),
        "acceptance_deadline_for": ("2026-07-15", bad),
        "resolution_deadline_for": ("2026-07-15", False, False, bad),
        "decision_deadline_for": ("2026-07-15", bad),
        "sending_deadline_for": ("2026-07-15", bad),
        "publication_deadline_for": ("2026-07-15", bad),
        "deadline_basis": (bad,),
    }
    for name, args in calls.items():
        with pytest.raises(ValueError, match=r"unknown deadline regime .*known: \['2021', '2026-07'\]") as info:
            fns[name](*args)
        assert repr(bad) in str(info.value), name


def test_the_guidance_letter_cites_the_text_in_force_on_its_day(fns: dict) -> None:
    assert fns["handling_basis"]("2021-02-18").startswith("Điều 8 Thông tư 07/2014/TT-TTCP")
    assert fns["handling_basis"]("2021-11-14").startswith("Điều 8 Thông tư 07/2014/TT-TTCP")
    assert fns["handling_basis"]("2021-11-15").startswith("Thông tư 05/2021/TT-TTCP")
