"""Build the first version of the complaint's document templates (.docx, docxtpl tags) with python-docx.

The .docx files next to this script are the source: an analyst edits them in Word afterwards. Run this
script only to start again from scratch (it overwrites them): ``.venv/bin/python make_templates.py``.
Layout of Decree 30/2020/NĐ-CP: a two-column header (issuing body and number | national motto and the
place-date line), the title in capitals, the body, the signer's block beside «Nơi nhận:»; Times New
Roman 14 pt (13 pt for the small lines), A4, margins 20/20/30/15 mm. What each template is (kind, title,
legal form per regime) is declared once, in ``documents.json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import _Cell

HERE = Path(__file__).resolve().parent
FONT = "Times New Roman"
CENTER, JUSTIFY, LEFT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY, WD_ALIGN_PARAGRAPH.LEFT

Container = DocxDocument | _Cell
# What follows w:pBdr inside w:pPr in the WordprocessingML schema (ECMA-376 CT_PPrBase).
AFTER_BORDER = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
                "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
                "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
                "w:rPr", "w:sectPr", "w:pPrChange")


def para(where: Container, text: str = "", *, bold: bool = False, italic: bool = False, size: float = 14,
         align: WD_ALIGN_PARAGRAPH = JUSTIFY, indent: bool = False) -> None:
    """One paragraph in one run, so a Jinja tag is never split across runs."""
    paragraph = where.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(3)
    if indent:
        paragraph.paragraph_format.first_line_indent = Mm(10)
    run = paragraph.add_run(text)
    run.bold, run.italic, run.font.size = bold, italic, Pt(size)


def tag(where: Container, text: str) -> None:
    """A paragraph holding only a docxtpl paragraph tag ({%p … %}), removed when rendered."""
    where.add_paragraph(text)


def new_document() -> DocxDocument:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    for name in ("Normal", "Table Grid"):
        style = doc.styles[name]
        style.font.name = FONT
        style.font.size = Pt(14)
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attribute), FONT)
    return doc


def underline_short(where: Container, indent_mm: float) -> None:
    """Decree 30's short rule under the body's name and under the motto: a bottom border between indents."""
    paragraph = where.paragraphs[-1]
    paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = Mm(indent_mm)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for attribute, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(attribute), value)
    borders.append(bottom)
    properties = paragraph._p.get_or_add_pPr()
    properties.insert_element_before(borders, *AFTER_BORDER)  # the schema's order, or Word calls the file damaged


def first_cell_paragraph_removed(cell: _Cell) -> _Cell:
    cell.paragraphs[0]._element.getparent().remove(cell.paragraphs[0]._element)
    return cell


def header(doc: DocxDocument) -> None:
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    left, right = (first_cell_paragraph_removed(cell) for cell in table.rows[0].cells)
    left.width, right.width = Mm(65), Mm(100)
    table.columns[0].width, table.columns[1].width = Mm(65), Mm(100)
    para(left, "{{ issuer.upper_line }}", size=13, align=CENTER)
    para(left, "{{ issuer.lower_line }}", bold=True, size=13, align=CENTER)
    underline_short(left, 18)
    para(left, "Số: {{ number }}", size=13, align=CENTER)
    para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=13, align=CENTER)
    para(right, "Độc lập - Tự do - Hạnh phúc", bold=True, size=14, align=CENTER)
    underline_short(right, 22)
    para(right, "{{ place }}, {{ date_line }}", italic=True, size=14, align=CENTER)


def title(doc: DocxDocument, name: str, subject: str) -> None:
    para(doc, "")
    para(doc, name, bold=True, align=CENTER)
    para(doc, subject, bold=True, align=CENTER)


def bases(doc: DocxDocument, authority: str | None = "{{ issuer.head_upper }}") -> None:
    if authority:
        para(doc, authority, bold=True, align=CENTER)
    tag(doc, "{%p for basis in legal_bases %}")
    para(doc, "{{ basis }};", italic=True, indent=True)
    tag(doc, "{%p endfor %}")


def signature(doc: DocxDocument, recipients: bool = True) -> None:
    table = doc.add_table(rows=1, cols=2)
    left, right = (first_cell_paragraph_removed(cell) for cell in table.rows[0].cells)
    left.width, right.width = Mm(75), Mm(90)
    table.columns[0].width, table.columns[1].width = Mm(75), Mm(90)
    if recipients:
        para(left, "Nơi nhận:", bold=True, italic=True, size=12, align=LEFT)
        tag(left, "{%p for recipient in recipients %}")
        para(left, "- {{ recipient }};", size=11, align=LEFT)
        tag(left, "{%p endfor %}")
        para(left, "- Lưu: VT, hồ sơ.", size=11, align=LEFT)
    else:
        para(left, "")
    para(right, "{{ signer.authority }}", bold=True, align=CENTER)
    para(right, "{{ signer.title }}", bold=True, align=CENTER)
    para(right, "(Ký, ghi rõ họ tên và đóng dấu)", italic=True, size=13, align=CENTER)
    for _ in range(3):
        para(right, "", align=CENTER)
    para(right, "{{ signer.name }}", bold=True, align=CENTER)


COMPLAINANT = ("{{ complainant.full_name }}, địa chỉ: {{ complainant.address }}"
               "{% if complainant.id_number %}, số định danh cá nhân: {{ complainant.id_number }}{% endif %}")
FIRST_DECISION = ("Quyết định số {{ first_decision.number }} ngày {{ first_decision.issued_on }} "
                  "của {{ first_decision.issuer }}")


def acceptance_notice(doc: DocxDocument) -> None:
    title(doc, "THÔNG BÁO", "Về việc thụ lý giải quyết khiếu nại (lần hai)")
    para(doc, "Kính gửi: {{ complainant.full_name }}", align=CENTER)
    para(doc, "Ngày {{ received_on }}, {{ issuer.name }} đã nhận được đơn khiếu nại của " + COMPLAINANT + ".", indent=True)
    para(doc, "Khiếu nại " + FIRST_DECISION + " (giải quyết khiếu nại lần đầu). Nội dung khiếu nại: {{ content }}",
         indent=True)
    para(doc, "Sau khi xem xét nội dung đơn khiếu nại, căn cứ Điều 36 Luật Khiếu nại, đơn khiếu nại đủ điều kiện "
         "thụ lý và thuộc thẩm quyền giải quyết của {{ issuer.head }}. {{ issuer.head }} thụ lý giải quyết "
         "khiếu nại kể từ ngày {{ issued_on }}.", indent=True)
    para(doc, "Vậy thông báo để {{ complainant.full_name }} được biết.", indent=True)
    signature(doc)


def non_acceptance_notice(doc: DocxDocument) -> None:
    title(doc, "THÔNG BÁO", "Về việc không thụ lý giải quyết khiếu nại (lần hai)")
    para(doc, "Kính gửi: {{ complainant.full_name }}", align=CENTER)
    para(doc, "Ngày {{ received_on }}, {{ issuer.name }} đã nhận được đơn khiếu nại của " + COMPLAINANT + ".", indent=True)
    para(doc, "Khiếu nại " + FIRST_DECISION + ". Nội dung khiếu nại: {{ content }}", indent=True)
    para(doc, "Sau khi xem xét nội dung đơn khiếu nại, căn cứ Điều 11 Luật Khiếu nại, đơn khiếu nại không đủ điều "
         "kiện thụ lý giải quyết vì lý do: {{ rejection_ground }}. {{ rejection_reason }}", indent=True)
    para(doc, "Vậy thông báo để {{ complainant.full_name }} được biết.", indent=True)
    signature(doc)


def verification_assignment(doc: DocxDocument) -> None:
    title(doc, "QUYẾT ĐỊNH", "Về việc xác minh nội dung khiếu nại")
    bases(doc)
    para(doc, "Căn cứ Thông báo thụ lý giải quyết khiếu nại số {{ acceptance_notice.number }} ngày "
         "{{ acceptance_notice.issued_on }};", italic=True, indent=True)
    para(doc, "Xét đơn khiếu nại của " + COMPLAINANT + ",", italic=True, indent=True)
    para(doc, "QUYẾT ĐỊNH:", bold=True, align=CENTER)
    para(doc, "Điều 1. Giao {{ verifier.unit }} xác minh nội dung khiếu nại của {{ complainant.full_name }} đối với "
         + FIRST_DECISION + ".", indent=True)
    para(doc, "Nội dung xác minh: {{ verifier.scope }}.", indent=True)
    para(doc, "Thời gian xác minh: {{ verifier.duration_days }} ngày, kể từ ngày ký Quyết định này.", indent=True)
    para(doc, "Điều 2. {{ verifier.unit }} có trách nhiệm xác minh và báo cáo kết quả xác minh bằng văn bản với "
         "{{ issuer.head }}.", indent=True)
    para(doc, "Điều 3. Quyết định này có hiệu lực kể từ ngày ký. {{ verifier.unit }}, {{ complainant.full_name }} và "
         "các cơ quan, tổ chức, cá nhân có liên quan chịu trách nhiệm thi hành Quyết định này.", indent=True)
    signature(doc)


def dialogue_minutes(doc: DocxDocument) -> None:
    title(doc, "BIÊN BẢN", "Đối thoại giải quyết khiếu nại")
    para(doc, "Ngày {{ dialogue.held_on }}, tại {{ dialogue.place }}, tổ chức đối thoại giải quyết khiếu nại của "
         "{{ complainant.full_name }} đối với " + FIRST_DECISION + ".", indent=True)
    para(doc, "I. Thành phần tham gia đối thoại", bold=True)
    para(doc, "Người chủ trì: {{ dialogue.chair }}"
         "{% if dialogue.chair_capacity and dialogue.chair_capacity != dialogue.chair %} ({{ dialogue.chair_capacity }})"
         "{% endif %}{% if dialogue.chair_authority %}; {{ dialogue.chair_authority }}{% endif %}.", indent=True)
    para(doc, "Người ghi biên bản: {{ dialogue.recorder }}.", indent=True)
    tag(doc, "{%p for person in dialogue.participants %}")
    para(doc, "- {{ person.full_name }} ({{ person.role }}){% if not person.present %}: vắng mặt{% endif %}.", indent=True)
    tag(doc, "{%p endfor %}")
    para(doc, "II. Nội dung đối thoại", bold=True)
    para(doc, "{{ dialogue.content }}", indent=True)
    tag(doc, "{%p for person in dialogue.participants if person.statement %}")
    para(doc, "Ý kiến của {{ person.full_name }}: {{ person.statement }}", indent=True)
    tag(doc, "{%p endfor %}")
    para(doc, "III. Kết quả đối thoại", bold=True)
    para(doc, "{{ dialogue.result }}", indent=True)
    para(doc, "Những nội dung đã thống nhất: {{ dialogue.agreed_points }}", indent=True)
    para(doc, "Những nội dung còn ý kiến khác nhau: {{ dialogue.disputed_points }}", indent=True)
    tag(doc, "{%p for person in dialogue.participants if person.refusal_reason %}")
    para(doc, "{{ person.full_name }} không ký biên bản, lý do: {{ person.refusal_reason }}.", indent=True)
    tag(doc, "{%p endfor %}")
    para(doc, "Biên bản được lập thành 03 bản, đã đọc lại cho những người tham gia đối thoại cùng nghe.", indent=True)
    table = doc.add_table(rows=1, cols=2)
    for cell, role in zip(table.rows[0].cells, ("NGƯỜI GHI BIÊN BẢN", "NGƯỜI CHỦ TRÌ ĐỐI THOẠI"), strict=True):
        para(first_cell_paragraph_removed(cell), role, bold=True, align=CENTER)
        para(cell, "(Ký, ghi rõ họ tên)", italic=True, size=13, align=CENTER)
    para(doc, "NHỮNG NGƯỜI THAM GIA ĐỐI THOẠI", bold=True, align=CENTER)
    para(doc, "(Ký hoặc điểm chỉ, ghi rõ họ tên)", italic=True, size=13, align=CENTER)


def verification_report(doc: DocxDocument) -> None:
    title(doc, "BÁO CÁO", "Kết quả xác minh nội dung khiếu nại")
    para(doc, "Kính gửi: {{ issuer.head }}", align=CENTER)
    para(doc, "Thực hiện Quyết định số {{ verifier.decision_number }} ngày {{ verifier.decision_date }} về việc xác minh "
         "nội dung khiếu nại, {{ verifier.unit }} báo cáo kết quả xác minh khiếu nại của " + COMPLAINANT
         + " đối với " + FIRST_DECISION + " như sau:", indent=True)
    para(doc, "1. Nội dung khiếu nại: {{ content }}", indent=True)
    para(doc, "2. Kết quả xác minh: {{ verification.findings }}", indent=True)
    tag(doc, "{%p for session in verification.work_sessions %}")
    para(doc, "- Ngày {{ session.date }}, làm việc với {{ session.with_whom }}: {{ session.content }}.", indent=True)
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p for item in verification.evidence %}")
    para(doc, "- Tài liệu, chứng cứ: {{ item.name }} ({{ item.source }}).", indent=True)
    tag(doc, "{%p endfor %}")
    para(doc, "3. Kết quả đối thoại: {{ dialogue.result }}", indent=True)
    para(doc, "4. Kết luận: {{ verification_report.conclusion }}. {{ verification_report.content }}", indent=True)
    para(doc, "5. Kiến nghị: {{ verification_report.recommendation }}.", indent=True)
    signature(doc)


def decision(doc: DocxDocument) -> None:
    title(doc, "QUYẾT ĐỊNH", "Về việc giải quyết khiếu nại của {{ complainant.full_name }} (lần hai)")
    bases(doc)
    para(doc, "Căn cứ {{ decision.legal_basis }};", italic=True, indent=True)
    para(doc, "Xét đơn khiếu nại ngày {{ received_on }} của " + COMPLAINANT + ".", indent=True)
    para(doc, "I. Nội dung khiếu nại: {{ content }} Lý do: {{ reasons }} Yêu cầu: {{ request }}", indent=True)
    para(doc, "II. Kết quả giải quyết khiếu nại lần đầu: " + FIRST_DECISION + ".", indent=True)
    para(doc, "III. Kết quả xác minh: {{ verification.findings }} {{ verification_report.content }}", indent=True)
    para(doc, "IV. Kết quả đối thoại: {{ dialogue.result }}", indent=True)
    para(doc, "V. Kết luận: {{ decision.conclusion }}.", indent=True)
    para(doc, "Từ những nhận định và căn cứ trên,", indent=True)
    para(doc, "QUYẾT ĐỊNH:", bold=True, align=CENTER)
    para(doc, "Điều 1. {{ decision.order }} " + FIRST_DECISION + ". {{ decision.content }}", indent=True)
    para(doc, "Điều 2. {% if decision.right_to_sue %}Trong thời hạn theo quy định của Luật Tố tụng hành chính, nếu "
         "không đồng ý với Quyết định này, {{ complainant.full_name }} có quyền khởi kiện vụ án hành chính tại "
         "Tòa án.{% else %}Quyết định này là quyết định giải quyết khiếu nại lần hai.{% endif %}", indent=True)
    para(doc, "Điều 3. Quyết định này có hiệu lực pháp luật theo Điều 44 Luật Khiếu nại. {{ respondent.name }}, "
         "{{ complainant.full_name }} và các cơ quan, tổ chức, cá nhân có liên quan chịu trách nhiệm thi hành "
         "Quyết định này.", indent=True)
    signature(doc)


def termination(doc: DocxDocument) -> None:
    title(doc, "QUYẾT ĐỊNH", "Về việc đình chỉ việc giải quyết khiếu nại")
    bases(doc)
    para(doc, "Xét đơn khiếu nại ngày {{ received_on }} của " + COMPLAINANT + " đối với " + FIRST_DECISION + ";",
         italic=True, indent=True)
    para(doc, "QUYẾT ĐỊNH:", bold=True, align=CENTER)
    para(doc, "Điều 1. Đình chỉ việc giải quyết khiếu nại của {{ complainant.full_name }}. Lý do: "
         "{{ termination.reason }}.", indent=True)
    para(doc, "Điều 2. Quyết định này có hiệu lực kể từ ngày ký. {{ complainant.full_name }} và các cơ quan, tổ chức, "
         "cá nhân có liên quan chịu trách nhiệm thi hành Quyết định này.", indent=True)
    signature(doc)


def suspension(doc: DocxDocument) -> None:
    title(doc, "QUYẾT ĐỊNH", "Về việc tạm đình chỉ việc giải quyết khiếu nại")
    bases(doc)
    para(doc, "Xét đơn khiếu nại ngày {{ received_on }} của " + COMPLAINANT + " đối với " + FIRST_DECISION + ";",
         italic=True, indent=True)
    para(doc, "QUYẾT ĐỊNH:", bold=True, align=CENTER)
    para(doc, "Điều 1. Tạm đình chỉ việc giải quyết khiếu nại của {{ complainant.full_name }}. Căn cứ tạm đình chỉ: "
         "{{ suspension.ground }}. Lý do: {{ suspension.reason }}", indent=True)
    para(doc, "Thời hạn giải quyết khiếu nại không tính thời gian tạm đình chỉ, kể từ ngày ban hành Quyết định này "
         "đến ngày ban hành quyết định tiếp tục giải quyết khiếu nại.", indent=True)
    para(doc, "Điều 2. Quyết định này có hiệu lực kể từ ngày ký. {{ complainant.full_name }} và các cơ quan, tổ chức, "
         "cá nhân có liên quan chịu trách nhiệm thi hành Quyết định này.", indent=True)
    signature(doc)


def resumption(doc: DocxDocument) -> None:
    title(doc, "QUYẾT ĐỊNH", "Về việc tiếp tục giải quyết khiếu nại")
    bases(doc)
    para(doc, "Căn cứ Quyết định số {{ suspension.number }} ngày {{ suspension.issued_on }} về việc tạm đình chỉ việc "
         "giải quyết khiếu nại;", italic=True, indent=True)
    para(doc, "QUYẾT ĐỊNH:", bold=True, align=CENTER)
    para(doc, "Điều 1. Tiếp tục giải quyết khiếu nại của {{ complainant.full_name }} đối với " + FIRST_DECISION
         + ". Lý do: {{ resumption.reason }}", indent=True)
    para(doc, "Thời hạn giải quyết khiếu nại tiếp tục được tính từ ngày ban hành Quyết định này (khoản 2 Điều 28b "
         "Nghị định 124/2020/NĐ-CP).", indent=True)
    para(doc, "Điều 2. Quyết định này có hiệu lực kể từ ngày ký. {{ complainant.full_name }} và các cơ quan, tổ chức, "
         "cá nhân có liên quan chịu trách nhiệm thi hành Quyết định này.", indent=True)
    signature(doc)


BODIES: dict[str, Callable[[DocxDocument], None]] = {
    "acceptance_notice": acceptance_notice, "non_acceptance_notice": non_acceptance_notice,
    "verification_assignment": verification_assignment, "dialogue_minutes": dialogue_minutes,
    "verification_report": verification_report, "decision": decision, "termination": termination,
    "suspension": suspension, "resumption": resumption,
}


def build(kind: str, target: Path) -> None:
    doc = new_document()
    header(doc)
    BODIES[kind](doc)
    doc.add_paragraph()  # Word wants the body to end with a paragraph, not a table
    doc.core_properties.title = kind
    doc.save(str(target))


def main() -> None:
    declared = json.loads((HERE / "documents.json").read_text(encoding="utf-8"))["documents"]
    for kind, entry in declared.items():
        build(kind, HERE / entry["file"])
        print(f"{entry['file']}: {entry['title']}")


if __name__ == "__main__":
    main()
