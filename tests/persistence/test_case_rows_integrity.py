"""From the trail to the rows: a row a keyed event recorded, deleted or edited by the intruder, is caught.

The intruder (``tests.intruder``) deletes or edits the rows the trail speaks of (files, documents,
the reception register, escalations, the day a case was received); ``flask audit verify``, the
history API, the case page and a one-case integrity run must all say the case is broken. Rows
changed through the application (an escalation acknowledged, a document made again) stay intact.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.clock import FrozenClock
from app.persistence.models import Document, Escalation
from app.procedures.na_session_reception import register
from app.services import attachments, cases, documents, escalations, integrity_runs, timers, users
from app.services.runtime import Runtime
from tests.conftest import vn
from tests.intruder import intrude
from tests.persistence.test_audit_and_locking import _case, _verdicts
from tests.services.test_reception_plan import UNITS, record
from tests.web.helpers import start_case


def _run_says(rt: Runtime, instance_id: int) -> tuple[bool, set[str]]:
    auditor = users.authenticate_password(rt, "auditor", "demo")
    run = integrity_runs.check_case_now(rt, auditor, instance_id)
    return bool(run.ok), {str(p["kind"]) for p in integrity_runs.problems_of(run)}


def _caught(app: Flask, client: FlaskClient, rt: Runtime, instance_id: int, kind: str, words: str) -> None:
    code, output, chain, page = _verdicts(app, client, instance_id)
    assert code == 1 and f"({kind})" in output and words in output, output
    assert not chain["ok"] and kind in {b["kind"] for b in chain["breaks"]}, chain
    assert "✘ Kiểm tra toàn vẹn thất bại" in page
    ok, kinds = _run_says(rt, instance_id)
    assert not ok and kind in kinds, kinds


def _intact(app: Flask, client: FlaskClient, rt: Runtime, instance_id: int) -> None:
    code, output, chain, page = _verdicts(app, client, instance_id)
    assert code == 0 and "intact" in output, output
    assert chain["ok"], chain
    assert "✘ Kiểm tra toàn vẹn thất bại" not in page
    assert _run_says(rt, instance_id) == (True, set())


def _with_file(rt: Runtime) -> tuple[int, int]:
    instance_id = _case(rt)
    reception = users.authenticate_password(rt, "reception", "demo")
    stored = attachments.add_attachments(rt, reception, instance_id, [attachments.Upload("don.pdf", b"%PDF-1.4 goc")])
    return instance_id, stored[0].id


def _document_ids(rt: Runtime, instance_id: int) -> list[int]:
    with rt.db.reading() as session:
        return list(session.scalars(select(Document.id).where(Document.instance_id == instance_id)
                                    .order_by(Document.id)))


def test_an_untouched_case_with_files_and_documents_remade_verifies_intact(app: Flask, client: FlaskClient,
                                                                          rt: Runtime) -> None:
    instance_id, _ = _with_file(rt)
    resolver = users.authenticate_password(rt, "resolver", "demo")
    documents.regenerate(rt, resolver, _document_ids(rt, instance_id)[0], "Sửa lỗi chính tả")  # a new version
    _intact(app, client, rt, instance_id)


def test_a_deleted_file_is_caught(app: Flask, client: FlaskClient, rt: Runtime, owner_url: str) -> None:
    instance_id, attachment_id = _with_file(rt)
    intrude(owner_url, f"DELETE FROM attachments WHERE id = {attachment_id}")
    _caught(app, client, rt, instance_id, "attachment_deleted", "tệp «don.pdf» đã ghi trong nhật ký")


def test_a_files_name_or_uploader_edited_is_caught(app: Flask, client: FlaskClient, rt: Runtime,
                                                   owner_url: str) -> None:
    instance_id, attachment_id = _with_file(rt)
    intrude(owner_url, f"UPDATE attachments SET filename = 'khac.pdf', uploaded_by = 'clerk' WHERE id = {attachment_id}")
    _caught(app, client, rt, instance_id, "attachment_altered", "tên tệp, người tải lên")


def test_a_deleted_document_is_caught(app: Flask, client: FlaskClient, rt: Runtime, owner_url: str) -> None:
    instance_id = _case(rt)
    document_id = _document_ids(rt, instance_id)[0]
    intrude(owner_url, f"DELETE FROM document_versions WHERE document_id = {document_id}",
            f"DELETE FROM documents WHERE id = {document_id}")
    _caught(app, client, rt, instance_id, "document_deleted", "không còn trong cơ sở dữ liệu (đã bị xóa)")


def test_a_documents_date_issuer_and_title_edited_are_caught(app: Flask, client: FlaskClient, rt: Runtime,
                                                              owner_url: str) -> None:
    instance_id = _case(rt)
    document_id = _document_ids(rt, instance_id)[0]
    intrude(owner_url, f"UPDATE documents SET issued_on = '2021-01-01', issued_by = 'clerk', title = 'Khác' "
                       f"WHERE id = {document_id}")
    _caught(app, client, rt, instance_id, "document_altered", "trích yếu, ngày ban hành, người ban hành")


def test_a_documents_kind_and_issuing_body_edited_are_caught(app: Flask, client: FlaskClient, rt: Runtime,
                                                              owner_url: str) -> None:
    instance_id = _case(rt)
    document_id = _document_ids(rt, instance_id)[0]
    intrude(owner_url, f"UPDATE documents SET kind = 'khac', organisation = 'khac' WHERE id = {document_id}")
    _caught(app, client, rt, instance_id, "document_altered", "loại văn bản, cơ quan ban hành")


def test_the_received_day_edited_is_caught(app: Flask, client: FlaskClient, rt: Runtime, owner_url: str) -> None:
    instance_id = _case(rt)
    intrude(owner_url, f"UPDATE instances SET received_on = '2021-01-01' WHERE id = {instance_id}")
    _caught(app, client, rt, instance_id, "received_on_altered", "ngày tiếp nhận của hồ sơ (01/01/2021)")


# -- the reception register --------------------------------------------------------------------------

def _plan_with_records(rt: Runtime, clock: FrozenClock) -> tuple[int, list[int]]:
    clock.set(vn(2021, 3, 22, 9))
    inspectorate = users.authenticate_password(rt, "inspectorate", "demo")
    start = {"session_name": "Kỳ họp thứ 11", "window_start": "2021-03-24", "window_end": "2021-03-25",
             "reception_start": "2021-03-24", "reception_end": "2021-03-25", "receive_on_weekends": False,
             "reception_office": "Trụ sở Tiếp công dân tỉnh Gia Lai", "units": UNITS[:1],
             "documents": [{"number": "930/UBND-TD", "issued_on": "2021-03-22", "title": "Về việc tiếp công dân"}]}
    plan = cases.start_case(rt, inspectorate, "na_session_reception", start).instance.id
    clock.set(vn(2021, 3, 24, 9))
    rows = [register.add_record(rt, inspectorate, plan, "2021-03-24", record()).id,
            register.add_record(rt, inspectorate, plan, "2021-03-24", record("denunciation", handling="received")).id]
    return plan, rows


def test_an_untouched_reception_register_verifies_intact(app: Flask, client: FlaskClient, rt: Runtime,
                                                         clock: FrozenClock) -> None:
    plan, _ = _plan_with_records(rt, clock)
    _intact(app, client, rt, plan)


def test_a_reception_record_edited_is_caught(app: Flask, client: FlaskClient, rt: Runtime, clock: FrozenClock,
                                             owner_url: str) -> None:
    plan, rows = _plan_with_records(rt, clock)
    intrude(owner_url, f"UPDATE reception_records SET content = 'Khác', people_count = 9, handling = 'guided' "
                       f"WHERE id = {rows[0]}")
    _caught(app, client, rt, plan, "reception_altered", "số người, hướng xử lý, nội dung")


def test_a_reception_record_deleted_is_caught(app: Flask, client: FlaskClient, rt: Runtime, clock: FrozenClock,
                                              owner_url: str) -> None:
    plan, rows = _plan_with_records(rt, clock)
    intrude(owner_url, f"DELETE FROM reception_records WHERE id = {rows[1]}")
    _caught(app, client, rt, plan, "reception_deleted", "bản ghi tiếp công dân số thứ tự 2 ngày 24/03/2021")


# -- escalations -------------------------------------------------------------------------------------

def _escalated(rt: Runtime, clock: FrozenClock) -> tuple[int, int]:
    """A case past its acceptance deadline, its escalation acknowledged through the application."""
    clock.set(vn(2021, 2, 17))
    instance_id = start_case(rt)
    clock.set(vn(2021, 3, 22))
    timers.run_worker(rt, "test", until_idle=True)
    with rt.db.reading() as session:
        escalation_id = session.scalars(select(Escalation.id).where(Escalation.instance_id == instance_id)).one()
    escalations.acknowledge(rt, users.authenticate_password(rt, "inspectorate", "demo"), escalation_id, "Đã nhắc")
    return instance_id, escalation_id


def test_an_escalation_acknowledged_through_the_application_verifies_intact(
        app: Flask, client: FlaskClient, rt: Runtime, clock: FrozenClock) -> None:
    instance_id, _ = _escalated(rt, clock)
    _intact(app, client, rt, instance_id)


def test_an_escalation_unacknowledged_is_caught(app: Flask, client: FlaskClient, rt: Runtime, clock: FrozenClock,
                                                owner_url: str) -> None:
    instance_id, escalation_id = _escalated(rt, clock)
    intrude(owner_url, f"UPDATE escalations SET acknowledged_at = NULL, acknowledged_by = NULL, note = NULL "
                       f"WHERE id = {escalation_id}")
    _caught(app, client, rt, instance_id, "escalation_acknowledgement", "đã ghi trong nhật ký không còn đúng")


def test_an_escalation_deleted_is_caught(app: Flask, client: FlaskClient, rt: Runtime, clock: FrozenClock,
                                         owner_url: str) -> None:
    instance_id, escalation_id = _escalated(rt, clock)
    intrude(owner_url, f"DELETE FROM escalations WHERE id = {escalation_id}")
    _caught(app, client, rt, instance_id, "escalation_deleted", "đã bị xóa")



# -- deployed process definitions --------------------------------------------------------------------

DMN = "UPDATE deployment_files SET content = replace(content, 'provincial_chair', 'department_head') " \
      "WHERE path LIKE '%competent_authority.dmn'"


def test_a_deployed_rule_edited_is_caught_even_with_its_hash_rewritten(app: Flask, client: FlaskClient, rt: Runtime,
                                                                       owner_url: str) -> None:
    instance_id = _case(rt)
    _intact(app, client, rt, instance_id)
    intrude(owner_url, DMN)
    _caught(app, client, rt, instance_id, "deployment_altered", "quy trình «Giải quyết khiếu nại lần hai» phiên bản 1")
    intrude(owner_url, "UPDATE deployments SET content_hash = '" + "0" * 64 + "' "
                       "WHERE process_id = 'complaint_second_level'")
    _caught(app, client, rt, instance_id, "deployment_altered", "khác với dấu vân tay SHA-256 đã ghi khi triển khai")


def test_a_deployment_added_behind_the_applications_back_is_caught(app: Flask, rt: Runtime, owner_url: str) -> None:
    intrude(owner_url, "INSERT INTO deployments (id, process_id, version, name, content_hash, deployed_at, deployed_by) "
                       f"SELECT 900, process_id, 99, name, '{'a' * 64}', deployed_at, deployed_by FROM deployments "
                       "WHERE process_id = 'complaint_second_level' AND version = 1",
            "INSERT INTO deployment_files (deployment_id, path, content) SELECT 900, path, content "
            "FROM deployment_files WHERE deployment_id = (SELECT id FROM deployments "
            "WHERE process_id = 'complaint_second_level' AND version = 1)")
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "(deployment_unrecorded)" in result.output, result.output
    assert "quy trình «Giải quyết khiếu nại lần hai» phiên bản 99 không có sự kiện triển khai" in result.output


def test_deployments_from_before_the_sealing_event_are_sealed_once_by_setup(app: Flask, rt: Runtime) -> None:
    from app.services import deployment_seals
    assert deployment_seals.seal_legacy(rt) == 0  # every deployment of the suite already has its event
    with rt.db.reading() as session:
        sealed = deployment_seals._events(session)
    assert [e.action for e in sealed].count(deployment_seals.SEALED) == 1
    assert deployment_seals.seal_legacy(rt) == 0
    with rt.db.reading() as session:
        assert [e.action for e in deployment_seals._events(session)].count(deployment_seals.SEALED) == 1
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0
