"""What the law says of one reception-register record beyond what its form schema can say.

Three rules, each refused with a Vietnamese message on the record's own field:

- **where an opened case goes.** The register offers the petition form's issuer levels; the
  second-level authority follows from the level (LKN Art. 20(2), 21(2)) exactly as
  ``processes/complaint_second_level/competent_authority.dmn`` decides it. A first decision of
  "another level" is not the province's to resolve: the desk guides or transfers it.
- **refusing to receive** (LTCD Art. 9; from 01/07/2026 also NĐ154/2026 Art. 4): the ground must be one
  the law in force on the day of reception lists, and the written refusal notice (Mẫu 01/TCD) is
  required only where the law asks for one (a protracted case, LTCD Art. 9(3); a petition already
  answered, NĐ154 Art. 4(1)(h)), issued by then — from 01/07/2026 within 3 working days (Art. 4(3)).
- **nothing invented**: a case opens only with the dossier facts the officer checked at the desk.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from app.engine import LegalCalendar
from app.engine.deadlines import to_date
from app.errors import FormValidationError

# The second-level authority for each issuer level the register offers, in the petition's
# ``submitted_to`` vocabulary (LKN Art. 21(2): district chair, department head -> provincial chair;
# Art. 20(2): head of a unit of a department -> the department's head). Same table as the DMN.
COMPETENT_AUTHORITY = {"district_chair": "provincial_chair", "department_head": "provincial_chair",
                       "department_unit_head": "department_head"}

NEW_RECEPTION_LAW = date(2026, 7, 1)  # Law 136/2025/QH15 and Decree 154/2026/NĐ-CP in force
GROUNDS_BEFORE = frozenset({"incapacitated", "threatening", "protracted", "other_by_law"})  # LTCD Art. 9(1)-(4)
GROUNDS_FROM_2026 = frozenset({  # LTCD Art. 9(1)-(3) and NĐ154 Art. 4(1)(a)-(k), which details Art. 9(4)
    "incapacitated", "threatening", "protracted", "weapons", "security_check", "recording", "disorder",
    "no_legal_representative", "representative_without_papers", "outside_scope", "answered_petition",
    "court_judgment", "resolved_elsewhere",
})
NOTICE_DAYS = 3  # working days to issue the refusal notice (NĐ154 Art. 4(3))


def check_opening(record: dict[str, Any]) -> None:
    """A case opens only for a second-level complaint within provincial competence, with its checked dossier."""
    if record.get("handling") != "open_case":
        return
    if record.get("kind") != "complaint" or not record.get("second_level") or not record.get("within_competence"):
        raise FormValidationError(fields={"handling": "Chỉ mở hồ sơ cho khiếu nại lần hai thuộc thẩm quyền của tỉnh."})
    complaint = record.get("complaint") or {}
    level = (complaint.get("first_decision") or {}).get("issuer_level")
    if level not in COMPETENT_AUTHORITY:
        raise FormValidationError(fields={"complaint.first_decision.issuer_level": (
            "Quyết định lần đầu của cấp này không thuộc thẩm quyền giải quyết lần hai của tỉnh (Điều 20, 21 Luật "
            "Khiếu nại): không mở hồ sơ, hãy hướng dẫn hoặc chuyển đơn đến cơ quan có thẩm quyền.")})
    if not isinstance(complaint.get("dossier"), dict):  # a plan deployed before the register asked for it
        raise FormValidationError(fields={"complaint.dossier": (
            "Chưa ghi các giấy tờ đã kiểm tra tại nơi tiếp (chữ ký trên đơn, văn bản cử người đại diện, bản sao "
            "quyết định lần đầu): không thể mở hồ sơ; hãy tiếp nhận đơn bằng biểu mẫu «Tiếp nhận đơn khiếu nại lần hai».")})


def competent_authority(record: dict[str, Any]) -> str:
    """Where the case a record opens is addressed (the petition's ``submitted_to``): decided by the record.

    The officer at the provincial reception desk is not asked which authority the petition is for:
    having judged the complaint within provincial competence and chosen to open a case, they expect
    it to reach the authority the law names for the first decision's issuer — the one the case's
    own competence check (competent_authority.dmn) will find, so the case goes straight to
    acceptance. A petition the desk finds addressed elsewhere is guided or transferred there
    (handling ``guided`` / ``transferred``), not opened only to be guided away by the case.
    """
    return COMPETENT_AUTHORITY[record["complaint"]["first_decision"]["issuer_level"]]


def check_refusal(calendar: LegalCalendar, record: dict[str, Any], received_on: date, today: date) -> None:
    """The refusal's ground is one the law of the reception day lists; its notice, where required, is dated lawfully."""
    refusal = record.get("refusal")
    if record.get("handling") != "refused" or not isinstance(refusal, dict):
        return
    ground = refusal.get("ground")
    new_law = received_on >= NEW_RECEPTION_LAW
    if ground not in (GROUNDS_FROM_2026 if new_law else GROUNDS_BEFORE):
        message = ("Từ 01/07/2026 chỉ từ chối tiếp theo khoản 1, 2, 3 Điều 9 Luật Tiếp công dân hoặc một trường hợp "
                   "của khoản 1 Điều 4 Nghị định 154/2026/NĐ-CP." if new_law else
                   "Trường hợp này chỉ là căn cứ từ chối tiếp từ ngày 01/07/2026 (Nghị định 154/2026/NĐ-CP); ngày tiếp "
                   f"{received_on:%d/%m/%Y} áp dụng Điều 9 Luật Tiếp công dân.")
        raise FormValidationError(fields={"refusal.ground": message})
    notice = refusal.get("notice")
    if isinstance(notice, dict):
        _check_notice_date(calendar, to_date(notice["issued_on"]), received_on, today)


def _check_notice_date(calendar: LegalCalendar, issued_on: date, received_on: date, today: date) -> None:
    if issued_on > today:
        raise FormValidationError(fields={"refusal.notice.issued_on": "Ngày thông báo không được sau ngày hôm nay."})
    latest = received_on if received_on < NEW_RECEPTION_LAW else _working_days_after(calendar, received_on, NOTICE_DAYS)
    if issued_on > latest:
        message = (f"Thông báo từ chối tiếp phải ban hành chậm nhất ngày {latest:%d/%m/%Y}: trong 03 ngày làm việc kể "
                   "từ ngày có đủ căn cứ từ chối (khoản 3 Điều 4 Nghị định 154/2026/NĐ-CP)."
                   if received_on >= NEW_RECEPTION_LAW else
                   f"Thông báo từ chối tiếp phải có trước hoặc trong ngày tiếp ({received_on:%d/%m/%Y}).")
        raise FormValidationError(fields={"refusal.notice.issued_on": message})


def _working_days_after(calendar: LegalCalendar, start: date, count: int) -> date:
    day = start
    while count > 0:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            count -= 1
    return day
