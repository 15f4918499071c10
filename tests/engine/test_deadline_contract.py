"""Each escalation declares the case variable holding the deadline it watches; deploy refuses a broken contract."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.clock import FrozenClock
from app.engine import compile_process
from app.errors import DiagramError
from app.persistence.models import AuditEvent, Escalation
from app.services import deploy, timers
from app.services.deploy import read_sources
from app.services.runtime import Runtime
from tests.conftest import vn
from tests.services.timer_demo import ANALYST, start_timer_demo
from tests.services.timer_demo import _files as timer_demo_files
from tests.web.helpers import sign_in

ROOT = Path(__file__).resolve().parents[2]
BPMN = "processes/complaint_second_level/complaint_second_level.bpmn"
DEMO = "processes/timer_demo/timer_demo.bpmn"
SENDING = '<spiffworkflow:property name="deadlineVariable" value="sending_deadline" />'


def _files() -> dict[str, str]:
    return read_sources(ROOT / "processes", ROOT / "forms", "complaint_second_level")


def _refused(files: dict[str, str]) -> DiagramError:
    with pytest.raises(DiagramError) as caught:
        compile_process("complaint_second_level", files)
    return caught.value


def test_each_escalation_of_the_repository_names_the_variable_holding_its_deadline() -> None:
    complaint = compile_process("complaint_second_level", _files())
    assert complaint.escalation_deadlines == {
        "acceptance_overdue": "acceptance_deadline", "resolution_overdue": "resolution_deadline",
        "decision_overdue": "decision_deadline", "sending_overdue": "sending_deadline",
        "publication_overdue": "publication_deadline", "suspension_notice_overdue": "suspension_notice_deadline",
        "termination_notice_overdue": "termination_notice_deadline",
    }
    assert set(complaint.escalation_deadlines) == set(complaint.escalation_names)
    plan = compile_process("na_session_reception", read_sources(ROOT / "processes", ROOT / "forms", "na_session_reception"))
    assert plan.escalation_deadlines == {"unit_report_overdue": "unit_report_deadline"}


def test_refuses_an_escalation_that_does_not_declare_its_deadline_variable() -> None:
    files = _files()
    assert SENDING in files[BPMN]
    files[BPMN] = files[BPMN].replace(SENDING, '<spiffworkflow:property name="note" value="x" />')
    error = _refused(files)
    assert error.details["element"] == "esc_sending_overdue"
    assert "sending_overdue" in error.message and "deadlineVariable" in error.message


def test_refuses_an_escalation_watching_a_variable_no_script_or_form_produces() -> None:
    files = _files()
    files[BPMN] = files[BPMN].replace(SENDING, SENDING.replace("sending_deadline", "sent_deadline"))
    error = _refused(files)
    assert (error.details["element"], error.details["variable"]) == ("esc_sending_overdue", "sent_deadline")
    assert "sending_overdue" in error.message and "sent_deadline" in error.message


def test_refuses_an_escalation_event_naming_an_escalation_that_does_not_exist() -> None:
    files = _files()
    ref = 'escalationRef="esc_sending_overdue"'
    assert files[BPMN].count(ref) == 1
    files[BPMN] = files[BPMN].replace(ref, 'escalationRef="esc_sent_overdue"')
    error = _refused(files)
    assert (error.details["element"], error.details["escalation"]) == ("sending_overdue_raised", "esc_sent_overdue")
    assert "sending_overdue_raised" in error.message and "esc_sent_overdue" in error.message


def test_refuses_a_throw_event_that_names_no_escalation() -> None:
    files = _files()
    files[BPMN] = files[BPMN].replace(' escalationRef="esc_sending_overdue"', "")
    error = _refused(files)
    assert error.details["element"] == "sending_overdue_raised"


def test_a_variable_renamed_everywhere_in_the_diagram_deploys_under_its_new_name() -> None:
    files = _files()
    files[BPMN] = files[BPMN].replace("publication_deadline", "publishing_limit")
    compiled = compile_process("complaint_second_level", files)
    assert compiled.escalation_deadlines["publication_overdue"] == "publishing_limit"


def test_a_deadline_asked_by_a_form_or_assigned_by_unpacking_is_produced() -> None:
    files = timer_demo_files()
    assert compile_process("timer_demo", files).escalation_deadlines == {"demo_overdue": "demo_deadline"}
    files[DEMO] = files[DEMO].replace('value="demo_deadline"/></spiffworkflow:properties>\n    </bpmn:extensionElements>\n'
                                      '  </bpmn:escalation>', 'value="late_on"/></spiffworkflow:properties>\n'
                                      '    </bpmn:extensionElements>\n  </bpmn:escalation>')
    with pytest.raises(DiagramError, match="late_on"):
        compile_process("timer_demo", files)
    files[DEMO] = files[DEMO].replace(
        '<bpmn:sequenceFlow id="f2" sourceRef="handle" targetRef="done"/>',
        '<bpmn:sequenceFlow id="f2" sourceRef="handle" targetRef="s"/><bpmn:scriptTask id="s" name="Tính">'
        '<bpmn:script>note, late_on = "x", demo_deadline</bpmn:script></bpmn:scriptTask>'
        '<bpmn:sequenceFlow id="f2b" sourceRef="s" targetRef="done"/>')
    assert compile_process("timer_demo", files).escalation_deadlines == {"demo_overdue": "late_on"}


def test_the_escalation_page_shows_the_declared_deadline_whatever_the_code_is_called(
        client: FlaskClient, rt: Runtime, clock: FrozenClock) -> None:
    files = timer_demo_files()
    files[DEMO] = files[DEMO].replace('escalationCode="demo_overdue"', 'escalationCode="demo_late"')
    assert deploy.deploy(rt, ANALYST, "timer_demo", files).created
    instance_id = start_timer_demo(rt, "2021-03-03")
    clock.set(vn(2021, 3, 8))
    timers.run_worker(rt, "test", until_idle=True)
    with rt.db.reading() as session:
        rows = session.scalars(select(Escalation).where(Escalation.instance_id == instance_id)).all()
        audit = session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id,
                                                         AuditEvent.action == "escalation_raised")).all()
        assert [(e.code, e.deadline.isoformat() if e.deadline else None) for e in rows] == [("demo_late", "2021-03-03")]
        assert [json.loads(event.data).get("demo_deadline") for event in audit] == ["2021-03-03"]
    sign_in(client, "inspectorate")
    page = client.get("/escalations").get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Quá hạn xử lý (thử nghiệm)" in text and "03/03/2021" in text and "Quá hạn 5 ngày" in text


def test_a_version_deployed_before_the_contract_still_loads_its_cases_under_the_old_convention() -> None:
    """Cases in flight on a stored deployment without declarations keep their escalation dates."""
    files = _files()
    files[BPMN] = re.sub(r'<spiffworkflow:property name="deadlineVariable" value="[^"]+" />', "", files[BPMN])
    assert _refused(files).details["escalation"]  # a new deployment must declare
    stored = compile_process("complaint_second_level", files, check_forms=False)
    assert stored.escalation_deadlines["sending_overdue"] == "sending_deadline"
    assert stored.escalation_deadlines == compile_process("complaint_second_level", _files()).escalation_deadlines
