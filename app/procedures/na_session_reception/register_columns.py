"""The reception register's lines as an officer reads them: NĐ154/2026 Mẫu số 03/TCD's columns, in Vietnamese.

One read model for the register page and the spreadsheet, so the two show the same thing: every
value is the text an officer wrote or the Vietnamese title of a choice (never a code), every date a
``date`` (the page and the workbook print it DD/MM/YYYY).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.persistence.models import ReceptionRecord

KIND_NAMES = {"complaint": "Khiếu nại", "denunciation": "Tố cáo", "petition": "Kiến nghị, phản ánh"}
HANDLING_NAMES = {
    "open_case": "Mở hồ sơ khiếu nại lần hai", "received": "Tiếp nhận đơn", "guided": "Hướng dẫn",
    "transferred": "Chuyển đơn", "explained": "Giải thích, trả lời", "refused": "Từ chối tiếp",
}
UNKNOWN = "(không rõ)"  # a code no title names (a record kept under an older form): never shown as a code

# Mẫu số 03/TCD's 13 columns (NĐ154/2026), then what this register adds.
FORM_COLUMNS = ("STT", "Ngày tiếp", "Họ tên, địa chỉ", "Số CCCD/CMND/Hộ chiếu", "Nội dung vụ việc", "Phân loại",
                "Số người cùng nội dung", "Cơ quan đã giải quyết", "Thuộc thẩm quyền",
                "Hướng dẫn đến cơ quan có thẩm quyền (số văn bản hướng dẫn)",
                "Cơ quan, đơn vị thụ lý (số văn bản chuyển đơn)", "Theo dõi kết quả giải quyết", "Ghi chú")
EXTRA_COLUMNS = ("Cách xử lý", "Căn cứ từ chối tiếp", "Thông báo từ chối tiếp", "Người đại diện", "Số hồ sơ đã mở")


@dataclass(frozen=True)
class RegisterLine:
    """One record of the register, every field ready to print."""

    record: ReceptionRecord
    names: str
    address: str
    id_numbers: str
    kind: str
    second_level: bool
    guided_to: str
    transferred_to: str
    follow_up: str
    note: str
    handling: str
    refusal_ground: str
    refusal_notice: str
    notice_number: str
    notice_date: date | None
    representatives: str
    case_number: str

    def cells(self) -> list[Any]:
        """The line as the spreadsheet's row: Mẫu 03/TCD's columns, then the extra ones."""
        r = self.record
        return [r.sequence, r.received_on, f"{self.names}, {self.address}", self.id_numbers, r.content, self.kind,
                r.people_count, (r.details or {}).get("prior_handling") or "", "x" if r.within_competence else "",
                self.guided_to, self.transferred_to, self.follow_up, self.note,
                self.handling, self.refusal_ground, self.refusal_notice, self.representatives, self.case_number]


def choice_titles(schema: Mapping[str, Any]) -> dict[str, str]:
    """``{code: title}`` of the refusal grounds the plan's record form offers."""
    ground = (((schema.get("properties") or {}).get("refusal") or {}).get("properties") or {}).get("ground") or {}
    return {str(o.get("const")): str(o.get("title")) for o in ground.get("oneOf") or [] if "const" in o}


def lines(records: Iterable[ReceptionRecord], grounds: Mapping[str, str],
          case_numbers: Mapping[int, str]) -> list[RegisterLine]:
    return [_line(r, grounds, case_numbers) for r in records]


def _line(r: ReceptionRecord, grounds: Mapping[str, str], case_numbers: Mapping[int, str]) -> RegisterLine:
    d: dict[str, Any] = r.details or {}
    persons = [p for p in d.get("persons") or [] if isinstance(p, dict)]
    refusal = _part(d, "refusal")
    notice = _part(refusal, "notice")
    notice_date = _date(notice.get("issued_on"))
    number = str(notice.get("number") or "")
    return RegisterLine(
        record=r, names=_names(persons) or r.name, address=r.address,
        id_numbers="; ".join(str(p["id_number"]) for p in persons if p.get("id_number")),
        kind=KIND_NAMES.get(r.kind, UNKNOWN), second_level=bool(d.get("second_level")),
        guided_to=_letter(d.get("guided_to"), "văn bản hướng dẫn số"),
        transferred_to=_letter(d.get("transferred_to"), "văn bản chuyển đơn số"),
        follow_up=str(d.get("follow_up") or ""), note=str(d.get("handling_note") or ""),
        handling=HANDLING_NAMES.get(r.handling, UNKNOWN),
        refusal_ground=grounds.get(str(refusal.get("ground")), UNKNOWN) if refusal.get("ground") else "",
        refusal_notice=f"Số {number} ngày {notice_date:%d/%m/%Y}" if number and notice_date else "",
        notice_number=number, notice_date=notice_date,
        representatives=_names([p for p in d.get("representatives") or [] if isinstance(p, dict)]),
        case_number=case_numbers.get(r.case_instance_id, "") if r.case_instance_id else "",
    )


def _part(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _names(people: list[dict[str, Any]]) -> str:
    return "; ".join(str(p.get("full_name") or "") for p in people if p.get("full_name"))


def _letter(part: Any, number_label: str) -> str:
    """«body (văn bản … số N)», Mẫu 03/TCD's columns 10 and 11."""
    if not isinstance(part, dict) or not part.get("body"):
        return ""
    number = part.get("letter_number")
    return f"{part['body']} ({number_label} {number})" if number else str(part["body"])


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
