"""Case A of domain.md §5 on the test clock, with the timer worker running every night.

Handled on time, the law implies no escalation; handled late at four steps, exactly those four,
each once, on the day after its deadline.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from app.clock import FrozenClock, local_date
from app.errors import FormValidationError
from app.persistence import queries
from app.persistence.models import Escalation
from app.services import cases, tasks, timers
from app.services.runtime import Runtime
from app.services.users import authenticate_password
from tests import cases as payloads
from tests.conftest import vn

# Case A handled on time: each step on its day (domain.md §5), with its officer and payload.
CASE_A_ON_TIME: tuple[tuple[date, str, str, Callable[[], dict[str, Any]]], ...] = (
    (date(2021, 3, 1), "review_acceptance", "resolver", lambda: payloads.acceptance(issued_on="2021-03-01")),
    (date(2021, 3, 2), "assign_verification", "resolver", payloads.assignment),
    (date(2021, 3, 15), "verify_complaint", "verifier", payloads.verification),
    (date(2021, 4, 6), "record_dialogue", "verifier", payloads.dialogue),
    (date(2021, 4, 9), "submit_verification_report", "verifier", lambda: payloads.report("2021-04-09")),
    (date(2021, 4, 14), "issue_decision", "resolver", lambda: payloads.decision("2021-04-14")),
    (date(2021, 4, 16), "send_decision", "clerk", payloads.sending),
    (date(2021, 4, 19), "publish_decision", "clerk", payloads.publication),
)


class Desk:
    """The officers of Case A, and a worker that runs at 00:30 every night until each action."""

    def __init__(self, rt: Runtime, clock: FrozenClock, petition: dict[str, Any] | None = None) -> None:
        self.rt, self.clock = rt, clock
        reception = authenticate_password(rt, "reception", "demo")
        self.instance_id = cases.start_case(rt, reception, "complaint_second_level",
                                            petition or payloads.petition()).instance.id

    def nights_until(self, day: date) -> None:
        current = local_date(self.clock.now())
        while current < day:
            current += timedelta(days=1)
            self.clock.set(vn(current.year, current.month, current.day, 7) - timedelta(hours=6, minutes=30))
            timers.run_worker(self.rt, "night-worker", until_idle=True)
        self.clock.set(vn(day.year, day.month, day.day, 9))

    def act(self, day: date, bpmn_id: str, role: str, payload: dict[str, Any]) -> None:
        self.nights_until(day)
        with self.rt.db.reading() as session:
            rows = [t for t in queries.instance_tasks(session, self.instance_id) if t.bpmn_id == bpmn_id]
        assert rows, f"{bpmn_id} is not waiting on {day}"
        tasks.complete_task(self.rt, authenticate_password(self.rt, role, "demo"), rows[0].id, payload)

    def message(self, day: date, name: str, payload: dict[str, Any]) -> None:
        self.nights_until(day)
        cases.deliver_message(self.rt, authenticate_password(self.rt, "resolver", "demo"), self.instance_id, name, payload)

    def carry(self, until: str | None = None) -> None:
        """Case A handled on time, step by step on its own days, up to (not including) the step ``until``."""
        for day, bpmn_id, role, payload in CASE_A_ON_TIME:
            if bpmn_id == until:
                return
            self.act(day, bpmn_id, role, payload())

    def escalations(self) -> list[tuple[str, str, str]]:
        with self.rt.db.reading() as session:
            rows = session.scalars(select(Escalation).where(Escalation.instance_id == self.instance_id)
                                   .order_by(Escalation.raised_at)).all()
            return [(e.code, e.deadline.isoformat() if e.deadline else "", local_date(e.raised_at).isoformat())
                    for e in rows]


def _with(payload: Callable[..., dict[str, Any]], key: str, field: str, value: str, **kwargs: Any) -> dict[str, Any]:
    data = payload(**kwargs)
    data[key][field] = value
    return data


def test_case_a_handled_on_time_raises_no_escalation(rt: Runtime, clock: FrozenClock) -> None:
    desk = Desk(rt, clock)
    desk.carry()
    desk.nights_until(date(2021, 6, 30))
    assert desk.escalations() == []
    assert timers.next_due(rt) is None


def test_case_a_handled_late_raises_exactly_the_four_escalations_the_law_implies(
        rt: Runtime, clock: FrozenClock) -> None:
    desk = Desk(rt, clock)
    desk.act(date(2021, 3, 5), "review_acceptance", "resolver", payloads.acceptance(issued_on="2021-03-05"))
    desk.act(date(2021, 3, 8), "assign_verification", "resolver", payloads.assignment("2021-03-08"))
    desk.act(date(2021, 3, 22), "verify_complaint", "verifier", payloads.verification())
    desk.act(date(2021, 4, 6), "record_dialogue", "verifier", payloads.dialogue())
    desk.act(date(2021, 4, 9), "submit_verification_report", "verifier", payloads.report("2021-04-09"))
    desk.act(date(2021, 4, 20), "issue_decision", "resolver", payloads.decision("2021-04-20"))
    desk.act(date(2021, 4, 28), "send_decision", "clerk", _with(payloads.sending, "sending", "sent_on", "2021-04-28"))
    desk.act(date(2021, 5, 4), "publish_decision", "clerk",
             _with(payloads.publication, "publication", "published_on", "2021-05-04"))
    desk.nights_until(date(2021, 6, 30))
    assert desk.escalations() == [
        ("acceptance_overdue", "2021-03-03", "2021-03-04"),   # 10 working days from 17/02
        ("decision_overdue", "2021-04-14", "2021-04-15"),     # 3 working days from the report of Fri 09/04
        ("resolution_overdue", "2021-04-19", "2021-04-20"),   # 45 days from the acceptance of 05/03
        ("sending_overdue", "2021-04-27", "2021-04-28"),      # 7 days from the decision of 20/04
    ]  # publication on 04/05 is within 15 days of 20/04 (05/05): no escalation


def test_a_case_received_after_1_july_2026_follows_the_2026_counts(rt: Runtime, clock: FrozenClock) -> None:
    clock.set(vn(2026, 7, 15))
    reception = authenticate_password(rt, "reception", "demo")
    first = {**payloads.petition()["first_decision"], "issued_on": "2026-06-25", "received_on": "2026-07-01"}
    change = cases.start_case(rt, reception, "complaint_second_level",
                              payloads.petition(received_on="2026-07-15", first_decision=first))
    view = cases.get_case(rt, reception, change.instance.id)
    assert view.regime == "2026-07"
    assert view.deadlines["acceptance_deadline"] == "2026-07-24"  # 7 working days (Decree 155/2026)
    assert view.deadline_basis["acceptance_deadline"]["days"] == 7
    assert "155/2026" in view.deadline_basis["acceptance_deadline"]["basis"]
    assert view.tasks[0].due_on == date(2026, 7, 24)


def test_a_case_received_before_1_july_2026_keeps_the_2021_counts(rt: Runtime, clock: FrozenClock) -> None:
    clock.set(vn(2026, 6, 30))
    reception = authenticate_password(rt, "reception", "demo")
    first = {**payloads.petition()["first_decision"], "issued_on": "2026-06-10", "received_on": "2026-06-15"}
    change = cases.start_case(rt, reception, "complaint_second_level",
                              payloads.petition(received_on="2026-06-30", first_decision=first))
    view = cases.get_case(rt, reception, change.instance.id)
    assert (view.regime, view.deadlines["acceptance_deadline"]) == ("2021", "2026-07-14")


def test_2026_dialogue_with_short_notice_is_refused_and_nothing_is_saved(rt: Runtime, clock: FrozenClock) -> None:
    clock.set(vn(2026, 7, 15))
    first = {**payloads.petition()["first_decision"], "issued_on": "2026-06-25", "received_on": "2026-07-01"}
    reception = authenticate_password(rt, "reception", "demo")
    instance_id = cases.start_case(rt, reception, "complaint_second_level",
                                   payloads.petition(received_on="2026-07-15", first_decision=first)).instance.id
    steps = [("review_acceptance", "resolver", payloads.acceptance(issued_on="2026-07-20")),
             ("assign_verification", "resolver", payloads.assignment("2026-07-21")),
             ("verify_complaint", "verifier", payloads.verification("2026-07-25"))]
    for bpmn_id, role, payload in steps:
        with rt.db.reading() as session:
            task = queries.instance_tasks(session, instance_id)[0]
        assert task.bpmn_id == bpmn_id
        tasks.complete_task(rt, authenticate_password(rt, role, "demo"), task.id, payload)
    before = cases.get_case(rt, reception, instance_id)
    dialogue = payloads.dialogue()
    dialogue["dialogue"].update(held_on="2026-08-10", notice_sent_on="2026-08-07")
    try:
        tasks.complete_task(rt, authenticate_password(rt, "verifier", "demo"), before.tasks[0].id, dialogue)
    except FormValidationError as refused:
        assert list(refused.fields) == ["dialogue.notice_sent_on"]
    else:
        raise AssertionError("a dialogue noticed 3 days ahead was accepted under the 2026 rules")
    after = cases.get_case(rt, reception, instance_id)
    assert (after.instance.version, after.data, after.tasks[0].id) == (before.instance.version, before.data,
                                                                       before.tasks[0].id)
