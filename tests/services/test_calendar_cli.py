"""Calendar overrides are kept in the database, edited with the CLI, audited, and used at once."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from app.clock import FrozenClock
from app.persistence.models import CalendarChange
from app.services import cases
from app.services.runtime import Runtime
from app.services.users import authenticate_password
from tests import cases as payloads
from tests.conftest import vn


def _acceptance_deadline(rt: Runtime) -> str:
    reception = authenticate_password(rt, "reception", "demo")
    change = cases.start_case(rt, reception, "complaint_second_level", payloads.petition())
    view = cases.get_case(rt, reception, change.instance.id)
    return str(view.data["acceptance_deadline"])


def test_calendar_cli_lists_adds_and_removes_overrides_and_deadlines_follow(app: Flask, rt: Runtime) -> None:
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["calendar", "list"])
    assert listing.exit_code == 0 and "2026-01-02  day_off" in listing.output
    assert _acceptance_deadline(rt) == "2021-03-03"
    added = runner.invoke(args=["calendar", "add", "2021-02-26", "day_off", "--reason", "Nghỉ bù (giả định)",
                                "--source", "Công văn 1/UBND (thử nghiệm)", "--actor", "admin"])
    assert added.exit_code == 0, added.output
    assert _acceptance_deadline(rt) == "2021-03-04"  # one working day less in the window
    again = runner.invoke(args=["calendar", "add", "2021-02-26", "day_off", "--reason", "x", "--source", "y"])
    assert again.exit_code != 0
    removed = runner.invoke(args=["calendar", "remove", "2021-02-26", "--source", "Công văn 2/UBND thu hồi"])
    assert removed.exit_code == 0, removed.output
    assert _acceptance_deadline(rt) == "2021-03-03"
    with rt.db.reading() as session:
        changes = [(c.action, c.day.isoformat(), c.source) for c in session.scalars(select(CalendarChange))]
    assert changes == [("added", "2021-02-26", "Công văn 1/UBND (thử nghiệm)"),
                       ("removed", "2021-02-26", "Công văn 2/UBND thu hồi")]


def _acceptance_deadline_2026(rt: Runtime, clock: FrozenClock) -> str:
    """A 2026 petition received on Fri 20/11/2026: its 7 working days straddle 24/11."""
    clock.set(vn(2026, 11, 20))
    first = {**payloads.petition()["first_decision"], "issued_on": "2026-10-28", "received_on": "2026-11-02"}
    reception = authenticate_password(rt, "reception", "demo")
    change = cases.start_case(rt, reception, "complaint_second_level",
                              payloads.petition(received_on="2026-11-20", first_decision=first))
    return str(cases.get_case(rt, reception, change.instance.id).data["acceptance_deadline"])


def test_24_november_is_listed_with_its_source_and_an_admin_makes_it_a_working_day_audited(
        app: Flask, rt: Runtime, clock: FrozenClock) -> None:
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["calendar", "unverified", "--from-year", "2026", "--to-year", "2027"])
    assert listing.exit_code == 0, listing.output
    assert "2026-11-24  day_off      Ngày Văn hóa Việt Nam  (UNVERIFIED [24/11]" in listing.output
    assert "80-NQ/TW" in listing.output and "2027-02-10  day_off      Mùng năm Tết Nguyên Đán  (UNVERIFIED [2027]" \
        in listing.output
    year = runner.invoke(args=["calendar", "list", "--year", "2026"])
    assert "2026-11-24  day_off      Ngày Văn hóa Việt Nam  (UNVERIFIED" in year.output
    assert "2026-01-02  day_off      Nghỉ Tết Dương lịch 2026 (hoán đổi với thứ Bảy 10/01/2026)  (override)" in year.output

    assert _acceptance_deadline_2026(rt, clock) == "2026-12-02"  # Tue 24/11 not counted
    worked = runner.invoke(args=["calendar", "working-day", "2026-11-24", "--reason", "Không có văn bản nghỉ lễ",
                                 "--source", "Công văn 3/UBND (thử nghiệm)", "--actor", "admin"])
    assert worked.exit_code == 0, worked.output
    assert _acceptance_deadline_2026(rt, clock) == "2026-12-01"  # one working day more in the window
    again = runner.invoke(args=["calendar", "working-day", "2026-11-23", "--reason", "x", "--source", "y"])
    assert again.exit_code == 1 and "đã là ngày làm việc" in again.output
    back = runner.invoke(args=["calendar", "add", "2026-11-24", "day_off", "--replace", "--reason", "Ngày Văn hóa Việt Nam",
                               "--source", "Bộ luật Lao động sửa đổi (thử nghiệm)"])
    assert back.exit_code == 0, back.output
    assert _acceptance_deadline_2026(rt, clock) == "2026-12-02"
    with rt.db.reading() as session:
        changes = [(c.action, c.kind, c.source) for c in session.scalars(select(CalendarChange).order_by(CalendarChange.id))]
    assert changes == [("added", "working_day", "Công văn 3/UBND (thử nghiệm)"),
                       ("removed", "working_day", "Bộ luật Lao động sửa đổi (thử nghiệm)"),
                       ("added", "day_off", "Bộ luật Lao động sửa đổi (thử nghiệm)")]


def test_an_announced_2027_schedule_is_confirmed_leaving_24_november_for_its_own_text(app: Flask, rt: Runtime) -> None:
    runner = app.test_cli_runner()
    confirmed = runner.invoke(args=["calendar", "confirm", "--year", "2027", "--source", "Thông báo lịch nghỉ 2027"])
    assert confirmed.exit_code == 0, confirmed.output
    assert "confirmed 2027-02-04 29 Tết" in confirmed.output and "confirmed 2027-11-24" not in confirmed.output
    assert "left 2027-11-24 Ngày Văn hóa Việt Nam" in confirmed.output
    pending = runner.invoke(args=["calendar", "unverified", "--from-year", "2027", "--to-year", "2027"])
    assert [line.split()[0] for line in pending.output.splitlines()[:-1]] == ["2027-11-24"]
    one = runner.invoke(args=["calendar", "confirm", "2027-11-24", "--source", "Văn bản thử nghiệm"])
    assert one.exit_code == 0 and "confirmed 2027-11-24 Ngày Văn hóa Việt Nam" in one.output
    twice = runner.invoke(args=["calendar", "confirm", "2027-11-24", "--source", "Văn bản thử nghiệm"])
    assert twice.exit_code == 1 and "không phải ngày nghỉ ước tính" in twice.output
    assert runner.invoke(args=["calendar", "confirm", "--source", "x"]).exit_code == 2  # neither days nor --year
    with rt.db.reading() as session:
        actions = {c.action for c in session.scalars(select(CalendarChange))}
    assert actions == {"confirmed"}
