"""The reception plan's documents: plan, register extract and final report filled and read back with python-docx.

The plan of the 2021 session (letter 930/UBND-TD; reception 24/03–07/04/2021) and a 2026 session whose
reception opens a week before it; the register's rows as ``register.document_rows`` gives them, read
from real rows of a SQLite database.
"""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from app.engine.documents import (
    Issuer,
    Signer,
    check_template,
    date_line,
    deployable_names,
    document_context,
    load_kinds,
    render,
    template_names,
)
from app.engine.labels import form_labels
from app.persistence.models import Base, Instance, ReceptionRecord
from app.procedures.na_session_reception import register_columns
from app.procedures.na_session_reception.register import document_rows

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ROOT / "processes" / "na_session_reception" / "documents"
FORMS = ROOT / "forms" / "na_session_reception"
DIAGRAM = ROOT / "processes" / "na_session_reception" / "na_session_reception.bpmn"
DECLARED = json.loads((DOCUMENTS / "documents.json").read_text(encoding="utf-8"))["documents"]
KINDS = load_kinds(DOCUMENTS)
LABELS = form_labels({path.name: json.loads(path.read_text(encoding="utf-8")) for path in FORMS.glob("*.schema.json")})
ISSUER = Issuer(name="Ủy ban nhân dân tỉnh Gia Lai", upper_line="Ủy ban nhân dân", lower_line="Tỉnh Gia Lai",
                head="Chủ tịch Ủy ban nhân dân tỉnh Gia Lai", place="Gia Lai")
SIGNER = Signer(name="Nguyễn Thị Hoa", title="Phó Chủ tịch", authority="KT. Chủ tịch")
INSPECTOR = Signer(name="Rơ Mah Tuân", title="Chánh Thanh tra")
UNITS = [{"code": "STNMT", "name": "Sở Tài nguyên và Môi trường", "kind": "department", "organisation": "stnmt"},
         {"code": "CHUPRONG", "name": "UBND huyện Chư Prông", "kind": "district", "organisation": "chu-prong"}]
PLAN_2021: dict[str, Any] = {
    "session_name": "Kỳ họp thứ 11, Quốc hội khóa XIV", "window_start": "2021-03-24", "window_end": "2021-04-07",
    "reception_start": "2021-03-24", "reception_end": "2021-04-07", "receive_on_weekends": True,
    "reception_office": "Trụ sở Tiếp công dân tỉnh Gia Lai", "units": UNITS,
    "documents": [{"number": "930/UBND-TD", "issued_on": "2021-03-22", "issuer": "UBND tỉnh Gia Lai",
                   "title": "Công văn về việc tiếp công dân phục vụ kỳ họp Quốc hội"}],
    "plan": {"number": "15/KH-UBND", "drafted_on": "2021-03-22",
             "purpose": "Bảo đảm an ninh, trật tự, tiếp công dân kịp thời, đúng quy định trong thời gian kỳ họp.",
             "coordination": "Công an tỉnh bố trí lực lượng giữ gìn trật tự tại Trụ sở Tiếp công dân tỉnh.",
             "group_case_handling": "Vụ việc đông người: lãnh đạo Ban Tiếp công dân tỉnh trực tiếp tiếp người đại diện.",
             "reporting": "Báo cáo hằng ngày trước 16 giờ; báo cáo đột xuất vụ việc đông người, vượt cấp."},
    "plan_approval": {"approved": True, "decided_on": "2021-03-23"},
}
STAFFING = {"assigned_on": "2021-03-23", "police_liaison": "Đại úy Lê Văn Dũng, Phòng PV01",
            "officers": [{"full_name": "Trần Văn Bình", "agency": "Thanh tra tỉnh", "phone": "0269 3824 123"},
                         {"full_name": "Ksor H'Lan", "agency": "Ban Tiếp công dân tỉnh"}]}
FINAL_REPORT = {"number": "42/BC-UBND", "issued_on": "2021-04-09",
                "assessment": "Công tác tiếp công dân được tổ chức chu đáo, không phát sinh điểm nóng.",
                "recommendations": "Đề nghị UBND huyện Chư Prông sớm đối thoại với các hộ dân xã Ia Mơ."}
PLAN_2026 = {**PLAN_2021, "session_name": "Kỳ họp thứ hai, Quốc hội khóa XVI", "window_start": "2026-10-20",
             "window_end": "2026-11-27", "reception_start": "2026-10-12", "reception_end": "2026-11-27",
             "receive_on_weekends": False,
             "documents": [{"number": "1250/UBND-TD", "issued_on": "2026-10-01",
                            "title": "Công văn về việc tiếp công dân phục vụ kỳ họp Quốc hội"}],
             "plan_approval": {"approved": True, "decided_on": "2026-10-05"}}


def record(sequence: int, day: date, details: dict[str, Any], **columns: Any) -> ReceptionRecord:
    persons = details["persons"]
    values: dict[str, Any] = {
        "plan_instance_id": 1, "sequence": sequence, "received_on": day, "name": persons[0]["full_name"],
        "address": details["address"], "people_count": details["people_count"], "kind": details["kind"],
        "group_case": details["people_count"] >= 5, "bypassing": bool(details.get("bypassing")),
        "protracted": bool(details.get("protracted")), "within_competence": bool(details.get("within_competence")),
        "handling": details["handling"], "content": details["content"], "details": details, "source": "daily_entry",
        "created_by": "reception", "created_at": datetime(2021, 3, 24, 9, tzinfo=UTC), **columns}
    return ReceptionRecord(**values)


@pytest.fixture(scope="module")
def register_rows() -> list[dict[str, str]]:
    """Four records of the 2021 plan's register stored in SQLite, read back as a document lists them."""
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    moment = datetime(2021, 3, 25, 8, tzinfo=UTC)
    with Session(engine) as session:
        session.add(Instance(id=2, deployment_id=1, process_id="complaint_second_level", case_number="KN-2021-0007",
                             status="running", state="{}", serializer_version="1", version=1, started_by="reception",
                             created_at=moment, updated_at=moment))
        session.add_all([
            record(1, date(2021, 3, 24), {
                "persons": [{"full_name": "Nguyễn Văn A", "address": "Xã Ia Mơ, huyện Chư Prông",
                             "id_number": "064085001234"}],
                "people_count": 1, "address": "Xã Ia Mơ, huyện Chư Prông, tỉnh Gia Lai", "kind": "complaint",
                "content": "Khiếu nại Quyết định 15/QĐ-UBND về giá đất bồi thường.", "second_level": True,
                "within_competence": True, "handling": "open_case",
                "prior_handling": "Chủ tịch UBND huyện Chư Prông đã giải quyết lần đầu"}, case_instance_id=2),
            record(2, date(2021, 3, 25), {
                "persons": [{"full_name": "Rơ Châm Blơng", "id_number": "064190004321"},
                            {"full_name": "Siu Hyen"}],
                "representatives": [{"full_name": "Rơ Châm Blơng"}, {"full_name": "Siu Hyen"}],
                "people_count": 7, "address": "Làng Ốp, phường Hoa Lư, thành phố Pleiku", "kind": "petition",
                "content": "Kiến nghị về tiến độ cấp giấy chứng nhận quyền sử dụng đất.", "bypassing": True,
                "handling": "guided", "guided_to": {"body": "UBND thành phố Pleiku", "letter_number": "12/HD-BTCD"}}),
            record(3, date(2021, 3, 29), {
                "persons": [{"full_name": "Lê Thị Cúc"}], "people_count": 1,
                "address": "Thị trấn Chư Sê, huyện Chư Sê", "kind": "denunciation",
                "content": "Tố cáo cán bộ địa chính xã nhận tiền của dân.", "handling": "transferred",
                "transferred_to": {"body": "Thanh tra huyện Chư Sê", "letter_number": "08/CĐ-BTCD"},
                "follow_up": "Thanh tra huyện đã thụ lý ngày 05/04/2021."}),
            record(4, date(2021, 4, 2), {
                "persons": [{"full_name": "Phạm Văn Đức"}], "people_count": 1, "protracted": True,
                "address": "Xã Ia Dom, huyện Đức Cơ", "kind": "complaint",
                "content": "Tiếp tục khiếu nại vụ việc đã giải quyết đúng pháp luật.", "handling": "refused",
                "refusal": {"ground": "protracted", "notice": {"number": "03/TB-BTCD", "issued_on": "2021-04-02"}}}),
        ])
        session.commit()
        return document_rows(session, 1)


def filled(kind: str, data: dict[str, Any], issued_on: date, number: str,
           rows: list[dict[str, str]] | None = None, signer: Signer = SIGNER) -> tuple[dict[str, Any], bytes]:
    context = document_context(KINDS[kind], data, number, issued_on, ISSUER, signer, LABELS.choices)
    if "register" in DECLARED[kind].get("sources", []):
        context["register"] = rows or []
    return context, render((DOCUMENTS / KINDS[kind].file).read_bytes(), context)


def text_of(docx_bytes: bytes) -> str:
    doc = Document(io.BytesIO(docx_bytes))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        lines += [p.text for cell in table._cells for p in cell.paragraphs]
    return "\n".join(lines)


def assert_complete(text: str, issued_on: date, number: str) -> None:
    assert "{{" not in text and "{%" not in text and "}}" not in text and "%}" not in text
    assert f"Số: {number}" in text
    assert f"Gia Lai, {date_line(issued_on)}" in text
    assert re.search(r"Gia Lai, ngày \d{2} tháng (0[12]|[3-9]|1[0-2]) năm \d{4}", text)
    for line in ("ỦY BAN NHÂN DÂN", "TỈNH GIA LAI", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"):
        assert line in text
    assert "None" not in text and not re.search(r"\d{4}-\d{2}-\d{2}", text)
    assert "department" not in text and "open_case" not in text and "complaint" not in text


def test_the_declared_kinds_have_their_templates_steps_and_forms() -> None:
    assert set(KINDS) == {"plan", "register_extract", "final_report"}
    diagram = DIAGRAM.read_text(encoding="utf-8")
    tasks = set(re.findall(r'<bpmn:userTask id="([^"]+)"', diagram))
    for kind, entry in DECLARED.items():
        assert (DOCUMENTS / entry["file"]).is_file()
        assert entry["step"] in tasks, kind
        assert set(entry["legal_forms"]) == {"2021", "2026-07"}
        paths = [entry[key] for key in ("number_field", "date_field") if key in entry] + list(entry.get("when", {}))
        for path in paths:
            assert path in LABELS.titles, (kind, path)
        assert set(entry.get("sources", [])) <= {"register"}
    assert DECLARED["plan"]["step"] == "approve_plan" and DECLARED["plan"]["symbol"] == "KH"
    assert DECLARED["final_report"]["step"] == "consolidated_report" and DECLARED["final_report"]["symbol"] == "BC"
    assert DECLARED["register_extract"]["legal_forms"]["2026-07"].startswith("Mẫu số 03/TCD")


@pytest.mark.parametrize("kind", sorted(DECLARED))
def test_every_template_passes_the_check_a_deploy_can_make_without_a_plan(kind: str) -> None:
    messages = re.findall(r'<bpmn:message id="[^"]+" name="([^"]+)"', DIAGRAM.read_text(encoding="utf-8"))
    provided = deployable_names(LABELS.titles, messages) | set(DECLARED[kind].get("sources", []))
    check_template((DOCUMENTS / KINDS[kind].file).read_bytes(), provided, kind)
    if "sources" not in DECLARED[kind]:  # a kind without the register may not name it
        assert "register" not in template_names((DOCUMENTS / KINDS[kind].file).read_bytes())


def test_the_approved_plan_reads_its_session_window_office_units_and_directive() -> None:
    issued_on = date(2021, 3, 23)
    context, docx_bytes = filled("plan", PLAN_2021, issued_on, "15/KH-UBND")
    text = text_of(docx_bytes)
    assert_complete(text, issued_on, "15/KH-UBND")
    assert "KẾ HOẠCH" in text and "Tiếp công dân phục vụ Kỳ họp thứ 11, Quốc hội khóa XIV" in text
    assert "Căn cứ Nghị định số 64/2014/NĐ-CP" in text and "154/2026" not in text
    assert ("Thực hiện Công văn về việc tiếp công dân phục vụ kỳ họp Quốc hội số 930/UBND-TD ngày 22/03/2021 của "
            "UBND tỉnh Gia Lai") in text
    assert ("tiếp công dân từ ngày 24/03/2021 đến ngày 07/04/2021 (kỳ họp khai mạc ngày 24/03/2021, bế mạc ngày "
            "07/04/2021), kể cả thứ Bảy, Chủ nhật") in text
    assert "2. Địa điểm: Trụ sở Tiếp công dân tỉnh Gia Lai." in text
    assert f"- Sở Tài nguyên và Môi trường ({LABELS.choices['units.kind']['department']});" in text
    assert "- UBND huyện Chư Prông;" in text  # Nơi nhận
    assert "Công an tỉnh bố trí lực lượng" in text and "Báo cáo hằng ngày trước 16 giờ" in text
    assert "phân công cán bộ trực tiếp công dân" in text  # approved before the staff are assigned
    assert "KT. CHỦ TỊCH" in text and "Nguyễn Thị Hoa" in text
    assert context["legal_form"] == "Thể thức theo Nghị định 30/2020/NĐ-CP (kế hoạch)"


def test_a_plan_rendered_once_staff_are_assigned_names_them_and_a_2026_plan_cites_decree_154() -> None:
    text = text_of(filled("plan", {**PLAN_2021, "staffing": STAFFING}, date(2021, 3, 23), "15/KH-UBND")[1])
    assert "(phân công ngày 23/03/2021)" in text
    assert "- Trần Văn Bình, Thanh tra tỉnh, điện thoại 0269 3824 123;" in text
    assert "- Ksor H'Lan, Ban Tiếp công dân tỉnh;" in text
    assert "Đầu mối Công an tỉnh: Đại úy Lê Văn Dũng, Phòng PV01." in text
    issued_on = date(2026, 10, 5)
    text = text_of(filled("plan", PLAN_2026, issued_on, "98/KH-UBND")[1])
    assert_complete(text, issued_on, "98/KH-UBND")
    assert "Gia Lai, ngày 05 tháng 10 năm 2026" in text
    assert "Nghị định số 154/2026/NĐ-CP" in text and "Luật số 136/2025/QH15" in text and "64/2014" not in text
    assert "tiếp công dân từ ngày 12/10/2026 đến ngày 27/11/2026 (kỳ họp khai mạc ngày 20/10/2026" in text
    assert "vào các ngày làm việc" in text


def test_document_rows_show_the_register_as_readers_read_it(register_rows: list[dict[str, str]]) -> None:
    first, group, transfer, refusal = register_rows
    assert first == {**first, "sequence": "1", "day": "24/03/2021", "full_name": "Nguyễn Văn A",
                     "address": "Xã Ia Mơ, huyện Chư Prông, tỉnh Gia Lai", "id_number": "064085001234",
                     "kind": "Khiếu nại", "handling": "Mở hồ sơ khiếu nại lần hai", "within_competence": "x",
                     "case_number": "KN-2021-0007", "people_count": "1",
                     "prior_handling": "Chủ tịch UBND huyện Chư Prông đã giải quyết lần đầu"}
    assert group["full_name"] == "Rơ Châm Blơng; Siu Hyen" and group["id_number"] == "064190004321"
    assert group["kind"] == "Kiến nghị, phản ánh" and group["group_case"] == "x" and group["bypassing"] == "x"
    assert group["guided_to"] == "UBND thành phố Pleiku (văn bản hướng dẫn số 12/HD-BTCD)"
    assert transfer["transferred_to"] == "Thanh tra huyện Chư Sê (văn bản chuyển đơn số 08/CĐ-BTCD)"
    assert transfer["follow_up"] == "Thanh tra huyện đã thụ lý ngày 05/04/2021." and transfer["day"] == "29/03/2021"
    assert refusal["handling"] == "Từ chối tiếp" and refusal["refusal_notice"] == "Số 03/TB-BTCD ngày 02/04/2021"
    assert refusal["protracted"] == "x" and refusal["group_case"] == ""
    for row in register_rows:
        assert all(isinstance(value, str) for value in row.values())
        assert not set(row.values()) & {"complaint", "petition", "open_case", "guided", "refused", "protracted"}


def test_the_register_extract_lists_every_record_with_its_columns(register_rows: list[dict[str, str]]) -> None:
    issued_on = date(2021, 4, 9)
    data = {**PLAN_2021, "staffing": STAFFING, "final_report": FINAL_REPORT}
    context, docx_bytes = filled("register_extract", data, issued_on, "01/TrS-BTCD", register_rows, INSPECTOR)
    text = text_of(docx_bytes)
    assert_complete(text, issued_on, "01/TrS-BTCD")
    assert "TRÍCH SỔ TIẾP CÔNG DÂN" in text
    table = Document(io.BytesIO(docx_bytes)).tables[1]
    assert len(table.rows) == 1 + len(register_rows)  # the headings, then one row per record
    assert [c.text for c in table.rows[1].cells][:6] == [
        "1", "24/03/2021", "Nguyễn Văn A, Xã Ia Mơ, huyện Chư Prông, tỉnh Gia Lai", "064085001234",
        "Khiếu nại Quyết định 15/QĐ-UBND về giá đất bồi thường.", "Khiếu nại"]
    assert table.rows[1].cells[12].text == "Mở hồ sơ khiếu nại lần hai (hồ sơ KN-2021-0007)"
    assert table.rows[2].cells[9].text == "UBND thành phố Pleiku (văn bản hướng dẫn số 12/HD-BTCD)"
    assert "Tổng cộng: 4 lượt tiếp, 10 người." in text
    assert "CHÁNH THANH TRA" in text and "Rơ Mah Tuân" in text
    assert context["legal_form"] == "Sổ tiếp công dân ban hành kèm theo Thông tư 04/2021/TT-TTCP"
    assert filled("register_extract", {**PLAN_2026, "final_report": FINAL_REPORT}, date(2026, 11, 30), "02/TrS-BTCD",
                  register_rows)[0]["legal_form"] == "Mẫu số 03/TCD ban hành kèm theo Nghị định 154/2026/NĐ-CP"
    doc = Document(io.BytesIO(docx_bytes))
    assert doc.sections[0].page_width > doc.sections[0].page_height  # A4 landscape for 13 columns


def test_the_final_report_counts_the_register(register_rows: list[dict[str, str]]) -> None:
    issued_on = date(2021, 4, 9)
    data = {**PLAN_2021, "staffing": STAFFING, "final_report": FINAL_REPORT}
    _, docx_bytes = filled("final_report", data, issued_on, "42/BC-UBND", register_rows)
    text = text_of(docx_bytes)
    assert_complete(text, issued_on, "42/BC-UBND")
    assert "Gia Lai, ngày 09 tháng 4 năm 2021" in text
    assert "BÁO CÁO" in text and "Kết quả tiếp công dân phục vụ Kỳ họp thứ 11, Quốc hội khóa XIV" in text
    assert "và Kế hoạch số 15/KH-UBND" in text
    assert ("1. Tổng số: 4 lượt tiếp với 10 người; trong đó 1 vụ việc đông người, 1 vụ việc vượt cấp, 1 vụ việc "
            "kéo dài.") in text
    assert ("2. Phân loại: khiếu nại 2 lượt; tố cáo 1 lượt; kiến nghị, phản ánh 1 lượt; thuộc thẩm quyền của tỉnh "
            "1 lượt.") in text
    assert ("3. Kết quả xử lý: mở hồ sơ khiếu nại lần hai 1 lượt; tiếp nhận đơn 0 lượt; hướng dẫn 1 lượt; chuyển "
            "đơn 1 lượt; giải thích, trả lời 0 lượt; từ chối tiếp 1 lượt.") in text
    assert "- Hồ sơ KN-2021-0007: Nguyễn Văn A (tiếp ngày 24/03/2021)." in text
    assert FINAL_REPORT["assessment"] in text and FINAL_REPORT["recommendations"] in text


def test_the_report_counts_by_the_registers_own_titles() -> None:
    """The report's counts name the register's titles: a title renamed in register_columns must be renamed here."""
    template = (DOCUMENTS / KINDS["final_report"].file).read_bytes()
    xml = text_of(template)
    for title in (*register_columns.KIND_NAMES.values(), *register_columns.HANDLING_NAMES.values()):
        assert f'"{title}"' in xml.replace("“", '"').replace("”", '"'), title


def test_an_empty_register_gives_zero_totals_and_no_report_without_recommendations_says_so() -> None:
    data = {**PLAN_2021, "final_report": {**FINAL_REPORT, "recommendations": ""}}
    text = text_of(filled("final_report", data, date(2021, 4, 9), "42/BC-UBND", [])[1])
    assert "1. Tổng số: 0 lượt tiếp với 0 người" in text and "Không có kiến nghị." in text
    assert "{{" not in text and "{%" not in text
