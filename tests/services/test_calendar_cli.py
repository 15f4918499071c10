"""Calendar overrides are kept in the database, edited with the CLI, audited, and used at once."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from app.persistence.models import CalendarChange
from app.services import cases
from app.services.runtime import Runtime
from app.services.users import authenticate_password
from tests import cases as payloads


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
