"""A 2026 case suspended and resumed on the test clock, with the worker running every night.

The law's clock stops while the case is suspended and, from the resumption decision, runs on with the
days not yet used (a case suspended after its limit ran out gets none back); each deadline that then
passes is escalated once — the resolution deadline after the resumption as well as the first.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.clock import FrozenClock
from app.errors import FormValidationError
from app.persistence import queries
from app.persistence.models import AuditEvent, Instance
from app.services import cases
from app.services.runtime import Runtime
from app.services.users import authenticate_password
from tests import cases as payloads
from tests.conftest import vn
from tests.services.test_case_a_deadlines import Desk


def test_a_suspended_case_is_escalated_once_per_deadline_and_never_while_suspended(
        rt: Runtime, clock: FrozenClock) -> None:
    clock.set(vn(2026, 7, 15, 9))
    desk = Desk(rt, clock, payloads.petition_2026())
    for day, (bpmn_id, role, payload) in zip(
            (date(2026, 7, 20), date(2026, 7, 21), date(2026, 7, 24), date(2026, 8, 3), date(2026, 8, 5)),
            payloads.PATH_2026[:5], strict=True):
        desk.act(day, bpmn_id, role, payload())
    desk.nights_until(date(2026, 9, 4))
    assert desk.escalations() == [
        ("decision_overdue", "2026-08-10", "2026-08-11"),    # 3 working days from the report of Wed 05/08
        ("resolution_overdue", "2026-09-03", "2026-09-04"),  # 45 days from the acceptance of 20/07
    ]

    desk.message(date(2026, 9, 7), "suspension", payloads.suspension("2026-09-07"))
    desk.act(date(2026, 9, 8), "send_suspension_notice", "resolver", payloads.suspension_notice("2026-09-08"))
    desk.nights_until(date(2026, 9, 13))
    assert len(desk.escalations()) == 2  # nothing runs while suspended

    desk.message(date(2026, 9, 14), "resumption", payloads.resumption("2026-09-14"))
    view = cases.get_case(rt, authenticate_password(rt, "resolver", "demo"), desk.instance_id)
    # 21/07–06/09 ran before the suspension: 48 days, more than the 45 of the limit, so none are left and
    # the limit ends on the day of the resumption itself (Mon 14/09).
    assert (view.deadlines["resolution_deadline"], view.deadlines["decision_deadline"]) == ("2026-09-14", "2026-09-17")
    assert [t.bpmn_id for t in view.tasks] == ["issue_decision"]

    desk.act(date(2026, 10, 30), "issue_decision", "resolver", payloads.decision("2026-10-30"))
    desk.act(date(2026, 11, 2), "send_decision", "clerk", payloads.sending("2026-11-02"))
    desk.act(date(2026, 11, 3), "publish_decision", "clerk", payloads.publication("2026-11-03"))
    desk.nights_until(date(2026, 12, 31))
    assert desk.escalations() == [
        ("decision_overdue", "2026-08-10", "2026-08-11"),
        ("resolution_overdue", "2026-09-03", "2026-09-04"),
        ("resolution_overdue", "2026-09-14", "2026-09-15"),  # no days were left at the resumption
        ("decision_overdue", "2026-09-17", "2026-09-18"),    # 3 working days from the resumption of Mon 14/09
    ]
    with rt.db.reading() as session:
        actions = [e.action for e in queries.audit_events(session, desk.instance_id)]
    assert actions.count("message_received") == 2
    assert cases.get_case(rt, authenticate_password(rt, "auditor", "demo"), desk.instance_id).data["outcome"] == "resolved"


def test_suspending_a_2021_case_is_refused_and_changes_nothing(rt: Runtime, clock: FrozenClock) -> None:
    desk = Desk(rt, clock)
    desk.act(date(2021, 3, 1), "review_acceptance", "resolver", payloads.acceptance())

    def snapshot() -> tuple[int, str, int]:
        with rt.db.reading() as session:
            instance = session.get(Instance, desk.instance_id)
            assert instance is not None
            events = session.scalars(select(AuditEvent).where(AuditEvent.instance_id == desk.instance_id)).all()
            return instance.version, instance.state, len(events)

    before = snapshot()
    with pytest.raises(FormValidationError) as refused:
        desk.message(date(2021, 3, 10), "suspension", payloads.suspension("2021-03-10"))
    assert "Điều 11a" in refused.value.fields["issued_on"]
    assert snapshot() == before
