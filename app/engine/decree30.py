"""Building blocks of a Decree 30/2020/NĐ-CP administrative document, with python-docx, for the template makers.

Every process's ``documents/make_templates.py`` builds the first version of its .docx templates (docxtpl
tags) from these blocks, so the layout is written once and every document of every process looks the
same: A4, margins 20/20/30/15 mm, Times New Roman 14 pt (13 pt for the small lines); a two-column header
(issuing body and number | national motto and the place-date line), the title in capitals, the body, the
signer's block beside «Nơi nhận:». The header's table has fixed column widths in its grid (``w:gridCol``)
and a fixed layout: LibreOffice ignores a cell's own width and would wrap the motto «CỘNG HÒA XÃ HỘI CHỦ
NGHĨA VIỆT NAM» (13 pt bold) in a narrower right column. Nothing here runs while serving: the templates
are files an analyst edits in Word afterwards, and ``app.engine.documents`` fills them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell, _Row

FONT = "Times New Roman"
CENTER, JUSTIFY, LEFT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY, WD_ALIGN_PARAGRAPH.LEFT
TEXT_WIDTH_MM = 165  # A4 portrait, 30 mm left and 15 mm right margins
HEADER_COLUMNS_MM = (60, 105)  # the motto needs ≈ 100 mm at 13 pt bold, plus the cell margins
SIGNATURE_COLUMNS_MM = (75, 90)
MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_LINE = "Độc lập - Tự do - Hạnh phúc"

Container = DocxDocument | _Cell
# What follows w:pBdr inside w:pPr in the WordprocessingML schema (ECMA-376 CT_PPrBase).
AFTER_BORDER = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
                "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
                "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
                "w:rPr", "w:sectPr", "w:pPrChange")
# What follows w:tblW inside w:tblPr (ECMA-376 CT_TblPrBase).
AFTER_TABLE_WIDTH = ("w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar",
                     "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")


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


def new_document(*, landscape: bool = False) -> DocxDocument:
    """A4 (landscape for a wide register), Decree 30's margins, Times New Roman 14 pt everywhere."""
    doc = Document()
    section = doc.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    else:
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
    """Decree 30's short rule under the body's name and under the motto line.

    A paragraph of its own, one point high, with a bottom border between indents: the rule's length
    does not squeeze the text above it (the text would wrap between the indents).
    """
    paragraph = where.add_paragraph()
    form = paragraph.paragraph_format
    form.left_indent = form.right_indent = Mm(indent_mm)
    form.space_before = form.space_after = Pt(0)
    form.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    form.line_spacing = Pt(1)
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


def fixed_widths(table: Table, widths_mm: Sequence[float]) -> None:
    """Column widths Word and LibreOffice both honour: the table's width, a fixed layout, the grid and each cell."""
    table.autofit = False  # w:tblLayout w:type="fixed"
    properties = table._tbl.tblPr
    for old in properties.findall(qn("w:tblW")):
        properties.remove(old)
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(sum(round(Mm(w).twips) for w in widths_mm)))
    width.set(qn("w:type"), "dxa")
    properties.insert_element_before(width, *AFTER_TABLE_WIDTH)
    for column, width_mm in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width_mm)  # w:gridCol
        for cell in column.cells:
            cell.width = Mm(width_mm)  # w:tcW


def two_columns(doc: DocxDocument, widths_mm: Sequence[float]) -> tuple[_Cell, _Cell]:
    """A borderless one-row table of two cells (header, signatures), each without its empty first paragraph."""
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    fixed_widths(table, widths_mm)
    left, right = (first_cell_paragraph_removed(cell) for cell in table.rows[0].cells)
    return left, right


def header(doc: DocxDocument) -> None:
    """Issuing body, its name underlined, the number | the motto on one line, underlined, the place-date line."""
    left, right = two_columns(doc, HEADER_COLUMNS_MM)
    para(left, "{{ issuer.upper_line }}", size=13, align=CENTER)
    para(left, "{{ issuer.lower_line }}", bold=True, size=13, align=CENTER)
    underline_short(left, 18)
    para(left, "Số: {{ number }}", size=13, align=CENTER)
    para(right, MOTTO, bold=True, size=13, align=CENTER)
    para(right, MOTTO_LINE, bold=True, size=14, align=CENTER)
    underline_short(right, 17)
    para(right, "{{ place }}, {{ date_line }}", italic=True, size=14, align=CENTER)


def title(doc: DocxDocument, name: str, subject: str) -> None:
    para(doc, "")
    para(doc, name, bold=True, align=CENTER)
    para(doc, subject, bold=True, align=CENTER)


def bases(doc: DocxDocument, authority: str | None = "{{ issuer.head_upper }}") -> None:
    """The decider's title, then the «Căn cứ …» lines of the regime (``legal_bases``)."""
    if authority:
        para(doc, authority, bold=True, align=CENTER)
    tag(doc, "{%p for basis in legal_bases %}")
    para(doc, "{{ basis }};", italic=True, indent=True)
    tag(doc, "{%p endfor %}")


def signature(doc: DocxDocument, recipients: bool = True, *, loop: str = "recipient in recipients",
              line: str = "{{ recipient }}", fixed: Sequence[str] = ()) -> None:
    """«Nơi nhận:» (one line per item of ``loop``, then ``fixed`` lines and the archive) beside the signer's block.

    By default the recipients are the context's ``recipients``; a plan lists its units (``unit in units``).
    """
    left, right = two_columns(doc, SIGNATURE_COLUMNS_MM)
    if recipients:
        para(left, "Nơi nhận:", bold=True, italic=True, size=12, align=LEFT)
        for text in fixed:
            para(left, f"- {text};", size=11, align=LEFT)
        tag(left, "{%p for " + loop + " %}")
        para(left, "- " + line + ";", size=11, align=LEFT)
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


def signatures(doc: DocxDocument, roles: Sequence[tuple[str, str, str]]) -> None:
    """Side-by-side signature blocks (role, how one signs, the name below or ""), e.g. the receiver and the citizen."""
    width = TEXT_WIDTH_MM / len(roles)
    table = doc.add_table(rows=1, cols=len(roles))
    fixed_widths(table, [width] * len(roles))
    for cell, (role, how, name) in zip(table.rows[0].cells, roles, strict=True):
        para(first_cell_paragraph_removed(cell), role, bold=True, align=CENTER)
        para(cell, how, italic=True, size=13, align=CENTER)
        if name:
            for _ in range(3):
                para(cell, "", align=CENTER)
            para(cell, name, bold=True, align=CENTER)


def row_table(doc: DocxDocument, headings: Sequence[str], cells: Sequence[str], widths_mm: Sequence[float],
              loop: str, *, size: float = 11) -> None:
    """A bordered table: the headings, then one row per item of a docxtpl row loop (``{%tr for … %}``).

    ``loop`` is the loop's head (``"row in register"``); ``cells`` are the tags of one item's row.
    """
    table = doc.add_table(rows=4, cols=len(headings))
    table.style = doc.styles["Table Grid"]
    fixed_widths(table, widths_mm)
    narrow_cell_margins(table, 1)
    rows = table.rows
    for cell, heading in zip(rows[0].cells, headings, strict=True):
        para(first_cell_paragraph_removed(cell), heading, bold=True, size=size, align=CENTER)
    _loop_row(rows[1], "{%tr for " + loop + " %}")
    for cell, text in zip(rows[2].cells, cells, strict=True):
        para(first_cell_paragraph_removed(cell), text, size=size, align=LEFT)
    _loop_row(rows[3], "{%tr endfor %}")


def narrow_cell_margins(table: Table, side_mm: float) -> None:
    """Left and right cell margins of ``side_mm`` (default ≈ 1.9 mm): narrow columns keep a date on one line."""
    margins = OxmlElement("w:tblCellMar")
    for side in ("w:left", "w:right"):
        margin = OxmlElement(side)
        margin.set(qn("w:w"), str(round(Mm(side_mm).twips)))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    table._tbl.tblPr.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")


def _loop_row(row: _Row, text: str) -> None:
    """A row holding only a docxtpl row tag, in its first cell (the row is removed when rendered)."""
    row.cells[0].paragraphs[0].add_run(text)


def build_all(folder: Path, bodies: Mapping[str, Callable[[DocxDocument], None]],
              landscape: frozenset[str] = frozenset()) -> None:
    """(Re)make every template ``folder/documents.json`` declares: the header, the kind's body, saved as its file."""
    declared = json.loads((folder / "documents.json").read_text(encoding="utf-8"))["documents"]
    for kind, entry in declared.items():
        doc = new_document(landscape=kind in landscape)
        header(doc)
        bodies[kind](doc)
        save(doc, kind, folder / entry["file"])
        print(f"{entry['file']}: {entry['title']}")


def save(doc: DocxDocument, kind: str, target: Path) -> None:
    doc.add_paragraph()  # Word wants the body to end with a paragraph, not a table
    doc.core_properties.title = kind
    doc.save(str(target))
