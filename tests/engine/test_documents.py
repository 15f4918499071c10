"""The official documents' Word templates filled for Case A and read back with python-docx."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from app.engine import deadlines
from app.engine.documents import (
    FIXED_NAMES,
    Issuer,
    Signer,
    amount,
    check_template,
    date_line,
    deployable_names,
    document_context,
    load_kinds,
    render,
)
from app.engine.labels import form_labels
from app.errors import DiagramError
from tests import cases

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ROOT / "processes" / "complaint_second_level" / "documents"
FORMS = ROOT / "forms" / "complaint_second_level"
KINDS = load_kinds(DOCUMENTS)
ISSUER = Issuer(name="Ủy ban nhân dân tỉnh Gia Lai", upper_line="Ủy ban nhân dân", lower_line="Tỉnh Gia Lai",
                head="Chủ tịch Ủy ban nhân dân tỉnh Gia Lai", place="Gia Lai")
SIGNER = Signer(name="Nguyễn Thị Hoa", title="Phó Chủ tịch", authority="KT. Chủ tịch")
LABELS = form_labels({path.name: json.loads(path.read_text(encoding="utf-8")) for path in FORMS.glob("*.schema.json")})
CHOICES = LABELS.choices
OFFICER = "Phạm Văn Tiếp"  # who completed the step
# Each kind issued on a day of the regime it applies to; suspension and resumption exist from 01/07/2026.
ISSUED = {"suspension": date(2026, 8, 6), "resumption": date(2026, 9, 14)}


def case_a() -> dict[str, Any]:
    """Case A resolved, as the case data merges the steps' payloads, plus the acts of other paths."""
    data = cases.petition()
    for step in (cases.acceptance, cases.assignment, cases.verification, cases.dialogue, cases.report,
                 cases.decision, cases.sending, cases.publication):
        data.update(step())
    data.update(cases.rejection(6, "filed_in_time_with_right_authority", "Đơn gửi quá thời hạn khiếu nại."),
                accepted=True, acceptance_notice=cases.acceptance()["acceptance_notice"])
    data.update(cases.termination(), suspension=cases.suspension(), resumption=cases.resumption())
    return data


def filled(kind: str, issued_on: date | None = None, data: dict[str, Any] | None = None) -> tuple[dict[str, Any], bytes]:
    context = document_context(KINDS[kind], data or case_a(), "250/QĐ-UBND", issued_on or ISSUED.get(kind, date(2021, 2, 17)),
                               ISSUER, SIGNER, CHOICES, OFFICER)
    return context, render((DOCUMENTS / KINDS[kind].file).read_bytes(), context)


def text_of(docx_bytes: bytes) -> str:
    doc = Document(io.BytesIO(docx_bytes))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        lines += [p.text for cell in table._cells for p in cell.paragraphs]
    return "\n".join(lines)


def test_every_kind_has_its_template_and_a_legal_form() -> None:
    assert set(KINDS) == {"receipt", "acceptance_notice", "non_acceptance_notice", "verification_assignment", "dialogue_minutes",
                          "verification_report", "decision", "termination", "suspension", "resumption"}
    for kind in KINDS.values():
        assert (DOCUMENTS / kind.file).is_file()
        assert kind.legal_forms


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_template_is_filled_from_case_a(kind: str) -> None:
    _, docx_bytes = filled(kind)
    text = text_of(docx_bytes)
    assert "{{" not in text and "{%" not in text and "}}" not in text
    assert "Số: 250/QĐ-UBND" in text
    assert "Nguyễn Văn A" in text
    expected_day = ISSUED.get(kind, date(2021, 2, 17))
    assert f"Gia Lai, {date_line(expected_day)}" in text
    for header in ("ỦY BAN NHÂN DÂN", "TỈNH GIA LAI", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"):
        assert header in text
    doc = Document(io.BytesIO(docx_bytes))
    assert doc.styles["Normal"].font.name == "Times New Roman"
    assert all(run.font.name in (None, "Times New Roman") for p in doc.paragraphs for run in p.runs)
    if kind not in ("dialogue_minutes", "receipt"):
        assert "Nơi nhận:" in text and "KT. CHỦ TỊCH" in text and "PHÓ CHỦ TỊCH" in text and "Nguyễn Thị Hoa" in text
    assert "None" not in text and "partly_right" not in text and "2021-" not in text


def test_a_decision_reads_the_case_by_its_titles_and_sends_to_its_recipients() -> None:
    _, docx_bytes = filled("decision", date(2021, 4, 14))
    text = text_of(docx_bytes)
    assert "Gia Lai, ngày 14 tháng 4 năm 2021" in text
    assert CHOICES["decision.conclusion"]["partly_right"] in text
    assert "Căn cứ Nghị định số 124/2020/NĐ-CP" in text and "155/2026" not in text
    assert "ngày 08/01/2021" in text  # the first decision's date, dd/mm/yyyy
    # «Nơi nhận» as documents.json declares it: the parties, then the decision's fixed lines
    for recipient in ("Nguyễn Văn A", "Chủ tịch UBND huyện Chư Prông", "Thanh tra tỉnh",
                      "Cơ quan, tổ chức, cá nhân có quyền, nghĩa vụ liên quan"):
        assert f"- {recipient};" in text


def test_the_dialogue_minutes_list_every_participant_and_a_refusal_with_its_reason() -> None:
    text = text_of(filled("dialogue_minutes")[1])
    for name in ("Nguyễn Văn A", "Đại diện UBND huyện Chư Prông", "Trần Thị B"):
        assert name in text
    assert "Trần Thị B không ký biên bản, lý do: Không đồng ý với kết quả xác minh." in text
    assert "complainant" not in text and "related_party" not in text


def test_the_non_acceptance_notice_names_the_ground_by_its_title() -> None:
    text = text_of(filled("non_acceptance_notice")[1])
    assert CHOICES["rejection_ground"]["6"] in text


def test_from_july_2026_a_termination_follows_form_14a_and_cites_decree_155() -> None:
    context, docx_bytes = filled("termination", date(2026, 8, 6))
    assert context["legal_form"].startswith("Mẫu số 14a")
    assert filled("termination")[0]["legal_form"].startswith("Mẫu số 12-KN")
    assert "Nghị định số 155/2026/NĐ-CP" in text_of(docx_bytes)


def test_the_receipt_lists_the_dossier_and_is_signed_by_the_citizen_and_the_receiver() -> None:
    data = case_a()
    data["complainant"]["id_number"] = "064085001234"
    data["dossier"] = {"petition_signature": "fingerprinted", "representation_document": True,
                       "first_decision_copy": True,
                       "evidence": [{"name": "Giấy chứng nhận quyền sử dụng đất số BK 123456", "is_original": True},
                                    {"name": "Biên bản kiểm đếm ngày 20/11/2020", "is_original": False}]}
    context, docx_bytes = filled("receipt", date(2021, 2, 17), data)
    text = text_of(docx_bytes)
    assert context["legal_form"] == "Mẫu số 02 ban hành kèm theo Thông tư 04/2021/TT-TTCP"
    assert ("Ngày 17/02/2021, Ủy ban nhân dân tỉnh Gia Lai đã nhận của Nguyễn Văn A, địa chỉ: Xã Ia Mơ, huyện Chư "
            "Prông, tỉnh Gia Lai, số định danh cá nhân: 064085001234") in text
    assert f"- Đơn khiếu nại ({CHOICES['dossier.petition_signature']['fingerprinted']});" in text
    assert "- Bản sao Quyết định số 15/QĐ-UBND ngày 08/01/2021" in text
    assert "- Văn bản cử người đại diện, giấy ủy quyền;" in text
    assert "- Giấy chứng nhận quyền sử dụng đất số BK 123456 (bản gốc);" in text
    assert "- Biên bản kiểm đếm ngày 20/11/2020 (bản sao);" in text
    assert "NGƯỜI NỘP" in text and "NGƯỜI NHẬN" in text and OFFICER in text  # the officer who received it
    bare = {**data, "dossier": {"petition_signature": "signed", "representation_document": False,
                                "first_decision_copy": False, "evidence": []}}
    text = text_of(filled("receipt", date(2026, 7, 15), bare)[1])
    assert "ủy quyền" not in text and "bản gốc" not in text and "Bản sao Quyết định" not in text
    assert filled("receipt", date(2026, 7, 15), bare)[0]["legal_form"].startswith("Mẫu số 02/TCD")


def test_the_declared_steps_and_fields_are_the_diagrams_and_the_forms() -> None:
    declared = json.loads((DOCUMENTS / "documents.json").read_text(encoding="utf-8"))["documents"]
    diagram = (ROOT / "processes" / "complaint_second_level" / "complaint_second_level.bpmn").read_text(encoding="utf-8")
    steps = set(re.findall(r'<bpmn:(?:userTask|startEvent) id="([^"]+)"', diagram))
    steps |= set(re.findall(r'<bpmn:message id="[^"]+" name="([^"]+)"', diagram))
    fields = set(LABELS.titles)
    for kind, entry in declared.items():
        assert entry["step"] in steps, kind
        assert entry["symbol"] in {"TB", "QĐ", "BB", "BC", "GBN"}, kind
        for key in ("number_field", "date_field"):
            if key in entry:
                assert entry[key] in fields or entry["step"] in {"suspension", "resumption"}, (kind, key)
        for path in entry.get("when", {}):
            assert path in fields, kind
    assert declared["receipt"]["step"] == "petition_received"
    assert declared["acceptance_notice"]["when"] == {"accepted": True}
    assert declared["non_acceptance_notice"]["when"] == {"accepted": False}


def test_a_suspension_is_not_issued_under_the_2021_rules() -> None:
    with pytest.raises(DiagramError):
        document_context(KINDS["suspension"], case_a(), "1/QĐ", date(2026, 6, 30), ISSUER, SIGNER, CHOICES)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_declared_legal_forms_agree_with_the_regimes(kind: str) -> None:
    for regime, legal_form in KINDS[kind].legal_forms.items():
        assert deadlines.form_for(kind, deadlines.REGIME_STARTS[regime]) == legal_form


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_template_names_only_what_the_context_provides(kind: str) -> None:
    context, _ = filled(kind)
    check_template((DOCUMENTS / KINDS[kind].file).read_bytes(), context, kind)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_template_passes_the_check_a_deploy_can_make_without_a_case(kind: str) -> None:
    diagram = (ROOT / "processes" / "complaint_second_level" / "complaint_second_level.bpmn").read_text(encoding="utf-8")
    messages = re.findall(r'<bpmn:message id="[^"]+" name="([^"]+)"', diagram)
    check_template((DOCUMENTS / KINDS[kind].file).read_bytes(), deployable_names(LABELS.titles, messages), kind)


def test_the_document_facts_are_all_in_the_context() -> None:
    context, _ = filled("decision")
    assert set(FIXED_NAMES) <= set(context)


def one_paragraph(text: str) -> bytes:
    doc = Document()
    doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_a_template_naming_an_unknown_value_is_refused() -> None:
    context, _ = filled("decision")
    with pytest.raises(DiagramError, match="complaynant"):
        check_template(one_paragraph("{{ complaynant.full_name }}"), context, "decision")


@pytest.mark.parametrize("tag", ["{{ number.__class__.__mro__ }}", "{{ ''.__class__.__subclasses__() }}",
                                 "{{ recipients.append('x') }}", "{% for x in %}"])
def test_the_sandbox_refuses_unsafe_or_broken_tags(tag: str) -> None:
    with pytest.raises(DiagramError):
        render(one_paragraph(tag), {"number": "1", "recipients": []})


def test_a_value_is_text_never_markup() -> None:
    data = case_a()
    data["complainant"]["full_name"] = "A & B <w:b/></w:t>"
    text = text_of(filled("acceptance_notice", data=data)[1])
    assert "A & B <w:b/></w:t>" in text


def test_not_a_docx_is_refused() -> None:
    with pytest.raises(DiagramError):
        render(b"not a zip", {})


def test_dates_and_amounts_are_written_the_vietnamese_way() -> None:
    assert date_line(date(2021, 2, 17)) == "ngày 17 tháng 02 năm 2021"
    assert date_line(date(2021, 3, 5)) == "ngày 05 tháng 3 năm 2021"
    assert date_line(date(2021, 1, 9)) == "ngày 09 tháng 01 năm 2021"
    assert date_line(date(2021, 12, 31)) == "ngày 31 tháng 12 năm 2021"
    assert amount(1200000) == "1.200.000"
    assert amount(1234.5) == "1.234,5"
    context, _ = filled("decision")
    assert context["received_on"] == "17/02/2021"
    assert context["verifier"]["duration_days"] == "30"
