"""Build the first version of the reception plan's document templates (.docx, docxtpl tags) with python-docx.

The .docx files next to this script are the source: an analyst edits them in Word afterwards. Run this
script only to start again from scratch (it overwrites them): ``.venv/bin/python make_templates.py``.
The layout of Decree 30/2020/NĐ-CP is built by ``app/engine/decree30.py``, shared with the complaint's
templates. What each template is (kind, title, legal form per regime, step) is declared once, in
``documents.json``. A template names only the document's facts (``app.engine.documents.FIXED_NAMES``),
the top-level fields of the plan's forms, and ``register`` (the register's rows as
``app.services.register.document_rows`` gives them) for the kinds whose sources list it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from docx.document import Document as DocxDocument

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))  # run as a script from anywhere: the repository's app package

from app.engine.decree30 import (  # noqa: E402
    CENTER,
    bases,
    build_all,
    para,
    row_table,
    signature,
    tag,
    title,
)

WINDOW = ("từ ngày {{ reception_start }} đến ngày {{ reception_end }} (kỳ họp khai mạc ngày {{ window_start }}, "
          "bế mạc ngày {{ window_end }})")
DIRECTIVES = ("{% for directive in documents %}{{ directive.title }} số {{ directive.number }} ngày "
              "{{ directive.issued_on }}{% if directive.issuer %} của {{ directive.issuer }}{% endif %}"
              "{% if not loop.last %}; {% endif %}{% endfor %}")
# Sums over the register's rows (document_rows: «x» marks a yes, people_count is plain digits).
PEOPLE = '{{ register|map(attribute="people_count")|map("int")|sum }}'


def count(attribute: str, value: str | None = None) -> str:
    """How many rows of the register have ``attribute`` (equal to ``value`` when given)."""
    test = f'"{attribute}", "equalto", "{value}"' if value else f'"{attribute}"'
    return "{{ register|selectattr(" + test + ")|list|length }}"


def plan(doc: DocxDocument) -> None:
    """Kế hoạch: the plan as approved, from the directive, the session, the window, the office, units and staff."""
    title(doc, "KẾ HOẠCH", "Tiếp công dân phục vụ {{ session_name }}")
    bases(doc, authority=None)
    para(doc, "Thực hiện " + DIRECTIVES + ", {{ issuer.name }} ban hành Kế hoạch tiếp công dân phục vụ "
         "{{ session_name }} như sau:", indent=True)
    para(doc, "I. MỤC ĐÍCH, YÊU CẦU", bold=True)
    para(doc, "{{ plan.purpose }}", indent=True)
    para(doc, "II. THỜI GIAN, ĐỊA ĐIỂM", bold=True)
    para(doc, "1. Thời gian: tiếp công dân " + WINDOW + "{% if receive_on_weekends %}, kể cả thứ Bảy, Chủ nhật"
         "{% else %}, vào các ngày làm việc{% endif %}; ngày lễ, Tết nghỉ theo quy định.", indent=True)
    para(doc, "2. Địa điểm: {{ reception_office }}.", indent=True)
    para(doc, "III. TỔ CHỨC THỰC HIỆN", bold=True)
    para(doc, "1. Cán bộ tiếp công dân", bold=True, indent=True)
    tag(doc, "{%p if staffing %}")
    para(doc, "Cán bộ trực tiếp công dân tại {{ reception_office }} (phân công ngày {{ staffing.assigned_on }}):",
         indent=True)
    tag(doc, "{%p for officer in staffing.officers %}")
    para(doc, "- {{ officer.full_name }}, {{ officer.agency }}{% if officer.phone %}, điện thoại "
         "{{ officer.phone }}{% endif %};", indent=True)
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if staffing.police_liaison %}")
    para(doc, "Đầu mối Công an tỉnh: {{ staffing.police_liaison }}.", indent=True)
    tag(doc, "{%p endif %}")
    tag(doc, "{%p else %}")
    para(doc, "Thanh tra tỉnh phối hợp với Ban Tiếp công dân tỉnh phân công cán bộ trực tiếp công dân tại "
         "{{ reception_office }} trong thời gian trên.", indent=True)
    tag(doc, "{%p endif %}")
    para(doc, "2. Các cơ quan, đơn vị thực hiện", bold=True, indent=True)  # no district level after 01/07/2025
    para(doc, "Rà soát các vụ việc khiếu nại, tố cáo, kiến nghị, phản ánh thuộc thẩm quyền, bố trí lãnh đạo tiếp "
         "công dân, đối thoại và báo cáo kết quả:", indent=True)
    tag(doc, "{%p for unit in units %}")
    para(doc, "- {{ unit.name }} ({{ unit.kind }});", indent=True)
    tag(doc, "{%p endfor %}")
    para(doc, "3. Phối hợp: {{ plan.coordination }}", indent=True)
    para(doc, "4. Xử lý vụ việc đông người: {{ plan.group_case_handling }}", indent=True)
    para(doc, "5. Chế độ báo cáo: {{ plan.reporting }}", indent=True)
    para(doc, "Trên đây là Kế hoạch tiếp công dân phục vụ {{ session_name }}; các cơ quan, đơn vị có liên quan "
         "tổ chức thực hiện.", indent=True)
    signature(doc, loop="unit in units", line="{{ unit.name }}")


REGISTER_HEADINGS = ("STT", "Ngày tiếp", "Họ tên, địa chỉ", "Số CCCD/ CMND/ Hộ chiếu", "Nội dung vụ việc",
                     "Phân loại", "Số người", "Cơ quan đã giải quyết", "Thuộc thẩm quyền",
                     "Hướng dẫn (số văn bản)", "Chuyển đơn (số văn bản)", "Theo dõi kết quả", "Ghi chú")
REGISTER_CELLS = ("{{ row.sequence }}", "{{ row.day }}", "{{ row.full_name }}, {{ row.address }}", "{{ row.id_number }}",
                  "{{ row.content }}", "{{ row.kind }}", "{{ row.people_count }}", "{{ row.prior_handling }}",
                  "{{ row.within_competence }}", "{{ row.guided_to }}", "{{ row.transferred_to }}",
                  "{{ row.follow_up }}", "{{ row.handling }}{% if row.case_number %} (hồ sơ {{ row.case_number }})"
                  "{% endif %}{% if row.note %}. {{ row.note }}{% endif %}")
REGISTER_WIDTHS_MM = (10, 19, 29, 25, 34, 16, 13, 20, 13, 20, 20, 17, 16)  # 252 mm: A4 landscape's text width


def register_extract(doc: DocxDocument) -> None:
    """Trích sổ tiếp công dân: every record of the plan's register, Mẫu 03/TCD's columns (landscape)."""
    title(doc, "TRÍCH SỔ TIẾP CÔNG DÂN", "Tiếp công dân phục vụ {{ session_name }}, " + WINDOW)
    para(doc, "Nơi tiếp: {{ reception_office }}.", align=CENTER)
    row_table(doc, REGISTER_HEADINGS, REGISTER_CELLS, REGISTER_WIDTHS_MM, "row in register", size=10)
    para(doc, "")
    para(doc, "Tổng cộng: {{ register|length }} lượt tiếp, " + PEOPLE + " người.", indent=True)
    signature(doc)


def final_report(doc: DocxDocument) -> None:
    """Báo cáo kết quả: totals counted from the register, the assessment and recommendations of the report step."""
    title(doc, "BÁO CÁO", "Kết quả tiếp công dân phục vụ {{ session_name }}")
    para(doc, "Thực hiện " + DIRECTIVES + "{% if plan %} và Kế hoạch số {{ plan.number }}{% endif %}, "
         "{{ issuer.name }} báo cáo kết quả tiếp công dân " + WINDOW + " tại {{ reception_office }} như sau:",
         indent=True)
    para(doc, "I. KẾT QUẢ TIẾP CÔNG DÂN", bold=True)
    para(doc, "1. Tổng số: {{ register|length }} lượt tiếp với " + PEOPLE + " người; trong đó "
         + count("group_case") + " vụ việc đông người, " + count("bypassing") + " vụ việc vượt cấp, "
         + count("protracted") + " vụ việc kéo dài.", indent=True)
    para(doc, "2. Phân loại: khiếu nại " + count("kind", "Khiếu nại") + " lượt; tố cáo " + count("kind", "Tố cáo")
         + " lượt; kiến nghị, phản ánh " + count("kind", "Kiến nghị, phản ánh") + " lượt; thuộc thẩm quyền của "
         "tỉnh " + count("within_competence") + " lượt.", indent=True)
    para(doc, "3. Kết quả xử lý: mở hồ sơ khiếu nại lần hai " + count("handling", "Mở hồ sơ khiếu nại lần hai")
         + " lượt; tiếp nhận đơn " + count("handling", "Tiếp nhận đơn") + " lượt; hướng dẫn "
         + count("handling", "Hướng dẫn") + " lượt; chuyển đơn " + count("handling", "Chuyển đơn")
         + " lượt; giải thích, trả lời " + count("handling", "Giải thích, trả lời") + " lượt; từ chối tiếp "
         + count("handling", "Từ chối tiếp") + " lượt.", indent=True)
    tag(doc, "{%p for row in register if row.case_number %}")
    para(doc, "- Hồ sơ {{ row.case_number }}: {{ row.full_name }} (tiếp ngày {{ row.day }}).", indent=True)
    tag(doc, "{%p endfor %}")
    para(doc, "II. ĐÁNH GIÁ CHUNG", bold=True)
    para(doc, "{{ final_report.assessment }}", indent=True)
    para(doc, "III. KIẾN NGHỊ", bold=True)
    para(doc, "{% if final_report.recommendations %}{{ final_report.recommendations }}{% else %}Không có kiến nghị."
         "{% endif %}", indent=True)
    para(doc, "(Kèm theo Trích sổ tiếp công dân.)", italic=True, indent=True)
    signature(doc)


BODIES: dict[str, Callable[[DocxDocument], None]] = {
    "plan": plan, "register_extract": register_extract, "final_report": final_report,
}
LANDSCAPE = {"register_extract"}


def main() -> None:
    build_all(HERE, BODIES, frozenset(LANDSCAPE))


if __name__ == "__main__":
    main()
