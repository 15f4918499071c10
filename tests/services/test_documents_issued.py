"""Each step of a complaint issues its papers: numbered from the body's register, kept, hashed in the trail.

Case A (domain.md §5) carried to publication leaves receipt, acceptance notice, verification assignment,
dialogue minutes, verification report and decision, numbered 1 in each series of the UBND tỉnh
register for 2021; a withdrawn case leaves the termination decision; a 2026 case suspended and resumed
leaves its suspension and resumption decisions. Every file opens with python-docx, cites its own number
and date line, and is served only while its bytes match the trail.
"""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import pytest
from docx import Document as Docx
from sqlalchemy import select, update

from app.clock import FrozenClock
from app.errors import Conflict, Forbidden, InvalidInput, NotFound, TrailBroken
from app.persistence.models import AuditEvent, DocumentIssuer, DocumentVersion
from app.services import documents, integrity, issuers
from app.services.runtime import Runtime
from app.services.uploads import Upload
from app.services.users import authenticate_password
from tests import cases as payloads
from tests.conftest import vn
from tests.services.test_case_a_deadlines import Desk


def _text(content: bytes) -> str:
    doc = Docx(io.BytesIO(content))
    cells = [p.text for table in doc.tables for row in table.rows for cell in row.cells for p in cell.paragraphs]
    return "\n".join([*cells, *(p.text for p in doc.paragraphs)])


def _listed(rt: Runtime, instance_id: int, role: str = "resolver") -> list[tuple[str, str, str, int]]:
    principal = authenticate_password(rt, role, "demo")
    return [(i.document.kind, i.document.number_text, i.document.issued_on.isoformat(), i.latest.version)
            for i in documents.case_documents(rt, principal, instance_id)]


def _case_a_resolved(rt: Runtime, clock: FrozenClock) -> Desk:
    desk = Desk(rt, clock)
    desk.carry()
    return desk


def test_case_a_carried_to_publication_leaves_every_paper_of_its_path(rt: Runtime, clock: FrozenClock) -> None:
    desk = _case_a_resolved(rt, clock)
    listed = _listed(rt, desk.instance_id)
    received = payloads.petition()["received_on"]
    assert listed == [
        ("receipt", "1/GBN-UBND", received, 1),
        ("acceptance_notice", "1/TB-UBND", "2021-03-01", 1),
        ("verification_assignment", "1/QĐ-UBND", "2021-03-02", 1),
        ("dialogue_minutes", "1/BB-UBND", "2021-04-06", 1),
        ("verification_report", "1/BC-UBND", "2021-04-09", 1),
        ("decision", "2/QĐ-UBND", "2021-04-14", 1),
    ]
    clerk = authenticate_password(rt, "clerk", "demo")
    infos = documents.case_documents(rt, clerk, desk.instance_id)
    decision = next(i for i in infos if i.document.kind == "decision")
    text = _text(documents.document_file(rt, clerk, decision.document.id).content)
    assert "Số: 2/QĐ-UBND" in text and "ngày 14 tháng 4 năm 2021" in text
    assert payloads.petition()["complainant"]["full_name"] in text and "{{" not in text and "{%" not in text
    receipt = _text(documents.document_file(rt, clerk, infos[0].document.id).content)
    assert "NGƯỜI NHẬN" in receipt and "Cán bộ tiếp công dân (demo)" in receipt  # the officer who received it
    # the number the register gave is the case's own from then on: later papers cite it
    assignment = next(i for i in infos if i.document.kind == "verification_assignment")
    assert "Thông báo thụ lý giải quyết khiếu nại số 1/TB-UBND" in _text(
        documents.document_file(rt, clerk, assignment.document.id).content)


def test_each_paper_is_recorded_in_the_trail_with_its_hash(rt: Runtime, clock: FrozenClock) -> None:
    desk = _case_a_resolved(rt, clock)
    with rt.db.reading() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.instance_id == desk.instance_id,
                                                          AuditEvent.action == "document_issued")).all()
        files = {(v.document_id, v.version): v.sha256 for v in session.scalars(select(DocumentVersion))}
    recorded = {(json.loads(e.data)["document"], json.loads(e.data)["version"]): json.loads(e.data)["sha256"]
                for e in events}
    assert len(recorded) == 6 and all(files[key] == digest for key, digest in recorded.items())
    assert all(len(json.loads(e.data)["template_sha256"]) == 64 for e in events)


def test_a_file_changed_behind_the_application_is_not_served(rt: Runtime, clock: FrozenClock) -> None:
    desk = _case_a_resolved(rt, clock)
    resolver = authenticate_password(rt, "resolver", "demo")
    decision = next(i for i in documents.case_documents(rt, resolver, desk.instance_id) if i.document.kind == "decision")
    with rt.db.writing() as session:
        session.execute(update(DocumentVersion).where(DocumentVersion.document_id == decision.document.id)
                        .values(content=b"PK\x03\x04 forged"))
    with pytest.raises(TrailBroken, match="khác với dấu vân tay SHA-256"):
        documents.document_file(rt, resolver, decision.document.id)


def test_the_number_typed_in_a_read_only_field_is_ignored(rt: Runtime, clock: FrozenClock) -> None:
    desk = Desk(rt, clock)
    acceptance = payloads.acceptance(issued_on="2021-03-01")
    acceptance["acceptance_notice"]["number"] = "99/TB-GIA"
    desk.act(date(2021, 3, 1), "review_acceptance", "resolver", acceptance)
    assert [n for _, n, _, _ in _listed(rt, desk.instance_id)] == ["1/GBN-UBND", "1/TB-UBND"]


def test_non_acceptance_issues_its_own_notice_and_not_the_acceptance(rt: Runtime, clock: FrozenClock) -> None:
    desk = Desk(rt, clock)
    desk.act(date(2021, 3, 1), "review_acceptance", "resolver",
             payloads.rejection(6, "filed_in_time_with_right_authority", "Đơn gửi quá thời hạn khiếu nại."))
    assert [kind for kind, *_ in _listed(rt, desk.instance_id)] == ["receipt", "non_acceptance_notice"]


def test_a_withdrawn_case_leaves_its_termination_decision(rt: Runtime, clock: FrozenClock) -> None:
    desk = Desk(rt, clock)
    desk.act(date(2021, 3, 1), "review_acceptance", "resolver", payloads.acceptance(issued_on="2021-03-01"))
    desk.message(date(2021, 3, 20), "withdrawal", payloads.withdrawal())
    desk.act(date(2021, 3, 22), "issue_termination", "resolver", payloads.termination())
    assert _listed(rt, desk.instance_id)[-1] == ("termination", "1/QĐ-UBND", "2021-03-22", 1)
    resolver = authenticate_password(rt, "resolver", "demo")
    paper = _text(documents.document_file(rt, resolver, documents.case_documents(rt, resolver, desk.instance_id)[-1]
                                          .document.id).content)
    sent_to = payloads.termination()["termination"]["recipients"]
    assert sent_to and all(f"- {name};" in paper for name in sent_to)  # «Nơi nhận»: those the decision names


def test_a_2026_suspension_and_resumption_issue_their_decisions(rt: Runtime, clock: FrozenClock) -> None:
    clock.set(vn(2026, 7, 15, 9))
    desk = Desk(rt, clock, payloads.petition_2026())
    for day, (bpmn_id, role, payload) in zip((date(2026, 7, 20), date(2026, 7, 21), date(2026, 7, 24)),
                                             payloads.PATH_2026[:3], strict=True):
        desk.act(day, bpmn_id, role, payload())
    desk.message(date(2026, 8, 6), "suspension", payloads.suspension())
    desk.act(date(2026, 8, 7), "send_suspension_notice", "resolver", payloads.suspension_notice())
    desk.message(date(2026, 9, 14), "resumption", payloads.resumption())
    kinds = [(kind, number) for kind, number, _, _ in _listed(rt, desk.instance_id)]
    assert kinds[-2:] == [("suspension", "2/QĐ-UBND"), ("resumption", "3/QĐ-UBND")]
    resolver = authenticate_password(rt, "resolver", "demo")
    infos = documents.case_documents(rt, resolver, desk.instance_id)
    resumption = _text(documents.document_file(rt, resolver, infos[-1].document.id).content)
    assert "Căn cứ Quyết định số 2/QĐ-UBND ngày 06/08/2026" in resumption  # cites the suspension's own number


def test_a_correction_makes_a_new_version_and_the_signed_scan_is_kept_beside_it(rt: Runtime, clock: FrozenClock) -> None:
    desk = Desk(rt, clock)
    desk.act(date(2021, 3, 1), "review_acceptance", "resolver", payloads.acceptance(issued_on="2021-03-01"))
    resolver = authenticate_password(rt, "resolver", "demo")
    notice = documents.case_documents(rt, resolver, desk.instance_id)[1]
    with pytest.raises(InvalidInput, match="lý do"):
        documents.regenerate(rt, resolver, notice.document.id, "  ")
    again = documents.regenerate(rt, resolver, notice.document.id, "Sửa lỗi chính tả tên người khiếu nại")
    scan = documents.attach_signed(rt, resolver, notice.document.id,
                                   Upload("thong-bao-da-ky.pdf", b"%PDF-1.4\n%signed\n"))
    info = documents.case_documents(rt, resolver, desk.instance_id)[1]
    assert (again.version, scan.version, info.latest.version, info.signed.version if info.signed else None) == (2, 3, 2, 3)
    assert info.document.number_text == "1/TB-UBND" and [v.version for v in info.versions] == [1, 2, 3]
    first = documents.document_file(rt, resolver, notice.document.id, version=1)
    assert first.sha256 == notice.latest.sha256 and first.content.startswith(b"PK")
    assert documents.document_file(rt, resolver, notice.document.id, version=3).content.startswith(b"%PDF")


def test_who_may_not_read_the_case_gets_no_paper_and_may_not_remake_one(rt: Runtime, clock: FrozenClock) -> None:
    desk = Desk(rt, clock)
    desk.act(date(2021, 3, 1), "review_acceptance", "resolver", payloads.acceptance(issued_on="2021-03-01"))
    resolver = authenticate_password(rt, "resolver", "demo")
    notice = documents.case_documents(rt, resolver, desk.instance_id)[1].document.id
    for role in ("analyst", "admin"):  # as for the case itself: a role with no part in it is refused
        outsider = authenticate_password(rt, role, "demo")
        with pytest.raises(Forbidden):
            documents.document_file(rt, outsider, notice)
        with pytest.raises(Forbidden):
            documents.case_documents(rt, outsider, desk.instance_id)
        with pytest.raises(Forbidden):
            documents.regenerate(rt, outsider, notice, "thử")
    auditor = authenticate_password(rt, "auditor", "demo")
    assert documents.document_file(rt, auditor, notice).content  # auditors read every case's papers
    with pytest.raises(Forbidden):
        documents.regenerate(rt, auditor, notice, "thử")
    with pytest.raises(NotFound):
        documents.document_file(rt, resolver, 2**31 - 1)


def test_a_body_without_a_header_issues_nothing_and_the_step_is_not_saved(rt: Runtime, clock: FrozenClock) -> None:
    desk = Desk(rt, clock)
    with rt.db.writing() as session:
        session.execute(DocumentIssuer.__table__.delete().where(DocumentIssuer.organisation == "ubnd_tinh"))
    with pytest.raises(Conflict, match="chưa có thông tin tiêu đề"):
        desk.act(date(2021, 3, 1), "review_acceptance", "resolver", payloads.acceptance(issued_on="2021-03-01"))
    assert [kind for kind, *_ in _listed(rt, desk.instance_id)] == ["receipt"]
    with rt.db.reading() as session:
        assert session.scalars(select(AuditEvent.action).where(AuditEvent.instance_id == desk.instance_id)).all() \
            == ["instance_started", "document_issued"]
    issuers.set_profile(rt, authenticate_password(rt, "admin", "demo"), "ubnd_tinh", "UBND", _header())
    desk.act(date(2021, 3, 1), "review_acceptance", "resolver", payloads.acceptance(issued_on="2021-03-01"))
    assert _listed(rt, desk.instance_id)[-1][:2] == ("acceptance_notice", "1/TB-UBND")


def _header(**changes: Any) -> dict[str, str]:
    return {"name": "Ủy ban nhân dân tỉnh Gia Lai", "upper_line": "Ủy ban nhân dân", "lower_line": "Tỉnh Gia Lai",
            "place": "Gia Lai", "head": "Chủ tịch Ủy ban nhân dân tỉnh Gia Lai", "signer_name": "Nguyễn Văn Bình",
            "signer_title": "Phó Chủ tịch", "signer_authority": "KT. Chủ tịch", **changes}


def test_audit_verify_names_a_paper_whose_bytes_changed(rt: Runtime, clock: FrozenClock) -> None:
    desk = Desk(rt, clock)
    desk.act(date(2021, 3, 1), "review_acceptance", "resolver", payloads.acceptance(issued_on="2021-03-01"))
    assert integrity.verify_all(rt).problems == []
    with rt.db.writing() as session:
        session.execute(update(DocumentVersion).where(DocumentVersion.document_id == 2)
                        .values(content=b"PK forged"))
    problems = integrity.verify_all(rt).problems
    assert [(p.kind, p.seq) for p in problems] == [("document", 4)]
    assert "Thông báo về việc thụ lý" in problems[0].message and "SHA-256" in problems[0].message
