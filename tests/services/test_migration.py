"""Moving running cases to a new version: who can move, the move itself, and what is left untouched."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.clock import FrozenClock
from app.errors import EngineError, Forbidden, FormValidationError, NotFound, StaleVersion
from app.persistence import queries
from app.persistence.models import Escalation
from app.services import deploy, migration, tasks, timers, users
from app.services.principal import Principal
from app.services.runtime import Runtime
from tests import cases
from tests.conftest import basic, vn
from tests.migration_versions import (
    NEW_STEP,
    NEW_STEP_NAME,
    VERIFY_NAME,
    advance,
    deploy_migration_version_two,
    ready,
    without_guidance,
)
from tests.versions import ANALYST, PID
from tests.web.helpers import sign_in, start_case

ADMIN = Principal(0, "admin", "Admin", frozenset({"admin"}))


def _citizen(number: str) -> dict[str, str]:
    return {**cases.petition()["complainant"], "id_number": number}


def _snapshot(rt: Runtime, instance_id: int) -> tuple[Any, ...]:
    """Everything a move may change: the row, its state, its waiting tasks, its timer job and its trail."""
    with rt.db.reading() as session:
        instance = queries.instance(session, instance_id)
        assert instance is not None
        rows = sorted((t.id, t.bpmn_id, t.due_on, t.assignee) for t in queries.instance_tasks(session, instance_id))
        job = queries.timer_job(session, instance_id)
        events = len(list(queries.audit_events(session, instance_id)))
        return (instance.deployment_id, instance.version, instance.state, instance.status, instance.audit_head,
                rows, job.due_at if job else None, events)


@pytest.fixture
def three_cases(rt: Runtime) -> dict[str, int]:
    """On version 1: a case waiting for acceptance, one waiting on verification, one past it (at the dialogue)."""
    early = start_case(rt, complainant=_citizen("064000000011"))
    verifying = start_case(rt, complainant=_citizen("064000000012"))
    advance(rt, verifying, "verify_complaint")
    dialogue = start_case(rt, complainant=_citizen("064000000013"))
    advance(rt, dialogue, "record_dialogue")
    return {"early": early, "verifying": verifying, "dialogue": dialogue}


def test_preview_names_the_changed_step_a_case_waits_on_or_did(rt: Runtime, three_cases: dict[str, int]) -> None:
    version = deploy_migration_version_two(rt)

    preview = migration.preview(rt, ANALYST, PID, version, instance_ids=list(three_cases.values()))

    entries = {c.instance_id: c for c in preview.cases}
    early, verifying, dialogue = (entries[three_cases[k]] for k in ("early", "verifying", "dialogue"))
    assert (early.movable, early.reasons, early.from_version) == (True, [], 1)
    assert early.case_number and early.case_number.startswith("KN2-")
    assert verifying.movable is False
    assert verifying.reasons == [f"Bước “{VERIFY_NAME}” (verify_complaint) đang chờ xử lý đã bị thay đổi trong phiên bản 2."]
    assert dialogue.movable is False
    assert dialogue.reasons == [f"Bước “{VERIFY_NAME}” (verify_complaint) đã hoàn thành nhưng đã bị thay đổi trong phiên bản 2."]
    assert preview.more is False and (preview.process_id, preview.to_version) == (PID, 2)


def test_preview_changes_nothing(rt: Runtime, three_cases: dict[str, int]) -> None:
    version = deploy_migration_version_two(rt)
    before = {k: _snapshot(rt, i) for k, i in three_cases.items()}
    migration.preview(rt, ANALYST, PID, version, from_version=1)
    assert {k: _snapshot(rt, i) for k, i in three_cases.items()} == before


def test_a_movable_case_moves_and_then_runs_through_the_new_step(rt: Runtime, three_cases: dict[str, int]) -> None:
    version = deploy_migration_version_two(rt)
    early = three_cases["early"]
    [waiting] = ready(rt, early)

    result = migration.migrate(rt, ANALYST, PID, version, instance_ids=[early])

    assert [(c.instance_id, c.movable, c.from_version) for c in result.moved] == [(early, True, 1)]
    assert result.refused == []
    with rt.db.reading() as session:
        instance = queries.instance(session, early)
        assert instance is not None and instance.deployment.version == 2
        [event] = [e for e in queries.audit_events(session, early) if e.action == "migrated"]
        assert (event.actor, '"from_version":1' in event.data, '"to_version":2' in event.data) == ("analyst", True, True)
    [moved] = ready(rt, early)
    assert (moved.id, moved.bpmn_id, moved.due_on) == (waiting.id, "review_acceptance", waiting.due_on)
    advance(rt, early, "publish_decision")
    clerk = users.authenticate_password(rt, "clerk", "demo")
    tasks.complete_task(rt, clerk, ready(rt, early)[0].id, cases.publication())
    [new_step] = ready(rt, early)
    assert (new_step.bpmn_id, new_step.name, new_step.role) == (NEW_STEP, NEW_STEP_NAME, "clerk")
    change = tasks.complete_task(rt, clerk, new_step.id, {"archived_on": "2021-04-20"})
    assert (change.instance.status, change.instance.outcome) == ("completed", "resolved")


def test_a_refused_case_is_untouched_by_the_move(rt: Runtime, three_cases: dict[str, int]) -> None:
    version = deploy_migration_version_two(rt)
    refused_ids = [three_cases["verifying"], three_cases["dialogue"]]
    before = {i: _snapshot(rt, i) for i in refused_ids}

    result = migration.migrate(rt, ANALYST, PID, version, from_version=1)

    assert {c.instance_id for c in result.moved} == {three_cases["early"]}
    assert {c.instance_id for c in result.refused} == set(refused_ids)
    assert all("verify_complaint" in c.reasons[0] for c in result.refused)
    assert {i: _snapshot(rt, i) for i in refused_ids} == before
    # the refused cases still work on version 1
    verifier = users.authenticate_password(rt, "verifier", "demo")
    tasks.complete_task(rt, verifier, ready(rt, three_cases["verifying"])[0].id, cases.verification())
    assert ready(rt, three_cases["verifying"])[0].bpmn_id == "record_dialogue"


def test_a_version_changing_nothing_the_cases_did_moves_them_all(rt: Runtime, three_cases: dict[str, int]) -> None:
    version = deploy_migration_version_two(rt, rename_verify=False)
    result = migration.migrate(rt, ADMIN, PID, version, from_version=1)
    assert sorted(c.instance_id for c in result.moved) == sorted(three_cases.values()) and result.refused == []
    assert ready(rt, three_cases["dialogue"])[0].bpmn_id == "record_dialogue"
    advance(rt, three_cases["dialogue"], "publish_decision")


def test_the_trail_verifies_and_the_case_page_shows_the_move(app: Flask, client: FlaskClient, rt: Runtime,
                                                              three_cases: dict[str, int]) -> None:
    version = deploy_migration_version_two(rt)
    migration.migrate(rt, ANALYST, PID, version, instance_ids=[three_cases["early"]])

    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    history = client.get(f"/api/instances/{three_cases['early']}/history", headers=basic("auditor")).get_json()
    assert history["chain"]["ok"] is True and "migrated" in [e["action"] for e in history["events"]]
    sign_in(client, "auditor")
    page = client.get(f"/cases/{three_cases['early']}").get_data(as_text=True)
    at = page.index('<p class="what">Chuyển sang phiên bản mới của quy trình</p>')
    shown = page[at:page.index("</li>", at)]
    assert "<dt>Từ phiên bản quy trình</dt><dd><span class=\"text\">1</span></dd>" in shown
    assert "<dt>Sang phiên bản quy trình</dt><dd><span class=\"text\">2</span></dd>" in shown
    assert "from_version" not in page and "to_version" not in page


def test_finished_unknown_and_foreign_cases_are_not_movable(rt: Runtime) -> None:
    guided = start_case(rt, complainant=_citizen("064000000021"), submitted_to="department_head")
    reception = users.authenticate_password(rt, "reception", "demo")
    tasks.complete_task(rt, reception, ready(rt, guided)[0].id, cases.guidance())
    version = deploy_migration_version_two(rt)
    before = _snapshot(rt, guided)

    result = migration.migrate(rt, ANALYST, PID, version, instance_ids=[guided, 999_999, 2**70, -3, 0])

    assert result.moved == []
    reasons = {c.instance_id: c.reasons for c in result.refused}
    assert reasons[guided] == ["Hồ sơ đã kết thúc; hồ sơ đã kết thúc không chuyển phiên bản."]
    for unknown in (999_999, 2**70, -3, 0):
        assert reasons[unknown] == [migration.NOT_FOUND]
        assert [(c.case_number, c.from_version) for c in result.refused if c.instance_id == unknown] == [(None, None)]
    assert _snapshot(rt, guided) == before


def test_a_case_already_on_the_version_is_not_moved_again(rt: Runtime, three_cases: dict[str, int]) -> None:
    version = deploy_migration_version_two(rt)
    migration.migrate(rt, ANALYST, PID, version, instance_ids=[three_cases["early"]])
    again = migration.migrate(rt, ANALYST, PID, version, instance_ids=[three_cases["early"]])
    assert again.moved == [] and again.refused[0].reasons == ["Hồ sơ đã chạy trên phiên bản 2."]


def test_refuses_roles_without_the_right_and_bad_selections(rt: Runtime, three_cases: dict[str, int]) -> None:
    version = deploy_migration_version_two(rt)
    resolver = users.authenticate_password(rt, "resolver", "demo")
    ids = [three_cases["early"]]
    with pytest.raises(Forbidden):
        migration.migrate(rt, resolver, PID, version, instance_ids=ids)
    with pytest.raises(FormValidationError):
        migration.preview(rt, ANALYST, PID, version, instance_ids=ids, from_version=1)
    with pytest.raises(FormValidationError):
        migration.preview(rt, ANALYST, PID, version)
    with pytest.raises(FormValidationError):
        migration.preview(rt, ANALYST, PID, version, instance_ids=list(range(1, 502)))
    with pytest.raises(FormValidationError):
        migration.preview(rt, ANALYST, PID, version, from_version=version)
    with pytest.raises(NotFound, match="không có phiên bản 9"):
        migration.migrate(rt, ANALYST, PID, 9, instance_ids=ids)
    with pytest.raises(NotFound, match="Không tìm thấy quy trình"):
        migration.migrate(rt, ANALYST, "no_such_process", 2, instance_ids=ids)
    assert migration.preview(rt, ANALYST, PID, version, instance_ids=list(range(1, 501))).more is False


def test_the_command_line_previews_then_moves(app: Flask, rt: Runtime, three_cases: dict[str, int]) -> None:
    deploy_migration_version_two(rt)
    runner = app.test_cli_runner()
    before = {k: _snapshot(rt, i) for k, i in three_cases.items()}

    dry = runner.invoke(args=["processes", "migrate", PID, "--to", "2", "--from", "1", "--dry-run"])

    assert dry.exit_code == 1, dry.output
    assert "Xem trước: 1 hồ sơ chuyển được sang phiên bản 2, 2 hồ sơ không." in dry.output
    assert f"#{three_cases['early']}): phiên bản 1 → 2" in dry.output
    assert f"Bước “{VERIFY_NAME}” (verify_complaint) đang chờ xử lý đã bị thay đổi trong phiên bản 2." in dry.output
    assert {k: _snapshot(rt, i) for k, i in three_cases.items()} == before

    moved = runner.invoke(args=["processes", "migrate", PID, "--to", "2", "--case", str(three_cases["early"])])

    assert moved.exit_code == 0, moved.output
    assert "Đã chuyển 1 hồ sơ sang phiên bản 2; 0 hồ sơ giữ nguyên." in moved.output
    with rt.db.reading() as session:
        [event] = [e for e in queries.audit_events(session, three_cases["early"]) if e.action == "migrated"]
        assert event.actor == "cli"
    both = runner.invoke(args=["processes", "migrate", PID, "--to", "2", "--from", "1", "--case", "1"])
    assert both.exit_code == 1 and "đúng một cách" in both.output
    assert runner.invoke(args=["processes", "migrate", PID, "--to", "9", "--from", "1"]).exit_code == 1


def test_a_case_waiting_on_a_removed_step_is_refused_naming_it(rt: Runtime) -> None:
    guided = start_case(rt, complainant=_citizen("064000000051"), submitted_to="department_head")
    assert ready(rt, guided)[0].bpmn_id == "guide_complainant"
    version = deploy.deploy(rt, ANALYST, PID, without_guidance(rt)).version
    before = _snapshot(rt, guided)

    result = migration.migrate(rt, ANALYST, PID, version, instance_ids=[guided])

    [refused] = result.refused
    assert ("Bước “Hướng dẫn người khiếu nại gửi đơn đến đúng cơ quan” (guide_complainant) đang chờ xử lý "
            f"đã bị xóa khỏi phiên bản {version}.") in refused.reasons
    # SpiffWorkflow's diff also calls the gateway before it changed (its outputs changed): done, so it is named too
    assert f"Bước “Đúng thẩm quyền?” (is_competent) đã hoàn thành nhưng đã bị thay đổi trong phiên bản {version}." in (
        refused.reasons)
    assert _snapshot(rt, guided) == before
    reception = users.authenticate_password(rt, "reception", "demo")
    change = tasks.complete_task(rt, reception, ready(rt, guided)[0].id, cases.guidance())
    assert change.instance.status == "completed"  # still on version 1, where the step exists


def test_a_case_changed_meanwhile_is_refused_and_left_as_the_other_officer_left_it(
        rt: Runtime, three_cases: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    version = deploy_migration_version_two(rt)
    early = three_cases["early"]
    tried = migration._tried

    def someone_accepts_meanwhile(*args: Any) -> Any:
        result = tried(*args)
        resolver = users.authenticate_password(rt, "resolver", "demo")
        tasks.complete_task(rt, resolver, ready(rt, early)[0].id, cases.acceptance())
        return result

    monkeypatch.setattr(migration, "_tried", someone_accepts_meanwhile)

    result = migration.migrate(rt, ANALYST, PID, version, instance_ids=[early])

    assert result.moved == [] and result.refused[0].reasons == [StaleVersion.default_message]
    with rt.db.reading() as session:
        instance = queries.instance(session, early)
        assert instance is not None and instance.deployment.version == 1
        assert not [e for e in queries.audit_events(session, early) if e.action == "migrated"]
    assert ready(rt, early)[0].bpmn_id == "assign_verification"


def test_a_failure_while_saving_leaves_no_half_moved_case(rt: Runtime, three_cases: dict[str, int],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    version = deploy_migration_version_two(rt, rename_verify=False)
    before = {k: _snapshot(rt, i) for k, i in three_cases.items()}
    save_run = migration.save_run

    def fails_on_the_second(rt: Runtime, session: Any, instance: Any, *args: Any, **kwargs: Any) -> Any:
        rows = save_run(rt, session, instance, *args, **kwargs)  # state, deployment, tasks, trail all written ...
        if instance.id == three_cases["verifying"]:
            raise EngineError("Lỗi giả lập khi lưu.")  # ... then the transaction fails
        return rows

    monkeypatch.setattr(migration, "save_run", fails_on_the_second)

    result = migration.migrate(rt, ANALYST, PID, version, from_version=1)

    assert sorted(c.instance_id for c in result.moved) == [three_cases["early"], three_cases["dialogue"]]
    assert [(c.instance_id, c.reasons) for c in result.refused] == [(three_cases["verifying"], ["Lỗi giả lập khi lưu."])]
    assert _snapshot(rt, three_cases["verifying"]) == before["verifying"]
    assert _snapshot(rt, three_cases["early"]) != before["early"]


def test_a_version_with_more_running_cases_than_one_request_says_so(rt: Runtime, three_cases: dict[str, int],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    version = deploy_migration_version_two(rt)
    monkeypatch.setattr(migration, "MAX_CASES", 2)
    preview = migration.preview(rt, ANALYST, PID, version, from_version=1)
    assert ([c.instance_id for c in preview.cases], preview.more) == ([three_cases["early"], three_cases["verifying"]], True)
    monkeypatch.setattr(migration, "MAX_CASES", 3)
    assert migration.preview(rt, ANALYST, PID, version, from_version=1).more is False


def test_the_timer_worker_fires_a_moved_cases_deadline_on_its_new_version(rt: Runtime, clock: FrozenClock) -> None:
    early = start_case(rt, complainant=_citizen("064000000061"))
    version = deploy_migration_version_two(rt)
    assert [c.instance_id for c in migration.migrate(rt, ANALYST, PID, version, instance_ids=[early]).moved] == [early]
    with rt.db.reading() as session:
        job = queries.timer_job(session, early)
        assert job is not None and job.status == "pending"  # rescheduled by the move's save
    clock.set(vn(2021, 3, 10))  # past the acceptance deadline (03/03/2021)

    report = timers.run_worker(rt, "migration-test", until_idle=True)

    assert report.failed == 0 and report.fired >= 1
    with rt.db.reading() as session:
        assert [e.code for e in session.scalars(select(Escalation).where(Escalation.instance_id == early))] == [
            "acceptance_overdue"]
        instance = queries.instance(session, early)
        assert instance is not None and instance.deployment.version == version
